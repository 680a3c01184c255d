"""Verdict rules on constructed data: holds, contradicted, inconclusive."""

import pytest

from gn_det.sweep.claims import (
    CONTRADICTED,
    HOLDS,
    INCONCLUSIVE,
    RunIndex,
    carryover_roles,
    converged,
    directional,
    equivalent,
    judge,
    not_worse_by,
    paired_values,
)
from gn_det.sweep.stats import Estimate, mean_ci


def est(low, high, mean=None):
    return Estimate((low + high) / 2 if mean is None else mean, low, high, 3)


@pytest.mark.parametrize(
    "low,high,verdict", [(0.5, 2.0, HOLDS), (-2.0, -0.1, CONTRADICTED), (-1.0, 2.0, INCONCLUSIVE)]
)
def test_directional_rule(low, high, verdict):
    assert directional(est(low, high)) == verdict


@pytest.mark.parametrize(
    "low,high,verdict",
    [(-1.5, 1.9, HOLDS), (2.5, 4.0, CONTRADICTED), (-5.0, -2.0, CONTRADICTED),
     (-1.0, 2.5, INCONCLUSIVE)],
)  # fmt: skip
def test_equivalence_rule_with_a_margin_of_2(low, high, verdict):
    assert equivalent(est(low, high), 2.0) == verdict


def test_not_worse_by_and_no_ci():
    assert not_worse_by(est(-1.0, 1.5), 2.0) == HOLDS
    assert not_worse_by(est(2.5, 3.0), 2.0) == CONTRADICTED
    assert not_worse_by(est(1.0, 3.0), 2.0) == INCONCLUSIVE
    assert directional(mean_ci([1.0])) == INCONCLUSIVE  # one run: no CI


def test_convergence_rule():
    base = mean_ci([10.0, 11.0, 12.0])  # half-width 2.48
    assert converged(est(-2.0, 3.0, mean=0.5), base) == HOLDS
    assert converged(est(2.7, 3.3, mean=3.0), base) == CONTRADICTED
    assert converged(est(-1.0, 7.0, mean=3.0), base) == INCONCLUSIVE


def run(norm, batch, seed, value, metric="top1_error", schedule="epochs", variant="",
        pretrain_seed=None, groups=None, cpg=None, status="done"):  # fmt: skip
    return {"study": "s", "variant": variant, "norm": norm, "batch": batch, "groups": groups,
            "channels_per_group": cpg, "schedule": schedule, "pretrain_seed": pretrain_seed,
            "seed": seed, "metric": metric, "value": value, "status": status}  # fmt: skip


def cell(norm, batch, values, **kw):
    return [run(norm, batch, s, v, **kw) for s, v in enumerate(values)]


def verdicts(rows):
    return {c["claim"]: c["verdict"] for c in judge(rows)}


def find(claims, text):
    (match,) = [v for k, v in claims.items() if text in k]
    return match


def test_batch_claims_on_constructed_data():
    rows = (
        cell("GN", 32, [24.0, 24.2, 24.1]) + cell("GN", 2, [24.1, 24.3, 24.0])  # flat
        + cell("BN", 32, [23.5, 23.7, 23.6]) + cell("BN", 2, [34.5, 34.9, 34.7])  # degrades
        + cell("LN", 32, [23.0, 23.1, 22.9])  # ahead of GN: contradicted
        + cell("IN", 32, [20.0, 30.0, 25.0])  # too noisy: inconclusive
    )  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "GN flat across batch sizes") == HOLDS
    assert find(claims, "BN degrades from batch 32 to 2") == HOLDS
    assert find(claims, "GN better than BN at batch 2") == HOLDS
    assert find(claims, "LN behind GN") == CONTRADICTED
    assert find(claims, "IN behind GN") == INCONCLUSIVE
    (flat,) = [c for c in judge(rows) if "GN flat" in c["claim"]]
    assert flat["paper"] == "24.1/24.2/24.0/24.2/24.1 at 32/16/8/4/2" and flat["n"] == 3
    not_flat = cell("GN", 32, [24.0, 24.2, 24.1]) + cell("GN", 2, [30.0, 30.2, 30.1])
    assert find(verdicts(not_flat), "GN flat") == CONTRADICTED


def test_detection_metrics_are_higher_is_better():
    rows = (cell("GN", 8, [30.0, 31.0, 30.5], metric="bbox_ap")
            + cell("BN", 8, [29.0, 30.0, 29.5], metric="bbox_ap")
            + cell("GN", 1, [30.0, 30.6, 30.2], metric="bbox_ap")
            + cell("BN", 1, [20.0, 21.0, 20.5], metric="bbox_ap")
            + cell("GN+WS", 1, [25.0, 25.5, 25.2], metric="bbox_ap"))  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "[bbox_ap, epochs] BN degrades from batch 8 to 1") == HOLDS
    assert find(claims, "GN better than BN at batch 1") == HOLDS
    assert find(claims, "GN+WS better than GN at batch 1") == CONTRADICTED


def test_group_claims():
    rows = (cell("GN", 32, [24.0, 24.2, 24.1], groups=32)
            + cell("GN", 32, [24.3, 24.4, 24.2], groups=8)
            + cell("GN", 32, [25.3, 25.4, 25.5], groups=1)
            + cell("GN", 32, [28.0, 28.5, 28.4], cpg=1))  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "G=32 near the best group count (best other: G=8)") == HOLDS
    assert find(claims, "G=1 (LN) worse than G=32") == HOLDS
    assert find(claims, "1 channel per group (IN) worse than G=32") == HOLDS


