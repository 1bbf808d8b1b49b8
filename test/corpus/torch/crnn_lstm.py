# A CRNN for text lines: a CNN over a 32-pixel-high image, its columns as a sequence, a bidirectional LSTM,
# then per-step classes. The GRU variant reads the same features.
import torch
import torch.nn as nn


class CRNN(nn.Module):
    def __init__(self, num_classes=37, hidden=128):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(),
            nn.MaxPool2d((2, 1)),
            nn.Conv2d(256, 256, (4, 1)), nn.ReLU(),
        )
        self.rnn = nn.LSTM(256, hidden, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, num_classes)

    def forward(self, x):
        f = self.cnn(x)                    # [B, 256, 1, W/4]
        f = f.squeeze(2).permute(2, 0, 1)  # [T, B, 256]
        out, (h, c) = self.rnn(f)
        return self.fc(out)


class CRNNGRU(nn.Module):
    def __init__(self, num_classes=37):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.gru = nn.GRU(64 * 8, 96, batch_first=True, bidirectional=True)
        self.head = nn.Linear(192, num_classes)

    def forward(self, x):
        f = self.cnn(x)                              # [B, 64, 8, W/4]
        b, c, h, w = f.size()
        f = f.permute(0, 3, 1, 2).reshape(b, w, c * h)  # [B, T, 512]
        out, h_n = self.gru(f)
        return self.head(out[:, -1])


class FrameGRU(nn.Module):
    """A CNN over each frame of a clip, then a GRU over the frames with an explicit initial state."""

    def __init__(self):
        super().__init__()
        self.frame = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4))
        self.gru = nn.GRU(16 * 4 * 4, 64, num_layers=2, batch_first=True, dropout=0.1)
        self.cell = nn.LSTMCell(64, 32)
        self.out = nn.Linear(32, 5)

    def forward(self, clip):
        b, t, c, h, w = clip.shape
        f = self.frame(clip.view(b * t, c, h, w)).view(b, t, -1)
        h0 = torch.zeros(2, b, 64)
        seq, _ = self.gru(f, h0)
        hx, cx = self.cell(seq[:, -1])
        return self.out(hx)
