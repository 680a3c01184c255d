"""The carry-over claims: variants (a)-(e) and their knobs compared by paired per-seed
differences, and GN from scratch catching up on the longest schedule."""

from .. import paper
from ..stats import mean_ci, paired_diff, welch_diff
from .run_index import schedule_parts
from .verdicts import (
    EQUIVALENCE_MARGIN,
    LOWER_IS_BETTER,
    directional_claim,
    equivalence_claim,
)

# carry-over variants by the letter their config's name starts with (a_gn_pretrained.yaml)
CARRYOVER_ROLES = {
    "a": "GN-pretrained, GN live",
    "b": "GN from scratch",
    "c": "BN-pretrained, FrozenBN",
    "d": "BN-pretrained, BN live",
    "e": "BN-pretrained distilled to GN, GN live",
}


def paired_values(x, y):
    """Pairs (x, y) of two variants' {(pretrain_seed, seed): value}: matched on both seeds if
    both were pretrained, else on the seed, the pretrained side averaged over its
    pretraining seeds."""
    x_pre = any(p is not None for p, _ in x)
    y_pre = any(p is not None for p, _ in y)
    if x_pre == y_pre:
        return [(x[k], y[k]) for k in sorted(x, key=str) if k in y]

    def by_seed(values):
        seeds = {}
        for (_, s), v in values.items():
            seeds.setdefault(s, []).append(v)
        return {s: sum(v) / len(v) for s, v in seeds.items()}

    xs, ys = by_seed(x), by_seed(y)
    return [(xs[s], ys[s]) for s in sorted(xs, key=str) if s in ys]


def carryover_roles(index, metric):
    """{tag: variant label} of the carry-over variants in the runs. A role letter tags the
    shortest label that starts with it (``a``: a_gn_pretrained); a label that extends that one
    is a knob of it, (a) with one setting changed (``a pre_x2``: a_gn_pretrained_pre_x2)."""
    labels = sorted({k[0] for k in index.keys(metric) if k[0]}, key=lambda s: (len(s), s))
    roles = {}
    for label in labels:
        letter = label.split("_")[0]
        if letter not in CARRYOVER_ROLES:
            continue
        base = roles.setdefault(letter, label)
        if label.startswith(base + "_"):
            roles[f"{letter} {label[len(base) + 1 :]}"] = label
    return roles


def role_text(tag):
    """What a carry-over tag stands for: ``GN-pretrained, GN live, pre_x2`` for ``a pre_x2``."""
    letter, _, knob = tag.partition(" ")
    return CARRYOVER_ROLES[letter] + (f", {knob}" if knob else "")


def paired_difference(index, metric, schedule, x_label, y_label):
    """The paired per-seed difference x - y (oriented: positive = x better) of two variants."""
    x = variant_values(index, metric, schedule, x_label)
    y = variant_values(index, metric, schedule, y_label)
    pairs = paired_values(x, y)
    if LOWER_IS_BETTER.get(metric, False):
        pairs = [(b, a) for a, b in pairs]
    return paired_diff(pairs), pairs


def carryover_schedules(index, metric, roles):
    """The schedules the carry-over variants ``roles`` ran at, shortest first."""
    return sorted({k[5] for k in index.keys(metric) if k[0] in roles.values()}, key=schedule_parts)


def variant_values(index, metric, schedule, label):
    """{(pretrain_seed, seed): value} of variant ``label``'s runs at ``schedule``."""
    values = {}
    for key in index.keys(metric, variant=label, schedule=schedule):
        values.update(index.get(metric, *key[1:5], schedule=schedule, variant=label))
    return values


# (x, y, claim, kind): x - y > 0 (directional) or |x - y| < margin (equivalence)
CARRYOVER_CLAIMS = (
    ("a", "c", "GN-pretrained (GN live) beats BN-pretrained FrozenBN", "directional"),
    ("c", "b", "BN-pretrained FrozenBN beats GN from scratch", "directional"),
    ("a", "b", "GN-pretrained beats GN from scratch", "directional"),
    ("a", "d", "GN live beats BN live (BN-pretrained)", "directional"),
    ("e", "c", "BN-pretrained distilled to GN (GN live) beats FrozenBN", "directional"),
    ("e", "a", "distilled GN matches GN-pretrained", "equivalence"),
)


def carryover_comparisons(roles):
    """(x, y, claim, kind) of the tags in ``roles``: ``CARRYOVER_CLAIMS``, then each knob
    against the variant it changes, against (c), and against (c) with the same knob."""
    out = [c for c in CARRYOVER_CLAIMS if c[0] in roles and c[1] in roles]
    for tag in sorted(t for t in roles if " " in t):
        letter, knob = tag.split(" ", 1)
        out.append((tag, letter, f"{knob} helps ({letter})", "directional"))
        if letter != "c" and "c" in roles:
            out.append((tag, "c", f"({letter}) with {knob} beats (c) as it is", "directional"))
        if letter != "c" and f"c {knob}" in roles:
            out.append(
                (
                    tag,
                    f"c {knob}",
                    f"({letter}) beats (c), both with {knob}",
                    "directional",
                )
            )
    return out


def carryover_claims(index, metric):
    """(a)-(e) at each schedule, and GN from scratch catching up with GN-pretrained on the
    longest schedule."""
    roles = carryover_roles(index, metric)
    m = EQUIVALENCE_MARGIN.get(metric, 2.0)
    claims = []
    schedules = carryover_schedules(index, metric, roles)
    for schedule in schedules:
        for x, y, text, kind in carryover_comparisons(roles):
            est, _ = paired_difference(index, metric, schedule, roles[x], roles[y])
            if est.n == 0:
                continue
            paper_text = "-"
            if (x, y) == ("a", "c") and metric == "bbox_ap":
                paper_text = f"+{paper.CARRYOVER_BOX_AP_GAIN} box AP (COCO, R50-FPN)"
            elif (x, y) == ("a", "d"):
                paper_text = "BN live at 2 images/GPU is worse (Sec. 6)"
            label = f"[{metric}, {schedule}] ({x}) - ({y}): {text}"
            if kind == "equivalence":
                claims.append(
                    equivalence_claim(label, paper_text, est, m, rule="paired, equivalence")
                )
            else:
                claims.append(
                    directional_claim(label, paper_text, est, rule="paired, directional: CI > 0")
                )
    if "a" in roles and "b" in roles and len(schedules) >= 2:
        short, long = schedules[0], schedules[-1]
        _, gap_short = paired_difference(index, metric, short, roles["a"], roles["b"])
        _, gap_long = paired_difference(index, metric, long, roles["a"], roles["b"])
        if gap_short and gap_long:
            est = welch_diff([x - y for x, y in gap_short], [x - y for x, y in gap_long])
            claims.append(
                directional_claim(
                    f"[{metric}] GN from scratch catches up: gap (a)-(b) shrinks from {short} "
                    f"to {long}",
                    "scratch GN competitive on long schedules (Sec. 6)",
                    est,
                    rule="Welch on the paired gaps: CI > 0",
                )
            )
            est = mean_ci([x - y for x, y in gap_long])
            claims.append(
                equivalence_claim(
                    f"[{metric}, {long}] GN from scratch level with GN-pretrained (gap within "
                    f"±{m:g})",
                    "-",
                    est,
                    m,
                    rule="paired, equivalence",
                )
            )
    return claims
