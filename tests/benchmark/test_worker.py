"""Benchmark worker processes: several models in one, each failure reported."""

from gn_det.benchmark.worker import ProcessRunner, WorkerError

from ..conftest import tiny_cfg


def test_one_worker_process_can_hold_several_models_and_report_each_failure():
    ok = tiny_cfg("MODEL.NORM.TYPE", "GN")
    bad = tiny_cfg("MODEL.NORM.TYPE", "GN", "MODEL.NORM.NUM_GROUPS", 48)  # fails to build
    runner = ProcessRunner({"GN": ok, "bad": bad}, batch=1, synthetic=(64, 64), threads=1)
    try:
        assert isinstance(runner.models["bad"], WorkerError)
        assert "does not divide" in str(runner.models["bad"])
        model = runner.models["GN"]
        assert model.info["params_m"] > 0
        for phase in ("train", "infer", "train"):
            seconds = model.step(phase)
            assert seconds["wall"] > 0 and seconds["cpu"] > 0
        assert set(model.peaks()) == {"train", "infer"}
    finally:
        runner.close()
    assert not runner.process.is_alive()
