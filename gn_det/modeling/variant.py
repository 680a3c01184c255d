"""Variant strings: a norm kind and options, ``GN+WS`` or ``GN+channels_last+bf16``.

One language for ``tools/sweep.py`` and ``tools/benchmark.py`` (``--norms``): ``KIND`` is a
``MODEL.NORM.TYPE`` kind, each ``+OPTION`` stands for KEY VALUE overrides.
"""

from dataclasses import dataclass

from .norm import NORM_KINDS, NormConfigError, is_group_norm, takes_group_setting

# Option names and the KEY VALUE overrides they stand for.
OPTIONS = {
    "WS": ("MODEL.NORM.WS", True),  # Weight Standardization (GN, LN and IN)
    "channels_last": ("MODEL.SPEED.CHANNELS_LAST", True),
    "bf16": ("MODEL.SPEED.AMP_DTYPE", "bfloat16"),
    "fp16": ("MODEL.SPEED.AMP_DTYPE", "float16"),
    "fp32": ("MODEL.SPEED.AMP_DTYPE", ""),
    "compile": ("MODEL.SPEED.COMPILE", True),
    "fold": ("MODEL.SPEED.FOLD_BN", True),
    "nofold": ("MODEL.SPEED.FOLD_BN", False),
    "eager": ("MODEL.SPEED.COMPILE", False),
}


class VariantError(NormConfigError):
    """A variant string that is not ``KIND[+OPTION...]``; the message names it."""


@dataclass(frozen=True)
class Variant:
    """A norm kind and the options on top; ``label`` is the string it was parsed from."""

    label: str
    kind: str
    options: tuple = ()

    @classmethod
    def parse(cls, text, flag="--norms"):
        """``KIND[+OPTION...]``; an unknown kind or option is a VariantError naming ``flag``."""
        kind, *options = text.split("+")
        if kind not in NORM_KINDS:
            raise VariantError(
                f"{flag} {text!r}: unknown norm kind {kind!r}; valid kinds: "
                f"{', '.join(NORM_KINDS)}, each optionally with +OPTION (e.g. GN+WS)"
            )
        unknown = [o for o in options if o not in OPTIONS]
        if unknown:
            raise VariantError(
                f"{flag} {text!r}: unknown option(s) {', '.join(unknown)}; valid options: "
                f"{', '.join(OPTIONS)}"
            )
        if "WS" in options and not is_group_norm(kind):
            raise VariantError(f"{flag} {text!r}: +WS needs GN, LN or IN, not {kind}")
        return cls(text, kind, tuple(options))

    @property
    def is_group_norm(self):
        return is_group_norm(self.kind)

    @property
    def takes_group_setting(self):
        """Whether group counts / sizes (sweep --groups, --channels-per-group) apply."""
        return takes_group_setting(self.kind)

    def opts(self):
        """KEY VALUE overrides that build this variant."""
        out = ["MODEL.NORM.TYPE", self.kind]
        for option in self.options:
            key, value = OPTIONS[option]
            out += [key, str(value)]
        return out
