import torch
import torch.nn as nn


class MedicalImageModel(nn.Module):
    def __init__(self):
        super().__init__()

        self.convo_layer_one = nn.Conv2d(1,16,2)
        self.convo_layer_two = nn.Conv2d(16,32,2)
        self.convo_layer_three = nn.Conv2d(64,32,2)

    def forward(self, x):
        x = torch.relu(self.convo_layer_one(x))
        x = torch.relu(self.convo_layer_two(x))
        x = torch.relu(self.convo_layer_three(x))
        return x
