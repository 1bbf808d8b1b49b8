# Correct models whose layers forward reaches without a plain `self.name(x)` on the path this instance takes:
# a branch its arguments skip, getattr with a computed name, self._modules[...], a stored method, a loop over
# self.children(), a list of layers kept in __init__. None of these layers is unused.
import torch
import torch.nn as nn


class Branchy(nn.Module):
    def __init__(self, predict=False):
        super().__init__()
        self.predict = predict
        self.features = nn.Conv2d(3, 16, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.features(x)).flatten(1)
        if self.predict:
            x = self.head(x)
        return x


class AuxOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Conv2d(3, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.aux = nn.Linear(8, 4)

    def forward(self, x, with_aux=False):
        feat = self.pool(self.body(x)).flatten(1)
        if with_aux:
            return feat, self.aux(feat)
        return feat


class ByName(nn.Module):
    def __init__(self):
        super().__init__()
        self.stage_a = nn.Conv2d(3, 8, 3, padding=1)
        self.stage_b = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        for suffix in ("a", "b"):
            x = getattr(self, "stage_" + suffix)(x)
        return x


class ByModulesDict(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.proj = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        return self._modules["proj"](self.stem(x))


class StoredMethod(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.fc = nn.Linear(8, 2)
        self.classify = self._classify

    def _classify(self, x):
        return self.fc(x.mean(dim=(2, 3)))

    def forward(self, x):
        return self.classify(self.conv(x))


class ChildrenLoop(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.c2 = nn.ReLU()
        self.c3 = nn.Conv2d(8, 8, 3, padding=1)

    def forward(self, x):
        for layer in self.children():
            x = layer(x)
        return x


class ListInInit(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_a = nn.Conv2d(3, 8, 3, padding=1)
        self.conv_b = nn.Conv2d(8, 8, 3, padding=1)
        self.order = [self.conv_a, self.conv_b]

    def forward(self, x):
        for layer in self.order:
            x = layer(x)
        return x


branchy = Branchy()
branchy(torch.randn(1, 3, 16, 16))
aux = AuxOutput()
aux(torch.randn(1, 3, 16, 16))
by_name = ByName()
by_name(torch.randn(1, 3, 16, 16))
by_dict = ByModulesDict()
by_dict(torch.randn(1, 3, 16, 16))
stored = StoredMethod()
stored(torch.randn(1, 3, 16, 16))
loop = ChildrenLoop()
loop(torch.randn(1, 3, 16, 16))
listed = ListInInit()
listed(torch.randn(1, 3, 16, 16))
