# torchvision-style code whose ConvNormActivation builds its norm layer (a functools.partial of BatchNorm2d) for the
# conv's input channels instead of its output channels.
import functools
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, cast

import torch
import torch.nn as nn
from torch import Tensor
from torchvision.utils import _log_api_usage_once

BUILTIN_MODELS: Dict[str, Callable[..., nn.Module]] = {}


def register_model(name: Optional[str] = None) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    def wrapper(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        key = name if name is not None else fn.__name__
        if key in BUILTIN_MODELS:
            raise ValueError(f"An entry is already registered under the name '{key}'.")
        BUILTIN_MODELS[key] = fn
        return fn

    return wrapper


def handle_legacy_interface(**weights: Any):
    """Maps the old `pretrained=True` keyword to the weights parameter."""

    def outer_wrapper(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        @functools.wraps(builder)
        def inner_wrapper(*args: Any, **kwargs: Any) -> nn.Module:
            for weights_param, (pretrained_param, default) in weights.items():
                if pretrained_param in kwargs:
                    pretrained = kwargs.pop(pretrained_param)
                    kwargs[weights_param] = default if pretrained else None
            return builder(*args, **kwargs)

        return inner_wrapper

    return outer_wrapper


def _ovewrite_named_param(kwargs: Dict[str, Any], param: str, new_value: Any) -> None:
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got {kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


@dataclass
class Weights:
    url: str
    meta: Dict[str, Any] = field(default_factory=dict)


class TinyNet_Weights(Enum):
    SYNTHETIC_V1 = Weights(url="https://example.invalid/tinynet-synthetic.pth", meta={"categories": ["cat", "dog", "bird"]})
    DEFAULT = SYNTHETIC_V1


@dataclass
class StageConfig:
    expand_ratio: float
    kernel: int
    stride: int
    input_channels: int
    out_channels: int
    num_layers: int
    block: Optional[Callable[..., nn.Module]] = None

    @property
    def hidden_channels(self) -> int:
        return int(self.input_channels * self.expand_ratio)


class ConvNormActivation(nn.Sequential):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        groups: int = 1,
        norm_layer: Optional[Callable[..., nn.Module]] = nn.BatchNorm2d,
        activation_layer: Optional[Callable[..., nn.Module]] = nn.ReLU,
        inplace: Optional[bool] = True,
    ) -> None:
        padding = (kernel_size - 1) // 2
        layers: List[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=norm_layer is None)
        ]
        if norm_layer is not None:
            layers.append(norm_layer(in_channels))
        if activation_layer is not None:
            params = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**params))
        super().__init__(*layers)
        _log_api_usage_once(self)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    def __init__(
        self,
        input_channels: int,
        squeeze_channels: int,
        activation: Callable[..., nn.Module] = nn.ReLU,
        scale_activation: Callable[..., nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input: Tensor) -> Tensor:
        scale = self.avgpool(input)
        scale = self.activation(self.fc1(scale))
        return self.scale_activation(self.fc2(scale))

    def forward(self, input: Tensor) -> Tensor:
        return self._scale(input) * input


class InvertedBlock(nn.Module):
    def __init__(
        self,
        cnf: StageConfig,
        norm_layer: Callable[..., nn.Module],
        se_layer: Callable[..., nn.Module] = SqueezeExcitation,
    ) -> None:
        super().__init__()
        if not (1 <= cnf.stride <= 2):
            raise ValueError("illegal stride value")
        self.use_res_connect = cnf.stride == 1 and cnf.input_channels == cnf.out_channels
        layers: List[nn.Module] = []
        if cnf.hidden_channels != cnf.input_channels:
            layers.append(ConvNormActivation(cnf.input_channels, cnf.hidden_channels, kernel_size=1, norm_layer=norm_layer))
        layers.append(
            ConvNormActivation(
                cnf.hidden_channels,
                cnf.hidden_channels,
                kernel_size=cnf.kernel,
                stride=cnf.stride,
                groups=cnf.hidden_channels,
                norm_layer=norm_layer,
            )
        )
        layers.append(se_layer(cnf.hidden_channels, max(1, cnf.input_channels // 4)))
        layers.append(ConvNormActivation(cnf.hidden_channels, cnf.out_channels, kernel_size=1, norm_layer=norm_layer, activation_layer=None))
        self.block = nn.Sequential(*layers)
        self.out_channels = cnf.out_channels

    def forward(self, input: Tensor) -> Tensor:
        result = self.block(input)
        if self.use_res_connect:
            result += input
        return result


class Flatten(nn.Module):
    def __init__(self, start_dim: int = 1) -> None:
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x: Tensor) -> Tensor:
        return torch.flatten(x, self.start_dim)


class TinyNetOutputs(NamedTuple):
    logits: Tensor
    aux_logits: Optional[Tensor]


class TinyNet(nn.Module):
    __constants__ = ["aux_logits"]
    default_dropout = 0.2

    def __init__(
        self,
        stage_configs: Sequence[StageConfig],
        num_classes: int = 1000,
        aux_logits: bool = True,
        dropout: Optional[float] = None,
        norm_layer: Optional[Callable[..., nn.Module]] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        _log_api_usage_once(self)
        if not stage_configs:
            raise ValueError("The stage_configs should not be empty")
        elif not (isinstance(stage_configs, Sequence) and all(isinstance(s, StageConfig) for s in stage_configs)):
            raise TypeError("The stage_configs should be List[StageConfig]")
        if norm_layer is None:
            norm_layer = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        self.aux_logits = aux_logits
        dropout = cast(float, dropout if dropout is not None else self.default_dropout)

        layers: List[nn.Module] = []
        firstconv_output_channels = stage_configs[0].input_channels
        layers.append(ConvNormActivation(3, firstconv_output_channels, stride=2, norm_layer=norm_layer, activation_layer=nn.SiLU))
        for cnf in stage_configs:
            for i in range(cnf.num_layers):
                block_cnf = StageConfig(
                    cnf.expand_ratio,
                    cnf.kernel,
                    cnf.stride if i == 0 else 1,
                    cnf.input_channels if i == 0 else cnf.out_channels,
                    cnf.out_channels,
                    1,
                )
                block = cnf.block or InvertedBlock
                layers.append(block(block_cnf, norm_layer))
        self.features = nn.Sequential(*layers)
        lastconv_channels = stage_configs[-1].out_channels
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.aux = nn.Linear(lastconv_channels, num_classes) if aux_logits else None
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(lastconv_channels, num_classes))

    @property
    def num_features(self) -> int:
        return self.classifier[1].in_features

    @torch.jit.unused
    def eager_outputs(self, x: Tensor, aux: Optional[Tensor]):
        if self.aux_logits:
            return TinyNetOutputs(x, aux)
        return x

    def forward(self, x: Tensor):
        stages = torch.jit.annotate(List[Tensor], [])
        for block in self.features:
            x = block(x)
            stages.append(x)
        torch._assert(stages[-1].dim() == 4, f"expected a 4-d feature map, got {stages[-1].dim()} dims")
        pooled = Flatten(1)(self.avgpool(x))
        torch._assert(pooled.shape[1] == self.num_features, "pooled features do not match the classifier")
        aux: Optional[Tensor] = self.aux(pooled) if self.aux is not None else None
        logits = self.classifier(pooled)
        if torch.jit.is_scripting():
            return TinyNetOutputs(logits, aux)
        return self.eager_outputs(logits, aux)


def _tiny_net(
    stage_configs: Sequence[StageConfig],
    weights: Optional[TinyNet_Weights],
    progress: bool,
    **kwargs: Any,
) -> TinyNet:
    if weights is not None:
        _ovewrite_named_param(kwargs, "num_classes", len(weights.value.meta["categories"]))
    model = TinyNet(stage_configs, **kwargs)
    return model


@register_model()
@handle_legacy_interface(weights=("pretrained", TinyNet_Weights.DEFAULT))
def tiny_net_s(*, weights: Optional[TinyNet_Weights] = None, progress: bool = True, **kwargs: Any) -> TinyNet:
    se_layer = partial(SqueezeExcitation, scale_activation=nn.Hardsigmoid)
    stage_configs = [
        StageConfig(1, 3, 1, 16, 16, 1),
        StageConfig(4, 3, 2, 16, 24, 2),
        StageConfig(4, 5, 2, 24, 40, 2, block=partial(InvertedBlock, se_layer=se_layer)),
    ]
    return _tiny_net(stage_configs, weights, progress, **kwargs)
