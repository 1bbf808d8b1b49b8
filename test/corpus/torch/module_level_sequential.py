import torch
import torch.nn as nn

IMG_SIZE = 28
IN_CHANNELS = 1
NUM_CLASSES = 10
HIDDEN = 64

# x: (N, 1, 28, 28)
model = nn.Sequential(
    nn.Conv2d(IN_CHANNELS, 32, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(32, HIDDEN, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(HIDDEN * (IMG_SIZE // 4) * (IMG_SIZE // 4), 128),
    nn.ReLU(),
    nn.Dropout(0.5),
    nn.Linear(128, NUM_CLASSES),
)

optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
