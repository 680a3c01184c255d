"""The paper's claims, judged from a study's runs.csv by rules fixed before any result exists.

Every claim is a difference of means with a 95 % CI (``stats.py``: Welch for independent
cells, paired per-seed differences for the carry-over variants), oriented so that the claimed
direction is positive ("A is better than B": lower error, higher AP). Verdicts:

- directional claim ("A better than B"): **holds** when the CI of the difference excludes 0
  in the claimed direction, **contradicted** when it excludes 0 in the other direction, else
  **inconclusive**;
- equivalence claim ("flat", "level", "matches"): with the margin ``EQUIVALENCE_MARGIN`` of the
  metric, **holds** when the CI lies inside (-margin, +margin), **contradicted** when it lies
  entirely outside it, else **inconclusive**;
- "not worse by more than the margin" (G=32 near the best group count): **holds** when the CI's
  upper end is below the margin, **contradicted** when its lower end is above it;
- convergence ("doubling the schedule moves the mean by less than its CI half-width"):
  **holds** when |mean(2x) - mean(1x)| is smaller than the half-width of the 1x mean's CI,
  **contradicted** when the CI of the difference excludes 0, else **inconclusive**.

A claim whose cells lack data is not written; one whose cells have fewer than 2 runs each is
inconclusive (no CI).
"""

import re

from . import paper
from .stats import mean_ci, paired_diff, welch_diff

HOLDS, CONTRADICTED, INCONCLUSIVE = "holds", "contradicted", "inconclusive"
CLAIM_FIELDS = (
    "claim",
    "paper",
    "ours_mean",
    "ours_ci_low",
    "ours_ci_high",
    "verdict",
    "n",
    "rule",
)
LOWER_IS_BETTER = {"top1_error": True, "bbox_ap": False, "segm_ap": False}
# Differences smaller than this (in the metric's units: top-1 error points, AP points) count
# as "no difference" for the equivalence claims. Chosen before any result: well below the
# effects the paper calls large (BN at batch 2: +11.1 error points; GN vs FrozenBN: +1.5 AP
# on COCO is the exception, judged directionally) and above the paper's GN spread (0.2).
EQUIVALENCE_MARGIN = {"top1_error": 2.0, "bbox_ap": 2.0, "segm_ap": 2.0}
DEFAULT_SCHEDULE = "epochs"
# carry-over variants by the letter their config's name starts with (a_gn_pretrained.yaml)
CARRYOVER_ROLES = {
    "a": "GN-pretrained, GN live",
    "b": "GN from scratch",
    "c": "BN-pretrained, FrozenBN",
    "d": "BN-pretrained, BN live",
    "e": "BN-pretrained distilled to GN, GN live",
}


def directional(est):
    if not est.has_ci:
        return INCONCLUSIVE
    if est.low > 0:
        return HOLDS
    return CONTRADICTED if est.high < 0 else INCONCLUSIVE


def equivalent(est, margin):
    if not est.has_ci:
        return INCONCLUSIVE
    if -margin < est.low and est.high < margin:
        return HOLDS
    return CONTRADICTED if est.low >= margin or est.high <= -margin else INCONCLUSIVE


def not_worse_by(est, margin):
    """``est`` is how much better the alternative is; the claim is that it is < margin."""
    if not est.has_ci:
        return INCONCLUSIVE
    if est.high < margin:
        return HOLDS
    return CONTRADICTED if est.low > margin else INCONCLUSIVE


def converged(delta, base):
    if not (delta.has_ci and base.has_ci):
        return INCONCLUSIVE
    if abs(delta.mean) < base.half_width:
        return HOLDS
    return CONTRADICTED if delta.low > 0 or delta.high < 0 else INCONCLUSIVE


def oriented(metric, diff_fn, better, worse):
    """``diff_fn(better, worse)`` turned so that positive means ``better`` is better."""
    return diff_fn(worse, better) if LOWER_IS_BETTER.get(metric, False) else diff_fn(better, worse)


def _claim(text, paper_text, est, verdict, rule):
    return {
        "claim": text,
        "paper": paper_text,
        "ours_mean": est.mean,
        "ours_ci_low": est.low,
        "ours_ci_high": est.high,
        "verdict": verdict,
        "n": est.n,
        "rule": rule,
    }


