"""Benchmark variants: a norm kind plus speed options, written ``GN+channels_last+bf16``."""

from dataclasses import dataclass

from ..modeling.norm import NORM_KINDS
from ..utils.errors import GNDetError

# Short option names and the KEY VALUE overrides they stand for.
OPTIONS = {
    "channels_last": ("MODEL.SPEED.CHANNELS_LAST", True),
    "bf16": ("MODEL.SPEED.AMP_DTYPE", "bfloat16"),
    "fp16": ("MODEL.SPEED.AMP_DTYPE", "float16"),
    "fp32": ("MODEL.SPEED.AMP_DTYPE", ""),
    "compile": ("MODEL.SPEED.COMPILE", True),
    "fold": ("MODEL.SPEED.FOLD_BN", True),
    "nofold": ("MODEL.SPEED.FOLD_BN", False),
    "eager": ("MODEL.SPEED.COMPILE", False),
}


class BenchmarkError(GNDetError, ValueError):
    """Bad benchmark input (variant, size, baseline); the message names the value."""


@dataclass(frozen=True)
class Variant:
    """One benchmarked model: a MODEL.NORM.TYPE and the speed options on top."""

    label: str
    norm: str
    options: tuple

    @classmethod
    def parse(cls, text):
        """``KIND[+OPTION...]``, e.g. ``GN+channels_last``; unknown kinds/options are errors."""
        norm, *options = text.split("+")
        if norm not in NORM_KINDS:
            raise BenchmarkError(
                f"--norms {text!r}: unknown norm kind {norm!r}; valid kinds: "
                f"{', '.join(NORM_KINDS)}"
            )
        unknown = [o for o in options if o not in OPTIONS]
        if unknown:
            raise BenchmarkError(
                f"--norms {text!r}: unknown option(s) {', '.join(unknown)}; valid options: "
                f"{', '.join(OPTIONS)}"
            )
        return cls(text, norm, tuple(options))

    def opts(self):
        """KEY VALUE overrides that build this variant."""
        out = ["MODEL.NORM.TYPE", self.norm]
        for option in self.options:
            key, value = OPTIONS[option]
            out += [key, str(value)]
        return out


def parse_variants(texts, baseline=None):
    """Variants of ``texts`` (labels unique) and the baseline label (default: the first)."""
    variants = [Variant.parse(t) for t in texts]
    labels = [v.label for v in variants]
    if len(set(labels)) != len(labels):
        raise BenchmarkError(f"--norms lists a variant twice: {labels}")
    baseline = baseline or labels[0]
    if baseline not in labels:
        raise BenchmarkError(f"--baseline {baseline!r} is not one of --norms {labels}")
    return variants, baseline


def parse_size(text):
    """``HxW`` (e.g. 320x320) as (height, width)."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise BenchmarkError(f"--synthetic {text!r}: expected HxW, e.g. 320x320") from None
    if h < 32 or w < 32:
        raise BenchmarkError(f"--synthetic {text!r}: both sides must be at least 32 pixels")
    return h, w
