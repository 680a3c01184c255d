"""Norm kinds selected by ``MODEL.NORM.TYPE`` and the layers they build.

LN and IN are GroupNorm with one group and with one group per channel (Wu & He,
2018); FrozenBN, BN and SyncBN are detectron2's own, built by ``get_norm``.
"""

from dataclasses import dataclass

from detectron2.layers import get_norm
from torch import nn

from ..utils.errors import GNDetError

# Kinds that MODEL.NORM.TYPE accepts ("" leaves detectron2's per-part keys in charge).
NORM_KINDS = ("FrozenBN", "BN", "SyncBN", "GN", "LN", "IN", "none")
# Parts of Mask R-CNN that MODEL.NORM.PARTS can name.
NORM_PARTS = ("backbone", "fpn", "box_head", "mask_head")
GROUP_NORM_KINDS = ("GN", "LN", "IN")


class NormConfigError(GNDetError, ValueError):
    """A MODEL.NORM.* value that cannot build a model; the message names key, value and fix."""


def ws_needs_gn(kind):
    """The error for MODEL.NORM.WS with a norm kind that is not GroupNorm."""
    return (
        f"MODEL.NORM.WS=True with MODEL.NORM.TYPE={kind!r}: Weight Standardization applies "
        "to convs followed by GroupNorm; set MODEL.NORM.TYPE to GN, LN or IN, or WS False."
    )


@dataclass(frozen=True)
class NormSpec:
    """What MODEL.NORM.* asks for, validated."""

    kind: str
    parts: tuple = NORM_PARTS
    num_groups: int = 32
    channels_per_group: int = 0
    eps: float = 1e-5
    ws: bool = False

    def __post_init__(self):
        if self.kind not in NORM_KINDS:
            raise NormConfigError(
                f"MODEL.NORM.TYPE={self.kind!r} is not a norm kind; valid kinds: "
                f"{', '.join(NORM_KINDS)}, or '' to keep detectron2's per-part NORM keys."
            )
        unknown = [p for p in self.parts if p not in NORM_PARTS]
        if unknown:
            raise NormConfigError(
                f"MODEL.NORM.PARTS has unknown part(s) {unknown}; valid parts: {list(NORM_PARTS)}."
            )
        if self.num_groups < 1:
            raise NormConfigError(f"MODEL.NORM.NUM_GROUPS={self.num_groups} must be >= 1.")
        if self.channels_per_group < 0:
            raise NormConfigError(
                f"MODEL.NORM.CHANNELS_PER_GROUP={self.channels_per_group} must be >= 0 "
                "(0 means: use MODEL.NORM.NUM_GROUPS)."
            )
        if self.ws and self.kind not in GROUP_NORM_KINDS:
            raise NormConfigError(ws_needs_gn(self.kind))

    @classmethod
    def from_config(cls, cfg):
        """The spec of ``cfg.MODEL.NORM``, or None when TYPE is "" (detectron2's keys rule)."""
        node = cfg.MODEL.NORM
        if node.TYPE == "":
            if node.WS:
                raise NormConfigError(ws_needs_gn(""))
            return None
        return cls(
            kind=node.TYPE,
            parts=tuple(node.PARTS),
            num_groups=node.NUM_GROUPS,
            channels_per_group=node.CHANNELS_PER_GROUP,
            eps=node.EPS,
            ws=node.WS,
        )

    def group_count(self, channels):
        """Groups for a GN-family layer of ``channels`` channels, or None if they do not divide."""
        if self.kind == "LN":
            return 1
        if self.kind == "IN":
            return channels
        if self.channels_per_group:
            ok = channels % self.channels_per_group == 0
            return channels // self.channels_per_group if ok else None
        return self.num_groups if channels % self.num_groups == 0 else None

    def group_setting(self):
        """The key and value that set the group count, for error messages."""
        if self.channels_per_group:
            return f"MODEL.NORM.CHANNELS_PER_GROUP={self.channels_per_group}"
        return f"MODEL.NORM.NUM_GROUPS={self.num_groups}"

    def build(self, channels):
        """A new norm layer for ``channels`` channels (None for "none"); groups must divide."""
        if self.kind == "none":
            return None
        if self.kind in GROUP_NORM_KINDS:
            groups = self.group_count(channels)
            if groups is None:
                raise NormConfigError(f"{self.group_setting()} does not divide {channels} channels")
            return nn.GroupNorm(groups, channels, eps=self.eps)
        return get_norm(self.kind, channels)


def norm_metadata(spec):
    """What a checkpoint records of its norm, so that loading can check the model matches."""
    meta = {"kind": spec.kind}
    if spec.kind == "GN":
        if spec.channels_per_group:
            meta["channels_per_group"] = spec.channels_per_group
        else:
            meta["num_groups"] = spec.num_groups
    return meta
