#!/usr/bin/env python3
"""Train a small CNN on CIFAR-10.

Usage: python training_script.py --epochs 10 --lr 0.01
"""
from __future__ import annotations

import argparse
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Iterable, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


@dataclass
class Config:
    epochs: int = 10
    lr: float = 0.01
    batch_size: int = 64
    widths: Tuple[int, ...] = field(default_factory=lambda: (32, 64, 128))
    num_classes: int = 10


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        logger.info("%s took %.2fs", fn.__name__, time.perf_counter() - start)
        return result
    return wrapper


class ResidualUnit(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1: nn.Conv2d = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2: nn.Conv2d = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class Classifier(nn.Module):
    def __init__(self, widths: Iterable[int] = (32, 64, 128), num_classes: int = 10) -> None:
        super().__init__()
        stages: list[nn.Module] = []
        in_ch = 3
        for w in widths:
            stages += [
                nn.Conv2d(in_ch, w, kernel_size=3, padding=1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(inplace=True),
                ResidualUnit(w),
                nn.MaxPool2d(2),
            ]
            in_ch = w
        self.body = nn.Sequential(*stages)
        self.head = nn.Linear(in_ch, num_classes)

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


@timed
def train_one_epoch(model: nn.Module, loader: DataLoader, optimizer: torch.optim.Optimizer) -> float:
    model.train()
    total = 0.0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * images.size(0)
    return total / len(loader.dataset)


@torch.no_grad()
def evaluate(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = 0
    for images, labels in loader:
        correct += (model(images).argmax(1) == labels).sum().item()
    return correct / len(loader.dataset)


def parse_args() -> Config:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    return Config(epochs=args.epochs, lr=args.lr, batch_size=args.batch_size)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = parse_args()
    data = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, cfg.num_classes, (512,)))
    loader = DataLoader(data, batch_size=cfg.batch_size, shuffle=True)
    model = Classifier(cfg.widths, cfg.num_classes)
    logger.info("model has %d parameters", model.num_parameters)
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
    for epoch in range(cfg.epochs):
        loss = train_one_epoch(model, loader, optimizer)
        acc = evaluate(model, loader)
        logger.info("epoch %d loss %.4f acc %.3f", epoch, loss, acc)
    torch.save(model.state_dict(), "classifier.pt")


if __name__ == "__main__":
    main()
