"""Kim (2014) CNN for sentence classification: Embedding -> permute -> Conv1d per kernel size."""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB_SIZE = 5000
EMBED_DIM = 128
MAX_LEN = 50


class TextCNN(nn.Module):
    def __init__(self, vocab_size=VOCAB_SIZE, embed_dim=EMBED_DIM, num_filters=100,
                 kernel_sizes=(3, 4, 5), num_classes=2, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.convs = nn.ModuleList([
            nn.Conv1d(in_channels=embed_dim, out_channels=num_filters, kernel_size=k)
            for k in kernel_sizes
        ])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(num_filters * len(kernel_sizes), num_classes)

    def forward(self, input_ids):
        x = self.embedding(input_ids)          # (B, L, E)
        x = x.permute(0, 2, 1)                 # (B, E, L)
        pooled = []
        for conv in self.convs:
            h = F.relu(conv(x))                # (B, F, L - k + 1)
            h = F.max_pool1d(h, h.size(2)).squeeze(2)
            pooled.append(h)
        x = torch.cat(pooled, dim=1)
        x = self.dropout(x)
        return self.fc(x)
