# A CNN-LSTM over spectrogram frames: the LSTM was written for 64 features per step but the CNN gives
# 32 channels x 10 frequency bins = 320.
import torch
import torch.nn as nn


class AudioCRNN(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d((4, 1)),
        )
        self.lstm = nn.LSTM(input_size=64, hidden_size=128, batch_first=True)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        x = self.conv(x)                          # [B, 32, 10, T]
        b, c, f, t = x.shape
        x = x.permute(0, 3, 1, 2).reshape(b, t, c * f)
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


model = AudioCRNN()
