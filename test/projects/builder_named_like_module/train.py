import torch
from zoo import smallnet, widenet

model = smallnet(num_classes=5)
stem = widenet()
out = model(torch.randn(2, 3, 32, 32))
