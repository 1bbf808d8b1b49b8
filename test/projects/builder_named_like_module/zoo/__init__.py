# As torchvision.models does: each submodule's builder is re-exported under the submodule's own name.
from .smallnet import *
from .widenet import widenet
