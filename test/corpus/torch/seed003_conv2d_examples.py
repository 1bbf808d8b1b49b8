import torch
import torch.nn as nn

# Example 1: Basic conv2d layer

# Input image dimensions: 1 batch 3 channels 32 height 32 width
input_channels = 3
image_size = 32
batch_size = 1
input_image = torch.randn(batch_size, input_channels, image_size, image_size)

# Define the convolution layer
# 16 output channels a 3x3 kernel stride 1 padding 0
conv_layer = nn.Conv2d(in_channels=input_channels, out_channels=16, kernel_size=3, stride=1, padding=0)

# Pass the input through the layer
output_feature_map = conv_layer(input_image)

# The resulting feature map will have a height width of 30
# since 32 - 3 + 1 = 30
print(output_feature_map.shape) # Output: torch.Size([1, 16, 30, 30])

import torch
import torch.nn as nn

# Example 2: Same padding using conv2d

# Input image dimensions: 1 batch 3 channels 32 height 32 width
input_channels = 3
image_size = 32
batch_size = 1
input_image = torch.randn(batch_size, input_channels, image_size, image_size)

# Define the convolution layer
# 16 output channels a 3x3 kernel stride 1 padding 'same'
conv_layer = nn.Conv2d(in_channels=input_channels, out_channels=16, kernel_size=3, stride=1, padding=1)

# Pass the input through the layer
output_feature_map = conv_layer(input_image)

# Now the output spatial dimensions are same as input
print(output_feature_map.shape)  # Output: torch.Size([1, 16, 32, 32])

import torch
import torch.nn as nn

# Example 3: Stacking multiple conv layers

# Input image dimensions: 1 batch 3 channels 32 height 32 width
input_channels = 3
image_size = 32
batch_size = 1
input_image = torch.randn(batch_size, input_channels, image_size, image_size)

# Define a simple convolutional network
model = nn.Sequential(
    nn.Conv2d(in_channels=input_channels, out_channels=16, kernel_size=3, stride=1, padding=1),
    nn.ReLU(), #Activation function
    nn.Conv2d(in_channels=16, out_channels=32, kernel_size=3, stride=1, padding=1),
    nn.ReLU(), #Activation function
    nn.Conv2d(in_channels=32, out_channels=64, kernel_size=3, stride=1, padding=1)
)
# Pass the input through the layers
output_feature_map = model(input_image)

print(output_feature_map.shape) # Output: torch.Size([1, 64, 32, 32])