def schedule_parts(label):
    """("epochs", 2.0) for "epochs_x2"; ("epochs", 1.0) for "epochs" or ""."""
    match = re.fullmatch(r"(.*?)(?:_x([0-9.]+))?", label or DEFAULT_SCHEDULE)
    return match.group(1) or DEFAULT_SCHEDULE, float(match.group(2) or 1)


class RunIndex:
    """The values of finished runs by cell: {(variant, norm, batch, groups, cpg, schedule,
    metric): {(pretrain_seed, seed): value}}."""

    def __init__(self, rows):
        self.cells = {}
        for r in rows:
            if r.get("status") != "done" or r.get("value") is None:
                continue
            key = (
                r["variant"] or "",
                r["norm"],
                r["batch"],
                r["groups"],
                r["channels_per_group"],
                r["schedule"] or DEFAULT_SCHEDULE,
                r["metric"],
            )
            self.cells.setdefault(key, {})[(r["pretrain_seed"], r["seed"])] = r["value"]

    def metrics(self):
        return sorted({k[6] for k in self.cells})

    def get(
        self, metric, norm, batch, groups=None, cpg=None, schedule=DEFAULT_SCHEDULE, variant=""
    ):
        """{(pretrain_seed, seed): value} of one cell ({} if none)."""
        return self.cells.get((variant, norm, batch, groups, cpg, schedule, metric), {})

    def values(self, *args, **kwargs):
        return list(self.get(*args, **kwargs).values())

    def keys(self, metric, **fixed):
        """Cell keys of ``metric`` whose fields match ``fixed`` (variant, norm, ...)."""
        names = ("variant", "norm", "batch", "groups", "cpg", "schedule")
        return sorted(
            (
                k
                for k in self.cells
                if k[6] == metric and all(k[names.index(f)] == v for f, v in fixed.items())
            ),
            key=lambda k: tuple((1, 0) if x is None else (0, x) for x in k),
        )


def _paper_diff(a, b):
    return f"{a} vs {b} ({a - b:+.1f})"


def batch_claims(index, metric, schedule):
    """GN flat, BN degrading, GN beating BN at the smallest batch, LN/IN behind GN, GN+WS vs
    GN; for plain norm cells (no variant, no group setting) of one schedule."""
    claims, tag = [], f"[{metric}, {schedule}]"
    m = EQUIVALENCE_MARGIN.get(metric, 2.0)
    top1 = metric == "top1_error"

    def batches(norm):
        keys = index.keys(metric, variant="", norm=norm, groups=None, cpg=None, schedule=schedule)
        return sorted(k[2] for k in keys)

    def vals(norm, batch):
        return index.values(metric, norm, batch, schedule=schedule)

    gn = batches("GN")
    if len(gn) >= 2:
        big, rows = gn[-1], []
        for b in reversed(gn[:-1]):
            est = welch_diff(vals("GN", b), vals("GN", big))
            ref = paper.BATCH_ERROR["GN"]
            text = _paper_diff(ref[b], ref[big]) if top1 and b in ref and big in ref else "-"
            rows.append(
                _claim(
                    f"{tag} GN at batch {b} vs {big}: within ±{m:g}",
                    text,
                    est,
                    equivalent(est, m),
                    f"equivalence, margin {m:g}",
                )
            )
        verdicts = {r["verdict"] for r in rows}
        overall = (
            CONTRADICTED
            if CONTRADICTED in verdicts
            else HOLDS
            if verdicts == {HOLDS}
            else INCONCLUSIVE
        )
        worst = max(rows, key=lambda r: abs(r["ours_mean"]))
        claims.append(
            {
                **worst,
                "claim": f"{tag} GN flat across batch sizes {gn[::-1]} "
                f"(largest difference to batch {big} shown)",
                "paper": "24.1/24.2/24.0/24.2/24.1 at 32/16/8/4/2" if top1 else "-",
                "verdict": overall,
                "rule": f"every batch within ±{m:g}",
            }
        )
        claims += rows
    bn = batches("BN")
    if len(bn) >= 2:
        small, big = bn[0], bn[-1]
        est = oriented(metric, welch_diff, vals("BN", big), vals("BN", small))
        ref = paper.BATCH_ERROR["BN"]
        text = _paper_diff(ref[small], ref[big]) if top1 and small in ref and big in ref else "-"
        claims.append(
            _claim(
                f"{tag} BN degrades from batch {big} to {small}",
                text,
                est,
                directional(est),
                "directional: CI > 0",
            )
        )
    common = sorted(set(gn) & set(bn))
    if common and common[0] < max(gn + bn):  # a small batch: the paper's claim is not at 32
        b = common[0]
        est = oriented(metric, welch_diff, vals("GN", b), vals("BN", b))
        ref = paper.BATCH_ERROR
        text = _paper_diff(ref["BN"][b], ref["GN"][b]) if top1 and b in ref["BN"] else "-"
        claims.append(
            _claim(
                f"{tag} GN better than BN at batch {b}",
                text,
                est,
                directional(est),
                "directional: CI > 0",
            )
        )
    for other in ("LN", "IN"):
        both = sorted(set(gn) & set(batches(other)))
        if both:
            b = both[-1]
            est = oriented(metric, welch_diff, vals("GN", b), vals(other, b))
            ref = paper.NORM_ERROR_32
            text = f"{_paper_diff(ref[other], ref['GN'])} at 32" if top1 else "-"
            claims.append(
                _claim(
                    f"{tag} {other} behind GN at batch {b}",
                    text,
                    est,
                    directional(est),
                    "directional: CI > 0",
                )
            )
    for b in sorted(set(gn) & set(batches("GN+WS")), reverse=True):
        est = oriented(metric, welch_diff, vals("GN+WS", b), vals("GN", b))
        claims.append(
            _claim(
                f"{tag} GN+WS better than GN at batch {b}",
                "Qiao et al. 2019: WS improves GN, above all at 1-2 images/GPU",
                est,
                directional(est),
                "directional: CI > 0",
            )
        )
    return claims


