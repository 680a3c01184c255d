"""Norm kinds: what ``MODEL.NORM.TYPE`` (YAML) or ``model.norm.type`` (LazyConfig) accepts,
the layers they build, their group rules, and what a checkpoint records of them. The one
place that knows norm kinds.

LN and IN are GroupNorm with one group and with one group per channel (Wu & He,
2018); FrozenBN, BN and SyncBN are detectron2's own, built by ``get_norm``.
"""

from dataclasses import dataclass, field

from detectron2.layers import FrozenBatchNorm2d, get_norm
from torch import nn

from ..utils.errors import GNDetError

# Kinds that MODEL.NORM.TYPE accepts ("" leaves detectron2's per-part keys in charge).
NORM_KINDS = ("FrozenBN", "BN", "SyncBN", "GN", "LN", "IN", "none")
# Parts of Mask R-CNN that MODEL.NORM.PARTS can name.
NORM_PARTS = ("backbone", "fpn", "box_head", "mask_head")
# GroupNorm with a group count of its own (GN: NUM_GROUPS or CHANNELS_PER_GROUP), one group
# (LN) or one group per channel (IN).
GROUP_NORM_KINDS = ("GN", "LN", "IN")
BATCH_NORM_KINDS = ("FrozenBN", "BN", "SyncBN")
# Kinds a single process can train from scratch: FrozenBN has nothing to learn, SyncBN needs
# several processes to synchronize.
FROM_SCRATCH_KINDS = ("BN", "GN", "LN", "IN", "none")
# The state-dict entries that only BatchNorm layers have.
BN_STATISTICS = ("running_mean", "running_var")
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
        if self.ws and not is_group_norm(self.kind):
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
        if is_group_norm(self.kind):
            groups = self.group_count(channels)
            if groups is None:
                raise NormConfigError(f"{self.group_setting()} does not divide {channels} channels")
            return nn.GroupNorm(groups, channels, eps=self.eps)
        return get_norm(self.kind, channels)


def is_group_norm(kind):
    """Whether norm ``kind`` is GroupNorm (GN, LN or IN)."""
    return kind in GROUP_NORM_KINDS


def takes_group_setting(kind):
    """Whether MODEL.NORM.NUM_GROUPS / CHANNELS_PER_GROUP change ``kind`` (LN and IN fix it)."""
    return kind == "GN"


def layer_family(module):
    """The family of a built layer: "GN" (GroupNorm), "BN" (BN, SyncBN, FrozenBN) or None."""
    if isinstance(module, nn.GroupNorm):
        return "GN"
    if isinstance(module, (nn.modules.batchnorm._BatchNorm, FrozenBatchNorm2d)):
        return "BN"
    return None


def weights_family(names):
    """The family of norm layers from their state-dict ``names``: "BN" with statistics, "GN"
    with scale and shift only, None without names."""
    names = list(names)
    if not names:
        return None
    return "BN" if any(n.endswith(BN_STATISTICS) for n in names) else "GN"


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
    """What a checkpoint records of its norm (``{"kind", "num_groups" | "channels_per_group"}``,
    and ``"ws": True`` with Weight Standardization), so that loading can check that the model
    matches; read back by ``metadata_groups``."""
    meta = {"kind": spec.kind}
    if takes_group_setting(spec.kind):
        if spec.channels_per_group:
            meta["channels_per_group"] = spec.channels_per_group
        else:
            meta["num_groups"] = spec.num_groups
    if spec.ws:
        meta["ws"] = True
    return meta


def metadata_family(meta):
    """The family ("GN", "BN" or None) of a checkpoint's recorded norm (``norm_metadata``)."""
    kind = (meta or {}).get("kind")
    if is_group_norm(kind):
        return "GN"
    return "BN" if kind in BATCH_NORM_KINDS else None


def metadata_groups(meta):
    """(group count, the setting that gives it) of a checkpoint's recorded norm, or (None, "")
    when the count is not fixed by the metadata (IN, a group size, other kinds)."""
    meta = meta or {}
    if meta.get("kind") == "LN":
        return 1, "MODEL.NORM.TYPE LN"
    if takes_group_setting(meta.get("kind")) and meta.get("num_groups"):
        n = meta["num_groups"]
        return n, f"MODEL.NORM.TYPE GN, MODEL.NORM.NUM_GROUPS {n} and CHANNELS_PER_GROUP 0"
    return None, ""
