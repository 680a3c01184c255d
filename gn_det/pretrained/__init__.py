"""Pretrained ResNets from Detectron, torchvision and timm, converted to detectron2 weights."""

from .convert import FORMATS, convert_resnet, guess_format
from .resnet_layout import STAGE_BLOCKS, ConvertError
from .source_file import read_weights

__all__ = ["FORMATS", "STAGE_BLOCKS", "ConvertError", "convert_resnet", "guess_format",
           "read_weights"]  # fmt: skip
