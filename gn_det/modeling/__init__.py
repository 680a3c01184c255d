from .convert_norm import apply_norm_spec, convert_norms, convs_with_norm, norm_parts
from .lazy import with_norm
from .meta_arch import GNDetRCNN, validate_norm_config
from .norm import NORM_KINDS, NORM_PARTS, NormConfigError, NormSpec, norm_fields
from .weight_standardization import WSConv2d, convert_conv_to_ws, standardize_weight

__all__ = [
    "GNDetRCNN",
    "NORM_KINDS",
    "NORM_PARTS",
    "NormConfigError",
    "NormSpec",
    "WSConv2d",
    "apply_norm_spec",
    "convert_conv_to_ws",
    "convert_norms",
    "convs_with_norm",
    "norm_fields",
    "norm_parts",
    "standardize_weight",
    "validate_norm_config",
    "with_norm",
]
