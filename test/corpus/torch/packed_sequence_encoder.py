import torch
import torch.nn as nn
import torch.nn.functional as F


class PackedEncoder(nn.Module):
    """Tacotron2-style encoder: a conv over the sequence, then recurrent layers over packed sequences
    (pack_padded_sequence / pad_packed_sequence) so that the padding frames are skipped."""

    def __init__(self, dim=32, hidden=16):
        super().__init__()
        self.conv = nn.Conv1d(dim, dim, kernel_size=5, padding=2)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(dim, hidden)
        self.out = nn.Linear(3 * hidden, 8)
        self.score_mask_value = -float("inf")

    def forward(self, x):
        # x: (batch, dim, time)
        lengths = torch.tensor([x.size(2), x.size(2) - 3]).cpu()
        x = F.relu(self.conv(x)).transpose(1, 2)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True)
        outputs, (h, c) = self.lstm(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True)
        time_major = nn.utils.rnn.pack_padded_sequence(x.transpose(0, 1), lengths, enforce_sorted=False)
        g, h_g = self.gru(time_major)
        g, _ = nn.utils.rnn.pad_packed_sequence(g, total_length=x.size(1))
        y = self.out(torch.cat([outputs, g.transpose(0, 1)], dim=-1))
        last = h.transpose(0, 1).reshape(x.size(0), -1) + h_g[0].repeat(1, 2)
        return y.masked_fill(y > 1e4, self.score_mask_value) + last.sum()
