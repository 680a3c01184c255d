"""pretrain_config: the schedule of a pretraining run, in epochs or in equal iterations."""

from gn_det.classification import pretrain_config

from ..conftest import tiny_cfg


def test_equal_epochs_and_equal_iterations():
    common = dict(num_train=3535, epochs=4, lr=0.1, output_dir="out")
    cfg, period = pretrain_config(tiny_cfg(), batch_size=32, **common)
    assert (cfg.SOLVER.MAX_ITER, period, cfg.SOLVER.IMS_PER_BATCH) == (440, 110, 32)
    small, small_period = pretrain_config(tiny_cfg(), batch_size=2, **common)
    assert (small.SOLVER.MAX_ITER, small_period) == (7068, 1767)  # 16x the steps
    iters, iters_period = pretrain_config(tiny_cfg(), batch_size=2, schedule_batch=32, **common)
    assert (iters.SOLVER.MAX_ITER, iters_period) == (440, 110)  # batch 32's steps
    assert iters.SOLVER.IMS_PER_BATCH == 2 and iters.SOLVER.WARMUP_ITERS == 55