def test_convergence_claims_compare_a_schedule_with_twice_it():
    rows = (cell("GN", 32, [20.0, 21.0, 22.0])
            + cell("GN", 32, [20.5, 21.5, 20.9], schedule="epochs_x2")
            + cell("BN", 32, [30.0, 30.2, 30.1])
            + cell("BN", 32, [20.0, 20.2, 20.1], schedule="epochs_x2"))  # fmt: skip
    claims = verdicts(rows)
    assert find(claims, "converged: GN b32 epochs -> epochs_x2") == HOLDS
    assert find(claims, "converged: BN b32 epochs -> epochs_x2") == CONTRADICTED


def test_carryover_pairs_seeds_and_judges_the_variants():
    def variant(name, norm, values, pretrained=True, schedule="epochs"):
        out = []
        for (p, s), v in values.items():
            out.append(run(norm, 2, s, v, metric="bbox_ap", variant=name, schedule=schedule,
                           pretrain_seed=p if pretrained else None))  # fmt: skip
        return out

    seeds = [(p, s) for p in (0, 1) for s in (0, 1, 2)]
    a = {k: 50.0 + k[1] + 0.1 * k[0] for k in seeds}  # seed effects shared with (c)
    c = {k: 48.0 + k[1] + 0.1 * k[0] + 0.05 * (k[1] == 1) for k in seeds}
    b = {(None, s): 40.0 + s for s in (0, 1, 2)}
    rows = variant("a_gn_pretrained", "GN", a) + variant("c_bn_frozen", "FrozenBN", c)
    rows += variant("b_gn_scratch", "GN", b, pretrained=False)
    rows += variant("a_gn_pretrained", "GN", {k: v + 5 for k, v in a.items()}, schedule="epochs_x4")
    rows += variant("b_gn_scratch", "GN", {(None, s): 54.0 + s + 0.1 * (s == 2) for s in (0, 1, 2)},
                    pretrained=False, schedule="epochs_x4")  # fmt: skip
    claims = {c["claim"]: c for c in judge(rows)}
    ac = claims["[bbox_ap, epochs] (a) - (c): GN-pretrained (GN live) beats BN-pretrained FrozenBN"]
    assert ac["verdict"] == HOLDS and ac["n"] == 6  # paired on (pretraining seed, seed)
    assert ac["ours_mean"] == pytest.approx(2.0 - 0.05 / 3)
    ab = claims["[bbox_ap, epochs] (a) - (b): GN-pretrained beats GN from scratch"]
    assert ab["n"] == 3 and ab["ours_mean"] == pytest.approx(10.05)  # (a) averaged over p
    assert find(verdicts(rows), "GN from scratch catches up") == HOLDS
    assert find(verdicts(rows), "GN from scratch level with GN-pretrained") == HOLDS
    assert paired_values({(0, 1): 3.0, (1, 1): 5.0}, {(None, 1): 1.0}) == [(4.0, 1.0)]


def test_a_knob_is_compared_with_the_variant_it_changes_and_with_c():
    seeds = [(p, s) for p in (0, 1) for s in (0, 1, 2)]

    def variant(name, norm, base):
        noise = {k: 0.05 * ((k[0] + k[1] + len(name)) % 3) for k in seeds}
        return [
            run(norm, 2, s, base + s + 0.1 * p + noise[p, s], metric="bbox_ap", variant=name,
                pretrain_seed=p)
            for p, s in seeds
        ]  # fmt: skip

    rows = variant("a_gn_pretrained", "GN", 50.0) + variant("c_bn_frozen", "FrozenBN", 52.0)
    rows += variant("a_gn_pretrained_pre_x2", "GN", 54.0)  # a knob of (a): longer pretraining
    rows += variant("c_bn_frozen_pre_x2", "FrozenBN", 56.0)
    index = RunIndex(rows)
    roles = carryover_roles(index, "bbox_ap")
    assert roles == {
        "a": "a_gn_pretrained",
        "c": "c_bn_frozen",
        "a pre_x2": "a_gn_pretrained_pre_x2",
        "c pre_x2": "c_bn_frozen_pre_x2",
    }
    claims = {c["claim"]: c for c in judge(rows)}
    helps = claims["[bbox_ap, epochs] (a pre_x2) - (a): pre_x2 helps (a)"]
    assert helps["verdict"] == HOLDS and helps["ours_mean"] == pytest.approx(4.0)
    assert (
        claims["[bbox_ap, epochs] (a pre_x2) - (c): (a) with pre_x2 beats (c) as it is"]["verdict"]
        == HOLDS
    )
    equal = claims["[bbox_ap, epochs] (a pre_x2) - (c pre_x2): (a) beats (c), both with pre_x2"]
    assert equal["verdict"] == CONTRADICTED and equal["ours_mean"] == pytest.approx(-2.0)
    assert claims["[bbox_ap, epochs] (a) - (c): GN-pretrained (GN live) beats BN-pretrained "
                  "FrozenBN"]["verdict"] == CONTRADICTED  # fmt: skip


def test_failed_runs_and_missing_cells_give_no_claims():
    rows = cell("GN", 32, [24.0, 24.1]) + [run("GN", 2, 0, None, status="failed")]
    assert judge(rows) == []
