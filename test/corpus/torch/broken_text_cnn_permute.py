import torch
import torch.nn as nn


class TextClassifier(nn.Module):
    """Forgot to move the embedding dimension to the channel axis before Conv1d."""

    def __init__(self, vocab_size=1000, embed_dim=64, num_classes=4):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.conv = nn.Conv1d(embed_dim, 32, kernel_size=3)
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, tokens):
        x = self.embedding(tokens)
        x = torch.relu(self.conv(x))
        x = self.pool(x).squeeze(-1)
        return self.fc(x)
