from .convert_norm import apply_norm_spec, convert_norms, convs_with_norm, norm_parts
from .meta_arch import GNDetRCNN, validate_norm_config
from .norm import NORM_KINDS, NORM_PARTS, NormConfigError, NormSpec

__all__ = [
    "GNDetRCNN",
    "NORM_KINDS",
    "NORM_PARTS",
    "NormConfigError",
    "NormSpec",
    "apply_norm_spec",
    "convert_norms",
    "convs_with_norm",
    "norm_parts",
    "validate_norm_config",
]
