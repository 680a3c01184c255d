"""gn_det: fine-tune Mask R-CNN with Group Normalization on detectron2."""

from . import data  # registers the shapes datasets
from .config import add_gn_det_config
from .modeling import GNDetRCNN, NormConfigError, NormSpec

__version__ = "0.1.0"
__all__ = ["add_gn_det_config", "data", "GNDetRCNN", "NormConfigError", "NormSpec"]
