"""Sweep grid and schedule: cells, norm names, linear LR scaling and equal epochs."""

import pytest

from gn_det.modeling.variant import VariantError
from gn_det.sweep import BaseSchedule, Cell, SweepError, build_grid

from ..conftest import tiny_cfg


def test_grid_is_norms_by_batches_with_group_cells_for_gn_only():
    cells = build_grid(["BN", "GN", "GN+WS"], [8, 2], groups=[1, 32], channels_per_group=[16])
    names = [c.name for c in cells]
    assert names[:2] == ["BN_b8", "GN_b8_g1"] and names[-1] == "GN+WS_b2_cpg16"
    assert "GN_b8_g1" in names and "GN+WS_b2_g32" in names and "GN_b2_cpg16" in names
    assert len(cells) == 2 + 2 * 2 * 3


def test_norm_opts():
    assert Cell("GN+WS", 4, groups=16).norm_opts() == [
        "MODEL.NORM.TYPE", "GN", "MODEL.NORM.WS", "True", "MODEL.NORM.NUM_GROUPS", "16"
    ]  # fmt: skip
    assert Cell("BN", 4).norm_opts() == ["MODEL.NORM.TYPE", "BN"]


@pytest.mark.parametrize(
    "norms,batches,groups,error,message",
    [
        (["BN"], [0], [], SweepError, "--batches 0: must be a positive integer"),
        (["GN"], [2], [-4], SweepError, "--groups -4"),
        (["GroupNorm"], [2], [], VariantError, "--norms 'GroupNorm': unknown norm kind"),
        (["GN+BN"], [2], [], VariantError, "unknown option(s) BN"),
        (["BN+WS"], [2], [], VariantError, "+WS needs GN, LN or IN, not BN"),
        ([], [2], [], SweepError, "the grid is empty"),
    ],
)  # fmt: skip
def test_bad_grids_are_rejected(norms, batches, groups, error, message):
    with pytest.raises(error) as info:
        build_grid(norms, batches, groups)
    assert message in str(info.value)


def test_options_of_the_benchmark_language_are_cells_too():
    (cell,) = build_grid(["GN+channels_last"], [2], groups=[8])
    assert cell.name == "GN+channels_last_b2_g8"
    assert cell.norm_opts() == [
        "MODEL.NORM.TYPE", "GN", "MODEL.SPEED.CHANNELS_LAST", "True", "MODEL.NORM.NUM_GROUPS", "8"
    ]  # fmt: skip


def opts_dict(opts):
    return dict(zip(opts[::2], opts[1::2]))


def test_linear_lr_and_equal_epochs_from_the_config():
    # tiny config: IMS_PER_BATCH 4, BASE_LR 0.02, MAX_ITER 950, STEPS (750, 900), WARMUP 100
    base = BaseSchedule.from_config(tiny_cfg())
    one = opts_dict(base.solver_opts(1))
    assert one["SOLVER.BASE_LR"] == "0.005" and one["SOLVER.MAX_ITER"] == "3800"
    assert one["SOLVER.STEPS"] == "(3000, 3600)" and one["SOLVER.WARMUP_ITERS"] == "400"
    assert one["SOLVER.CHECKPOINT_PERIOD"] == "1000"
    eight = opts_dict(base.solver_opts(8))
    assert eight["SOLVER.BASE_LR"] == "0.04" and eight["SOLVER.MAX_ITER"] == "475"


def test_train_images_and_equal_iterations():
    base = BaseSchedule.from_config(tiny_cfg(), train_images=380)  # a tenth of 950 x 4
    two = opts_dict(base.solver_opts(2))
    assert two["SOLVER.MAX_ITER"] == "190" and two["SOLVER.STEPS"] == "(150, 180)"
    iters = BaseSchedule.from_config(tiny_cfg(), batch=8, lr=0.1, equal="iters")
    assert opts_dict(iters.solver_opts(2))["SOLVER.MAX_ITER"] == "950"
    assert opts_dict(iters.solver_opts(2))["SOLVER.BASE_LR"] == "0.025"


def test_bad_schedule_is_rejected():
    with pytest.raises(SweepError, match="--schedule 'weeks'"):
        BaseSchedule.from_config(tiny_cfg(), equal="weeks")
    with pytest.raises(SweepError, match="SOLVER.IMS_PER_BATCH"):
        BaseSchedule.from_config(tiny_cfg("SOLVER.IMS_PER_BATCH", 0))


def test_seeds_expand_the_grid_seed_major():
    cells = build_grid(["BN", "GN"], [8, 2], seeds=[0, 1, 2], schedule="epochs")
    assert len(cells) == 2 * 2 * 3
    assert [c.name for c in cells[:5]] == ["BN_b8_s0", "GN_b8_s0", "BN_b2_s0", "GN_b2_s0",
                                           "BN_b8_s1"]  # fmt: skip
    assert cells[-1].name == "GN_b2_s2" and cells[-1].seed_opts() == ["SEED", "2"]
    assert build_grid(["GN"], [2], seeds=[5, 5])[0].name == "GN_b2_s5"  # duplicates once
    assert build_grid(["GN"], [2])[0].seed_opts() == []  # no --seeds: the config's SEED


def test_schedule_and_variant_names():
    assert Cell("BN", 2, seed=1, schedule="iters").name == "BN_b2_iters_s1"
    assert Cell("GN", 32, groups=8, seed=0, schedule="epochs_x2").name == "GN_b32_g8_epochs_x2_s0"
    variant = Cell("GN", 2, variant="a_gn", pretrain_seed=1, seed=2, schedule="epochs")
    assert variant.name == "a_gn_p1_s2" and variant.norm_opts() == []


def test_negative_seeds_are_rejected():
    with pytest.raises(SweepError, match="--seeds -1: must be >= 0"):
        build_grid(["GN"], [2], seeds=[0, -1])


def test_schedule_scale_and_label():
    base = BaseSchedule.from_config(tiny_cfg("TEST.EVAL_PERIOD", 100), scale=2)
    assert base.label == "epochs_x2"
    one = opts_dict(base.solver_opts(1))  # 4x the iterations for batch 1, then 2x
    assert one["SOLVER.MAX_ITER"] == "7600" and one["SOLVER.STEPS"] == "(6000, 7200)"
    assert one["TEST.EVAL_PERIOD"] == "800"  # evaluated at the same epochs in every cell
    assert BaseSchedule.from_config(tiny_cfg(), equal="iters").label == "iters"
    assert "TEST.EVAL_PERIOD" not in opts_dict(BaseSchedule.from_config(tiny_cfg()).solver_opts(2))
    four = BaseSchedule.from_config(tiny_cfg(), train_images=400, evals=4)  # 950 / 4 -> 238
    two = opts_dict(four.solver_opts(2))  # 200 iterations at 2 images: evaluated every 50
    assert two["SOLVER.MAX_ITER"] == "200" and two["TEST.EVAL_PERIOD"] == "50"
    with pytest.raises(SweepError, match="--evals-per-run -1"):
        BaseSchedule.from_config(tiny_cfg(), evals=-1)
    with pytest.raises(SweepError, match="--schedule-scale 0"):
        BaseSchedule.from_config(tiny_cfg(), scale=0)
