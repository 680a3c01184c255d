"""gn_det: fine-tune Mask R-CNN with Group Normalization on detectron2."""

from .utils.warning_filters import known_warnings_ignored

with known_warnings_ignored():  # detectron2's import-time deprecation noise
    from . import data  # registers the shapes datasets
    from .config import add_gn_det_config
    from .modeling import GNDetRCNN, NormConfigError, NormSpec

__version__ = "0.1.0"
__all__ = ["add_gn_det_config", "data", "GNDetRCNN", "NormConfigError", "NormSpec"]
