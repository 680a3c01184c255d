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
    autocast. In a LazyConfig it is the ``_target_`` of the model node, whose ``norm`` and
    ``speed`` fields hold the same settings (gn_det/modeling/lazy.py)."""

    @configurable
    def __init__(self, *, norm=None, speed=None, naive_sync_bn=False, **kwargs):
        """
        Args:
            norm: a NormSpec, or a LazyConfig's ``model.norm`` fields; None (or type "") keeps
                the norms the parts were built with.
            speed: SpeedOptions, or a LazyConfig's ``model.speed`` fields; None: the defaults.
            naive_sync_bn: SyncBN layers become NaiveSyncBatchNorm (CPU processes, gloo).
            kwargs: GeneralizedRCNN's arguments, with the parts built by the stock builders.
        """
        if norm is not None and not isinstance(norm, NormSpec):
            norm = NormSpec.from_fields(norm)
        if not isinstance(speed, SpeedOptions):
            speed = SpeedOptions.from_fields(speed or {})
        backbone, roi_heads = kwargs["backbone"], kwargs["roi_heads"]
        if norm is not None:
            apply_norm_spec(norm, backbone, roi_heads)
        if naive_sync_bn:
            n = cpu_sync_batchnorm(backbone) + cpu_sync_batchnorm(roi_heads)
            if n:
                logger.info(f"{n} SyncBN layers all-reduce with NaiveSyncBatchNorm over gloo")
        apply_speed_options(speed, backbone, roi_heads, kwargs["proposal_generator"])
        super().__init__(**kwargs)
        self.amp_dtype = speed.torch_amp_dtype

    @classmethod
    def from_config(cls, cfg):
        spec = NormSpec.from_config(cfg)
        parts = spec.parts if spec is not None else ()
        args = super().from_config(config_without_part_norms(cfg, parts))
        args["norm"] = spec
        args["speed"] = SpeedOptions.from_config(cfg)
        args["naive_sync_bn"] = cfg.MODEL.DEVICE == "cpu" and comm.get_world_size() > 1
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