def group_claims(index, metric, schedule):
    """The group-count shape: G=32 near the best group count, G=1 (LN) and one channel per group
    (IN) worse than G=32; per batch size with GN group cells."""
    claims = []
    m = EQUIVALENCE_MARGIN.get(metric, 2.0)
    top1 = metric == "top1_error"
    keys = [k for k in index.keys(metric, variant="", norm="GN", schedule=schedule) if k[3] or k[4]]
    for b in sorted({k[2] for k in keys}, reverse=True):
        tag = f"[{metric}, {schedule}, batch {b}]"
        groups = {
            k[3]: index.values(metric, "GN", b, groups=k[3], schedule=schedule)
            for k in keys
            if k[2] == b and k[3]
        }
        cpg = {
            k[4]: index.values(metric, "GN", b, cpg=k[4], schedule=schedule)
            for k in keys
            if k[2] == b and k[4]
        }
        if 32 not in groups:
            continue
        g32 = groups[32]
        others = {g: v for g, v in groups.items() if g != 32}
        if others:
            sign = -1 if LOWER_IS_BETTER.get(metric, False) else 1
            best = max(others, key=lambda g: sign * sum(others[g]) / len(others[g]))
            est = oriented(metric, welch_diff, others[best], g32)
            ref = paper.GROUPS_ERROR
            text = f"G=32 best ({ref[32]}); next G=8 ({ref[8]})" if top1 else "-"
            claims.append(
                _claim(
                    f"{tag} G=32 near the best group count (best other: G={best})",
                    text,
                    est,
                    not_worse_by(est, m),
                    f"best other better by < {m:g}",
                )
            )
        if 1 in groups:
            est = oriented(metric, welch_diff, g32, groups[1])
            text = _paper_diff(paper.GROUPS_ERROR[1], paper.GROUPS_ERROR[32]) if top1 else "-"
            claims.append(
                _claim(
                    f"{tag} G=1 (LN) worse than G=32",
                    text,
                    est,
                    directional(est),
                    "directional: CI > 0",
                )
            )
        if 1 in cpg:
            est = oriented(metric, welch_diff, g32, cpg[1])
            ref = paper.ONE_CHANNEL_PER_GROUP_ERROR
            text = _paper_diff(ref, paper.GROUPS_ERROR[32]) if top1 else "-"
            claims.append(
                _claim(
                    f"{tag} 1 channel per group (IN) worse than G=32",
                    text,
                    est,
                    directional(est),
                    "directional: CI > 0",
                )
            )
    return claims


