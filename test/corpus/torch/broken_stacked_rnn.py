# Two stacked recurrent layers: the first is bidirectional, so it gives 2 x 64 = 128 features per step,
# but the second was written for 64.
import torch
import torch.nn as nn


class StackedRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 32)
        self.rnn1 = nn.GRU(32, 64, batch_first=True, bidirectional=True)
        self.rnn2 = nn.LSTM(64, 64, batch_first=True)
        self.out = nn.Linear(64, 3)

    def forward(self, tokens):
        x = self.embed(tokens)
        x, _ = self.rnn1(x)
        x, (h, c) = self.rnn2(x)
        return self.out(h[-1])


model = StackedRNN()
