# The last conv of the config table gives 48 channels; the head still expects 64 * 2 * 2 features.
import torch
import torch.nn as nn

# (kernel, filters, stride, padding) tuples, "M" for max-pooling, [block, repeats] lists, bare ints for 1x1 convs.
architecture = [
    (3, 16, 1, 1),
    "M",
    (3, 32, 1, 1),
    "M",
    [(1, 16, 1, 0), (3, 32, 1, 1), 2],
    64,
    "M",
    (3, 48, 1, 1),
]


class CNNBlock(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class TinyYolo(nn.Module):
    def __init__(self, in_channels=3, split_size=2, num_boxes=1, num_classes=3):
        super().__init__()
        self.in_channels = in_channels
        self.darknet = self._create_conv_layers(architecture)
        self.fcs = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * split_size * split_size, 32),
            nn.LeakyReLU(0.1),
            nn.Linear(32, split_size * split_size * (num_classes + num_boxes * 5)),
        )

    def forward(self, x):
        x = self.darknet(x)
        return self.fcs(torch.flatten(x, start_dim=1))

    def _create_conv_layers(self, architecture):
        layers = []
        in_channels = self.in_channels
        for x in architecture:
            if type(x) == tuple:
                layers += [CNNBlock(in_channels, x[1], kernel_size=x[0], stride=x[2], padding=x[3])]
                in_channels = x[1]
            elif type(x) is str:
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            elif type(x) == list:
                conv1, conv2, num_repeats = x[0], x[1], x[2]
                for _ in range(num_repeats):
                    layers += [CNNBlock(in_channels, conv1[1], kernel_size=conv1[0], stride=conv1[2], padding=conv1[3])]
                    layers += [CNNBlock(conv1[1], conv2[1], kernel_size=conv2[0], stride=conv2[2], padding=conv2[3])]
                    in_channels = conv2[1]
            elif isinstance(x, int):
                layers += [CNNBlock(in_channels, x, kernel_size=1)]
                in_channels = x
        layers += [nn.AdaptiveAvgPool2d(2)]
        return nn.Sequential(*layers)


class VGGish(nn.Module):
    cfg = [8, "M", 16, 16, "M", (32, 3), (32, 1)]

    def __init__(self, num_classes=5):
        super().__init__()
        layers = []
        c = 1
        for v in self.cfg:
            if type(v) == str and v == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            out, k = (v, 3) if type(v) == int else v
            layers += [nn.Conv2d(c, out, k, padding=k // 2), nn.ReLU(inplace=True)]
            c = out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c * 7 * 7, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
