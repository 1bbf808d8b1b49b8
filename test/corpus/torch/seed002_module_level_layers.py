#!/usr/bin/env python
# coding: utf-8

# # Exploring Pytorch nn.Conv2d
# `nn.Conv2d()`, also known as a convolutional layer. We will do some simulation to see what's going on when we run this `nn.Conv2d()`.

# In[1]:


import torch
import torch.nn as nn


# In[2]:


torch.__version__


# In[3]:


torch.manual_seed(42)

# We will create 32 fake images with RGB color and 64x64 pixel size

# Create sample batch of random numbers with same size as image batch
images = torch.randn(size=(32, 3, 64, 64)) # [batch_size, color_channels, height, width]

# get a single image for testing
test_image = images[0] 

print(f"Image batch shape: {images.shape} -> [batch_size, color_channels, height, width]")
print(f"Single image shape: {test_image.shape} -> [color_channels, height, width]") 
print(f"Single image pixel values:\n{test_image}")


# ## Conv2D 1

# In[4]:


conv_layer_1 = nn.Conv2d(
    in_channels=3,
    out_channels=10,
    kernel_size=3,
    stride=1,
    padding=0
)

conv_layer_1(test_image)


# In[5]:


test_image.unsqueeze(0).shape


# In[6]:


conv_layer_1(test_image).unsqueeze(0).shape


# In[13]:


input_height, input_width = 64 , 64

kernel = 5
stride = 2

output_height = int((input_height - kernel)/ stride) + 1
print(f"output_height: {output_height}")


# ## Conv2D 2
# 
# We try to change kernel size to 5 and stride = 2, and lets's do with pytorch.

# In[8]:


conv_layer_2 = nn.Conv2d(
    in_channels=3,
    out_channels=10,
    kernel_size=5,
    stride=2,
    padding=0
)


# In[9]:


test_image.unsqueeze(0).shape


# In[10]:


conv_layer_2(test_image).unsqueeze(0).shape


# ## Weight & Bias

# In[11]:


# Get shapes of weight and bias tensors within conv_layer_2
print(f"conv_layer_2 weight shape: \n{conv_layer_2.weight.shape} -> [out_channels=10, in_channels=3, kernel_size=5, kernel_size=5]")
print(f"\nconv_layer_2 bias shape: \n{conv_layer_2.bias.shape} -> [out_channels=10]")
