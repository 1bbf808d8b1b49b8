# A GAN training script's generator: sizes come from argparse options (their defaults) and a SimpleNamespace.
import argparse
import types

import torch
import torch.nn as nn

parser = argparse.ArgumentParser(description="train a DCGAN")
parser.add_argument("--n_epochs", type=int, default=200, help="number of epochs of training")
parser.add_argument("--batch_size", type=int, default=4)
parser.add_argument("--latent_dim", type=int, default=100, help="dimensionality of the latent space")
parser.add_argument("--img-size", type=int, default="32", help="size of each image dimension")
parser.add_argument("--channels", type=int, default=1)
parser.add_argument("--ngf", dest="gen_features", type=int, default=16)
parser.add_argument("--cuda", action="store_true")
group = parser.add_argument_group("optimizer")
group.add_argument("--lr", type=float, default=0.0002)
opt = parser.parse_args()
print(opt)

cfg = types.SimpleNamespace(out_channels=opt.channels, final_act="tanh")


class Generator(nn.Module):
    def __init__(self, opt):
        super(Generator, self).__init__()
        self.opt = opt
        self.init_size = self.opt.img_size // 4
        self.l1 = nn.Sequential(nn.Linear(opt.latent_dim, opt.gen_features * 2 * self.init_size ** 2))
        self.conv_blocks = nn.Sequential(
            nn.BatchNorm2d(opt.gen_features * 2),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(opt.gen_features * 2, opt.gen_features * 2, 3, stride=1, padding=1),
            nn.BatchNorm2d(opt.gen_features * 2, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Upsample(scale_factor=2),
            nn.Conv2d(opt.gen_features * 2, opt.gen_features, 3, stride=1, padding=1),
            nn.BatchNorm2d(opt.gen_features, 0.8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(opt.gen_features, cfg.out_channels, 3, stride=1, padding=1),
            nn.Tanh() if cfg.final_act == "tanh" else nn.Sigmoid(),
        )

    def forward(self, z):
        out = self.l1(z)
        out = out.view(out.shape[0], self.opt.gen_features * 2, self.init_size, self.init_size)
        return self.conv_blocks(out)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(
            nn.Conv2d(opt.channels, 16, 3, 2, 1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(16, 32, 3, 2, 1),
            nn.LeakyReLU(0.2, inplace=True),
        )
        ds_size = opt.img_size // 2 ** 2
        self.adv_layer = nn.Sequential(nn.Linear(32 * ds_size ** 2, 1), nn.Sigmoid())

    def forward(self, img):
        out = self.model(img)
        return self.adv_layer(out.view(out.shape[0], -1))


generator = Generator(opt)
discriminator = Discriminator()
z = torch.randn(opt.batch_size, opt.latent_dim)
fake = generator(z)
validity = discriminator(fake)
