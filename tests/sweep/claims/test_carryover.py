"""Carry-over claims on constructed runs: paired seeds, knobs, catching up."""

import pytest

from gn_det.sweep.claims import (
    CONTRADICTED,
    HOLDS,
    RunIndex,
    carryover_roles,
    judge,
    paired_values,
)

from ..runs import find, run, verdicts


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
