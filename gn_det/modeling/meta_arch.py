"""``GNDetRCNN``: detectron2's GeneralizedRCNN with its norms set by ``MODEL.NORM.*``."""

from detectron2.modeling import META_ARCH_REGISTRY, GeneralizedRCNN

from .convert_norm import apply_norm_spec
from .norm import NormConfigError, NormSpec

# detectron2's own norm key of each part, overridden while the stock builders run.
_STOCK_NORM_KEYS = {
    "backbone": ("RESNETS", "NORM"),
    "fpn": ("FPN", "NORM"),
    "box_head": ("ROI_BOX_HEAD", "NORM"),
    "mask_head": ("ROI_MASK_HEAD", "NORM"),
}


def config_without_part_norms(cfg, parts):
    """A copy of ``cfg`` whose parts in ``parts`` build with no norm (they are set afterwards)."""
    cfg = cfg.clone()
    cfg.defrost()
    for part in parts:
        node, key = _STOCK_NORM_KEYS[part]
        cfg.MODEL[node][key] = ""
    return cfg


@META_ARCH_REGISTRY.register()
class GNDetRCNN(GeneralizedRCNN):
    """GeneralizedRCNN built by detectron2's stock builders, then given the norm of
    ``MODEL.NORM.TYPE`` in the parts of ``MODEL.NORM.PARTS``. With TYPE "" it is
    exactly GeneralizedRCNN. Checkpoint keys are those of the stock model."""

    @classmethod
    def from_config(cls, cfg):
        spec = NormSpec.from_config(cfg)
        if spec is None:
            return super().from_config(cfg)
        args = super().from_config(config_without_part_norms(cfg, spec.parts))
        apply_norm_spec(spec, args["backbone"], args["roi_heads"], cfg.MODEL.BACKBONE.FREEZE_AT)
        return args


def validate_norm_config(cfg):
    """Fail fast on MODEL.NORM.* values that cannot build (before any data is loaded)."""
    spec = NormSpec.from_config(cfg)
    if spec is None:
        return
    arch = META_ARCH_REGISTRY.get(cfg.MODEL.META_ARCHITECTURE)
    if not (isinstance(arch, type) and issubclass(arch, GNDetRCNN)):
        raise NormConfigError(
            f"MODEL.NORM.TYPE={spec.kind!r} needs MODEL.META_ARCHITECTURE 'GNDetRCNN' "
            f"(got {cfg.MODEL.META_ARCHITECTURE!r}): gn_det applies the norm while building "
            "the model. Use a config based on gn_det's configs/Base-RCNN-FPN.yaml."
        )
