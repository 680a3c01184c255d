"""``GNDetRCNN``: detectron2's GeneralizedRCNN with its norms set by ``MODEL.NORM.*``."""

import logging

import detectron2.utils.comm as comm
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY, GeneralizedRCNN

from .convert_norm import apply_norm_spec, cpu_sync_batchnorm
from .norm import NormConfigError, NormSpec
from .speed import (
    SpeedConfigError,
    SpeedOptions,
    apply_speed_options,
    autocast,
    outputs_to_float32,
)

logger = logging.getLogger(__name__)

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
    exactly GeneralizedRCNN. Checkpoint keys are those of the stock model. ``MODEL.SPEED.*``
    (gn_det/modeling/speed/) then sets how it computes: BN folding, channels_last, compile,
    autocast."""

    @configurable
    def __init__(self, *, amp_dtype=None, **kwargs):
        super().__init__(**kwargs)
        self.amp_dtype = amp_dtype

    @classmethod
    def from_config(cls, cfg):
        spec = NormSpec.from_config(cfg)
        if spec is None:
            args = super().from_config(cfg)
        else:
            args = super().from_config(config_without_part_norms(cfg, spec.parts))
            freeze_at = cfg.MODEL.BACKBONE.FREEZE_AT
            apply_norm_spec(spec, args["backbone"], args["roi_heads"], freeze_at)
        if cfg.MODEL.DEVICE == "cpu" and comm.get_world_size() > 1:
            n = cpu_sync_batchnorm(args["backbone"]) + cpu_sync_batchnorm(args["roi_heads"])
            if n:
                logger.info(f"{n} SyncBN layers all-reduce with NaiveSyncBatchNorm over gloo")
        speed = SpeedOptions.from_config(cfg)
        apply_speed_options(speed, args["backbone"], args["roi_heads"], args["proposal_generator"])
        args["amp_dtype"] = speed.torch_amp_dtype
        return args

    def forward(self, batched_inputs):
        with autocast(self.device, self.amp_dtype):
            outputs = super().forward(batched_inputs)
        if self.training or self.amp_dtype is None:
            return outputs
        return outputs_to_float32(outputs)


def validate_norm_config(cfg):
    """Fail fast on MODEL.NORM.* (and MODEL.SPEED.*) values that cannot build (before any
    data is loaded)."""
    try:
        SpeedOptions.from_config(cfg)
    except SpeedConfigError as e:
        raise NormConfigError(str(e)) from None
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