def cell_label(key):
    """A cell key as text: ``GN b32 G=16``, ``a_gn_pretrained``."""
    variant, norm, batch, groups, cpg = key[:5]
    if variant:
        return variant
    label = f"{norm} b{batch}"
    label += f" G={groups}" if groups else ""
    label += f" {cpg} ch/group" if cpg else ""
    return label


def convergence_claims(index, metric):
    """For every cell run at a schedule and at twice it: does doubling move the mean by less
    than the 1x mean's CI half-width?"""
    claims = []
    by_cell = {}
    for key in index.keys(metric):
        by_cell.setdefault(key[:5], {})[schedule_parts(key[5])] = key[5]
    for cell, schedules in sorted(by_cell.items(), key=lambda kv: str(kv[0])):
        for (base, scale), label in sorted(schedules.items()):
            double = schedules.get((base, scale * 2))
            if double is None:
                continue
            one = index.values(metric, *cell[1:5], schedule=label, variant=cell[0])
            two = index.values(metric, *cell[1:5], schedule=double, variant=cell[0])
            delta, ref = welch_diff(two, one), mean_ci(one)
            hw = f"{ref.half_width:.2f}" if ref.has_ci else "n/a"
            claims.append(
                _claim(
                    f"[{metric}] converged: {cell_label(cell)} {label} -> {double} moves the mean "
                    f"by less than the {label} CI half-width ({hw})",
                    "-",
                    delta,
                    converged(delta, ref),
                    "|Δ| < half-width of the shorter CI",
                )
            )
    return claims


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
    x = _variant_values(index, metric, schedule, x_label)
    y = _variant_values(index, metric, schedule, y_label)
    pairs = paired_values(x, y)
    if LOWER_IS_BETTER.get(metric, False):
        pairs = [(b, a) for a, b in pairs]
    return paired_diff(pairs), pairs


def _variant_values(index, metric, schedule, label):
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
            out.append((tag, f"c {knob}", f"({letter}) beats (c), both with {knob}", "directional"))
    return out


def carryover_claims(index, metric):
    """(a)-(e) at each schedule, and GN from scratch catching up with GN-pretrained on the
    longest schedule."""
    roles = carryover_roles(index, metric)
    m = EQUIVALENCE_MARGIN.get(metric, 2.0)
    claims = []
    schedules = sorted(
        {k[5] for k in index.keys(metric) if k[0] in roles.values()}, key=schedule_parts
    )
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
                    _claim(
                        label,
                        paper_text,
                        est,
                        equivalent(est, m),
                        f"paired, equivalence, margin {m:g}",
                    )
                )
            else:
                claims.append(
                    _claim(label, paper_text, est, directional(est), "paired, directional: CI > 0")
                )
    if "a" in roles and "b" in roles and len(schedules) >= 2:
        short, long = schedules[0], schedules[-1]
        _, gap_short = paired_difference(index, metric, short, roles["a"], roles["b"])
        _, gap_long = paired_difference(index, metric, long, roles["a"], roles["b"])
        if gap_short and gap_long:
            est = welch_diff([x - y for x, y in gap_short], [x - y for x, y in gap_long])
            claims.append(
                _claim(
                    f"[{metric}] GN from scratch catches up: gap (a)-(b) shrinks from {short} "
                    f"to {long}",
                    "scratch GN competitive on long schedules (Sec. 6)",
                    est,
                    directional(est),
                    "Welch on the paired gaps: CI > 0",
                )
            )
            est = mean_ci([x - y for x, y in gap_long])
            claims.append(
                _claim(
                    f"[{metric}, {long}] GN from scratch level with GN-pretrained (gap within "
                    f"±{m:g})",
                    "-",
                    est,
                    equivalent(est, m),
                    f"paired, equivalence, margin {m:g}",
                )
            )
    return claims


def judge(rows):
    """Every claim the runs can judge, in a fixed order."""
    index = RunIndex(rows)
    claims = []
    for metric in index.metrics():
        plain = sorted({k[5] for k in index.keys(metric, variant="")}, key=schedule_parts)
        for schedule in plain:
            claims += batch_claims(index, metric, schedule)
            claims += group_claims(index, metric, schedule)
        claims += carryover_claims(index, metric)
        claims += convergence_claims(index, metric)
    return claims
