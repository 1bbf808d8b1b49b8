import torch
import torch.nn as nn

# Define a simple convolutional neural network
class ConvNet(nn.Module):
    def __init__(self):
        super(ConvNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1)
        self.fc = nn.Linear(32 * 8 * 8, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = self.relu(x)
        x = self.pool(x)
        x = self.conv2(x)
        x = self.relu(x)
        x = self.pool(x)
        x = x.view(-1, 32 * 8 * 8)  # Flatten the tensor
        x = self.fc(x)
        return x

# Create an instance of the ConvNet
model = ConvNet()

# Define an example input tensor
input_tensor = torch.randn(1, 3, 32, 32)  # Batch size 1, 3 channels, 32x32 image

# Pass the input tensor through the model
output_tensor = model(input_tensor)

# Print the output shape
print("Output shape:", output_tensor.shape)
