"""Benchmark variants (``GN+channels_last+bf16``, parsed by gn_det.modeling.variant) and sizes."""

from ..modeling.variant import Variant
from ..utils.errors import GNDetError


class BenchmarkError(GNDetError, ValueError):
    """Bad benchmark input (variant, size, baseline); the message names the value."""


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
