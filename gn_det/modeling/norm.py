"""Norm kinds selected by ``MODEL.NORM.TYPE`` (YAML) or ``model.norm.type`` (LazyConfig) and
the layers they build.

LN and IN are GroupNorm with one group and with one group per channel (Wu & He,
2018); FrozenBN, BN and SyncBN are detectron2's own, built by ``get_norm``.
"""

from dataclasses import dataclass, field

from detectron2.layers import get_norm
from torch import nn

from ..utils.errors import GNDetError

# Kinds that MODEL.NORM.TYPE accepts ("" leaves detectron2's per-part keys in charge).
NORM_KINDS = ("FrozenBN", "BN", "SyncBN", "GN", "LN", "IN", "none")
# Parts of Mask R-CNN that MODEL.NORM.PARTS can name.
NORM_PARTS = ("backbone", "fpn", "box_head", "mask_head")
GROUP_NORM_KINDS = ("GN", "LN", "IN")
# Where a YAML config and a LazyConfig keep these settings (the fields of NormSpec).
YAML_NODE = "MODEL.NORM"
LAZY_NODE = "model.norm"
# A LazyConfig's model.norm fields (lower-case MODEL.NORM.* keys) and the NormSpec field of each.
LAZY_FIELDS = {"type": "kind", "parts": "parts", "num_groups": "num_groups",
               "channels_per_group": "channels_per_group", "eps": "eps", "ws": "ws"}  # fmt: skip


class NormConfigError(GNDetError, ValueError):
    """A MODEL.NORM.* value that cannot build a model; the message names key, value and fix."""


def config_key(keys, name):
    """The key of setting ``name`` (TYPE, NUM_GROUPS...) under ``keys``: ``MODEL.NORM.TYPE`` in
    a YAML config, ``model.norm.type`` in a LazyConfig."""
    return f"{keys}.{name}" if keys.isupper() else f"{keys}.{name.lower()}"


def ws_needs_gn(kind, keys=YAML_NODE):
    """The error for MODEL.NORM.WS with a norm kind that is not GroupNorm."""
    ws, norm_type = config_key(keys, "WS"), config_key(keys, "TYPE")
    off = "WS False" if keys == YAML_NODE else f"{ws}=False"
    return (
        f"{ws}=True with {norm_type}={kind!r}: Weight Standardization applies "
        f"to convs followed by GroupNorm; set {norm_type} to GN, LN or IN, or {off}."
    )


@dataclass(frozen=True)
class NormSpec:
    """What MODEL.NORM.* (or a LazyConfig's model.norm) asks for, validated. ``keys`` names
    where the settings came from, for messages."""

    kind: str
    parts: tuple = NORM_PARTS
    num_groups: int = 32
    channels_per_group: int = 0
    eps: float = 1e-5
    ws: bool = False
    keys: str = field(default=YAML_NODE, compare=False, repr=False)

    def __post_init__(self):
        if self.kind not in NORM_KINDS:
            keep = (
                "detectron2's per-part NORM keys" if self.keys == YAML_NODE else "the model's norms"
            )
            raise NormConfigError(
                f"{self.key('TYPE')}={self.kind!r} is not a norm kind; valid kinds: "
                f"{', '.join(NORM_KINDS)}, or '' to keep {keep}."
            )
        unknown = [p for p in self.parts if p not in NORM_PARTS]
        if unknown:
            raise NormConfigError(
                f"{self.key('PARTS')} has unknown part(s) {unknown}; valid parts: "
                f"{list(NORM_PARTS)}."
            )
        if self.num_groups < 1:
            raise NormConfigError(f"{self.key('NUM_GROUPS')}={self.num_groups} must be >= 1.")
        if self.channels_per_group < 0:
            raise NormConfigError(
                f"{self.key('CHANNELS_PER_GROUP')}={self.channels_per_group} must be >= 0 "
                f"(0 means: use {self.key('NUM_GROUPS')})."
            )
        if self.ws and self.kind not in GROUP_NORM_KINDS:
            raise NormConfigError(ws_needs_gn(self.kind, self.keys))

    def key(self, name):
        """The config key of setting ``name`` (TYPE, PARTS, NUM_GROUPS...), for messages."""
        return config_key(self.keys, name)

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

    @classmethod
    def from_fields(cls, fields, keys=LAZY_NODE):
        """The spec of a LazyConfig's ``model.norm`` (see ``norm_fields``), or None when its
        type is "" (the model keeps the norms its own config sets)."""
        fields = dict(fields)
        unknown = sorted(set(fields) - set(LAZY_FIELDS))
        if unknown:
            raise NormConfigError(
                f"{keys} has no field {', '.join(unknown)}; its fields: {', '.join(LAZY_FIELDS)}."
            )
        values = {LAZY_FIELDS[name]: check_field(keys, name, v) for name, v in fields.items()}
        if values.get("kind", "") == "":
            if values.get("ws"):
                raise NormConfigError(ws_needs_gn("", keys))
            return None
        return cls(**values, keys=keys)

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
            return f"{self.key('CHANNELS_PER_GROUP')}={self.channels_per_group}"
        return f"{self.key('NUM_GROUPS')}={self.num_groups}"

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


def check_field(keys, name, value):
    """``value`` of LazyConfig field ``name`` of ``keys``, with the type its MODEL.NORM key has
    (yacs checks those types for YAML configs); parts become a tuple."""
    if name == "parts":
        if isinstance(value, str) or not all(isinstance(p, str) for p in value):
            raise NormConfigError(
                f"{keys}.parts={value!r} must be a list of parts, e.g. "
                f"{keys}.parts='[fpn,box_head,mask_head]'; valid parts: {list(NORM_PARTS)}."
            )
        return tuple(value)
    expected = {"type": str, "num_groups": int, "channels_per_group": int, "eps": (int, float),
                "ws": bool}[name]  # fmt: skip
    if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
        what = {str: "a string", int: "an integer", bool: "True or False"}.get(expected, "a number")
        raise NormConfigError(f"{keys}.{name}={value!r} must be {what}.")
    return float(value) if name == "eps" else value


def norm_fields(type="GN", parts=NORM_PARTS, num_groups=32, channels_per_group=0, eps=1e-5,
                ws=False):  # fmt: skip
    """The ``model.norm`` node of a LazyConfig: every MODEL.NORM.* setting as a lower-case field
    (so each is one command-line override, e.g. ``model.norm.num_groups=16``)."""
    return dict(type=type, parts=list(parts), num_groups=num_groups,
                channels_per_group=channels_per_group, eps=eps, ws=ws)  # fmt: skip


def norm_metadata(spec):
    """What a checkpoint records of its norm, so that loading can check the model matches."""
    meta = {"kind": spec.kind}
    if spec.kind == "GN":
        if spec.channels_per_group:
            meta["channels_per_group"] = spec.channels_per_group
        else:
            meta["num_groups"] = spec.num_groups
    return meta
