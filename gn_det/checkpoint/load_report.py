"""What loading ``MODEL.WEIGHTS`` did, per model part: matched, missing, unexpected, shape.

detectron2 logs unloaded keys as warnings among hundreds of lines; a backbone left at its
random init then goes unnoticed. This table is printed on every load, and missing backbone
weights stop the run unless MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS is set.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from tabulate import tabulate

from ..utils.errors import GNDetError

# (part, key pattern) in match order; pretrained backbones have bare "stem."/"resN." keys.
PART_PATTERNS = (
    ("backbone", r"^(backbone\.bottom_up\.|stem\.|res\d\.)"),
    ("fpn", r"^backbone\.(fpn_|top_block)"),
    ("backbone", r"^backbone\."),
    ("rpn", r"^proposal_generator\."),
    ("box_head", r"^roi_heads\.box_head\."),
    ("box_predictor", r"^roi_heads\.box_predictor\."),
    ("mask_head", r"^roi_heads\.mask_head\."),
)
PARTS = ("backbone", "fpn", "rpn", "box_head", "box_predictor", "mask_head", "other")


class WeightsMismatchError(GNDetError, ValueError):
    """MODEL.WEIGHTS does not fit the model; the message says what to set."""


class MissingWeightsError(WeightsMismatchError):
    """Backbone weights absent from MODEL.WEIGHTS (they would silently stay random)."""


def part_of(key):
    """The model part a state-dict key belongs to (see PART_PATTERNS)."""
    return next((part for part, pat in PART_PATTERNS if re.search(pat, key)), "other")


@dataclass
class LoadReport:
    """Keys of one load, sorted into matched / missing / unexpected / shape mismatches."""

    matched: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)
    shape_mismatch: list = field(default_factory=list)  # (model key, ckpt shape, model shape)

    @classmethod
    def of(cls, model_state, incompatible, ckpt_shapes, name_matching=False):
        """The report of loading into a model with ``model_state``: fvcore's ``incompatible``
        keys, the shapes of the checkpoint's tensors by name, and whether detectron2's
        suffix name matching (``matching_heuristics``) was used."""
        missing = set(incompatible.missing_keys)
        unexpected = list(incompatible.unexpected_keys)
        shapes = [(k, tuple(a), tuple(b)) for k, a, b in incompatible.incorrect_shapes]
        # detectron2's name matching skips a key of the wrong shape: the model key is then
        # missing and the checkpoint key unexpected. Pair them back up as it matches: the
        # longest checkpoint key that is a dotted suffix of the model key.
        for key in sorted(missing) if name_matching else ():
            suffixes = [u for u in ckpt_shapes if key == u or key.endswith("." + u)]
            twin = max(suffixes, key=len, default=None)
            if twin not in unexpected or ckpt_shapes[twin] == tuple(model_state[key].shape):
                continue
            shapes.append((key, ckpt_shapes[twin], tuple(model_state[key].shape)))
            missing.discard(key)
            unexpected.remove(twin)
        mismatched = {k for k, _, _ in shapes}
        matched = [k for k in model_state if k not in missing and k not in mismatched]
        return cls(matched, sorted(missing), sorted(unexpected), shapes)

    def counts(self):
        """{part: Counter(matched=, missing=, unexpected=, shape=)}, parts in PARTS order."""
        rows = {}
        for kind, keys in (
            ("matched", self.matched),
            ("missing", self.missing),
            ("unexpected", self.unexpected),
            ("shape", [k for k, _, _ in self.shape_mismatch]),
        ):
            for key in keys:
                rows.setdefault(part_of(key), Counter())[kind] += 1
        return {p: rows[p] for p in PARTS if p in rows}

    def table(self):
        """A text table of counts per part, with example keys for each problem."""
        rows = [
            [p, c["matched"], c["missing"], c["unexpected"], c["shape"]]
            for p, c in self.counts().items()
        ]
        text = tabulate(
            rows, headers=["part", "matched", "missing", "unexpected", "shape mismatch"],
            tablefmt="pipe",
        )  # fmt: skip
        for title, keys in (("missing", self.missing), ("unexpected", self.unexpected)):
            if keys:
                text += f"\n{title} (first 5): {', '.join(keys[:5])}"
        for key, ckpt, model in self.shape_mismatch[:5]:
            text += f"\nshape mismatch: {key} checkpoint {ckpt} vs model {model}"
        return text

    def missing_in(self, part):
        """Model keys of ``part`` that the checkpoint did not provide (wrong shapes included)."""
        keys = self.missing + [k for k, _, _ in self.shape_mismatch]
        return [k for k in keys if part_of(k) == part]


def missing_backbone_error(path, report):
    """The MissingWeightsError for a load that left backbone weights at random init."""
    keys = report.missing_in("backbone")
    hint = ""
    if any(re.match(r"^(layer\d|conv1\.|bn1\.)", k) for k in report.unexpected):
        hint = (
            " The checkpoint has torchvision/timm names (layer1.0.conv1...): convert it with "
            "tools/convert_pretrained.py --format torchvision (or timm)."
        )
    return MissingWeightsError(
        f"MODEL.WEIGHTS {path}: {len(keys)} backbone weights are missing or of the wrong shape "
        f"(first: {', '.join(keys[:3])}), so they would stay randomly initialized. Check "
        "MODEL.RESNETS.DEPTH and RES2_OUT_CHANNELS against the checkpoint, or set "
        f"MODEL.BACKBONE.ALLOW_MISSING_WEIGHTS True to load anyway.{hint}"
    )
