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
