# stft_mask_net.py with one bug: the encoder takes 1 channel (a magnitude) but view_as_real gives 2 (real, imaginary).
import torch
import torch.nn as nn


class SpectrogramMask(nn.Module):
    """Demucs-style frequency branch: torch.stft's complex spectrogram as real/imaginary channels, a small CNN
    predicts a complex mask, torch.istft gives the signal back at its length."""

    def __init__(self, n_fft=64, hop=16, hidden=8):
        super().__init__()
        self.n_fft = n_fft
        self.hop = hop
        self.encode = nn.Conv2d(1, hidden, kernel_size=3, padding=1)
        self.decode = nn.Conv2d(hidden, 2, kernel_size=3, padding=1)
        self.frames = nn.Linear(33, 33)

    def forward(self, x):
        # x: (batch, samples)
        length = x.shape[-1]
        window = torch.hann_window(self.n_fft)
        z = torch.stft(x, self.n_fft, self.hop, window=window, normalized=True, center=True, return_complex=True)
        m = torch.view_as_real(z).permute(0, 3, 1, 2)
        m = self.decode(torch.relu(self.encode(m)))
        mask = torch.view_as_complex(m.permute(0, 2, 3, 1).contiguous())
        y = torch.istft(z * mask, self.n_fft, self.hop, window=window, normalized=True, length=length)
        raw = x.stft(self.n_fft, hop_length=self.hop, center=False, return_complex=False)
        return y + self.frames(raw[..., 0].transpose(1, 2)).mean()
