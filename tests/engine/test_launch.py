"""Distributed runs on the CPU: 2 gloo processes, DDP all-reduce, SyncBN, sharding, evaluation."""

import atexit
import json
import multiprocessing
import os
import signal
import sys
import time

import detectron2.engine.defaults as d2_defaults
import detectron2.utils.comm as comm
import pytest
import torch
from detectron2.data.samplers import TrainingSampler
from torch import nn

from gn_det.engine.launch import STOP_WAIT_S, LaunchError, _stop, launch
from gn_det.engine.setup import ConfigError
from gn_det.modeling.convert_norm import cpu_sync_batchnorm
from gn_det.utils.errors import Interrupted

from ..conftest import TINY_CONFIG
from ..run_tools import FAST_TRAINING, run_tool, shapes_opts


def ddp_step(out_dir):
    """One DDP step of a small model with SyncBN, BN and GN; each rank sees other data."""
    rank = comm.get_rank()
    torch.manual_seed(0)  # the same initial weights on both ranks
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.SyncBatchNorm(8), nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8),
        nn.Conv2d(8, 8, 1), nn.GroupNorm(2, 8),
    )  # fmt: skip
    cpu_sync_batchnorm(model)  # as GNDetRCNN does in CPU multi-process runs
    ddp = d2_defaults.create_ddp_model(model, broadcast_buffers=False)
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(rank)) + 3 * rank
    with torch.no_grad():
        local_mean = model[0](x).mean(dim=(0, 2, 3))
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    ddp(x).square().mean().backward()
    optimizer.step()
    torch.save(
        {
            "world": comm.get_world_size(),
            "local_rank": comm.get_local_rank(),
            "sync_type": type(model[1]).__name__,
            "local_mean": local_mean,
            "sync_mean": model[1].running_mean,
            "bn_mean": model[3].running_mean,
            "weights": [p.detach().clone() for p in model.parameters()],
            "shard": [i for i, _ in zip(TrainingSampler(10, seed=1), range(6))],
        },
        out_dir / f"rank{rank}.pth",
    )


def fail_on_rank_1():
    if comm.get_rank() == 1:
        raise ConfigError("SOLVER.FOO=1 is wrong on purpose")
    comm.synchronize()


def native_threads():
    """Names of this process's native threads (gloo's are gloo_tcp_loop, pt_gloo_runloop)."""
    tasks = f"/proc/{os.getpid()}/task"
    names = []
    for task in os.listdir(tasks):
        with open(f"{tasks}/{task}/comm") as f:
            names.append(f.read().strip())
    return sorted(names)


def record_gloo_threads(out_dir):
    """A gather (which caches detectron2's gloo group), then the gloo threads now and at
    interpreter shutdown (atexit: after the launcher's worker has ended its process groups)."""
    comm.all_gather(comm.get_rank())
    path = out_dir / f"rank{comm.get_rank()}.json"
    during = [n for n in native_threads() if "gloo" in n]

    def at_exit():
        path.write_text(json.dumps({"during": during, "at_exit": native_threads()}))

    atexit.register(at_exit)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_cpu_workers_free_their_process_groups_before_shutdown(tmp_path):
    """Groups still referenced at shutdown keep gloo threads into it (freed there, they can
    abort a finished run with SIGABRT): each worker frees them before it returns."""
    launch(record_gloo_threads, 2, dist_url="auto", args=(tmp_path,), cpu=True)
    for rank in (0, 1):
        threads = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert threads["during"], "gloo threads were not seen while the group was live"
        assert not [n for n in threads["at_exit"] if "gloo" in n or "tcpstore" in n]


def test_two_cpu_processes_all_reduce_gradients_and_sync_bn(tmp_path):
    launch(ddp_step, 2, dist_url="auto", args=(tmp_path,), cpu=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pth", weights_only=True) for r in (0, 1))
    assert (r0["world"], r0["local_rank"], r1["local_rank"]) == (2, 0, 1)
    assert r0["sync_type"] == "NaiveSyncBatchNorm"
    for a, b in zip(r0["weights"], r1["weights"]):
        torch.testing.assert_close(a, b, rtol=0, atol=0)  # gradients were all-reduced
    # SyncBN: both ranks keep the statistics of both ranks' data (momentum 0.1 from 0) ...
    expected = 0.1 * (r0["local_mean"] + r1["local_mean"]) / 2
    torch.testing.assert_close(r0["sync_mean"], expected)
    torch.testing.assert_close(r1["sync_mean"], expected)
    # ... plain BN keeps each rank's own, which differ.
    assert not torch.allclose(r0["bn_mean"], r1["bn_mean"])
    # The training sampler gives each rank its own interleaved share of one stream.
    whole = [i for i, _ in zip(TrainingSampler(10, seed=1), range(12))]
    assert r0["shard"] == whole[0::2] and r1["shard"] == whole[1::2]


def test_an_input_error_in_a_worker_is_one_line(tmp_path, capfd):
    start = time.monotonic()
    with pytest.raises(LaunchError, match="^SOLVER.FOO=1 is wrong on purpose$"):
        launch(fail_on_rank_1, 2, dist_url="auto", cpu=True)
    # Rank 0 waited in a collective for rank 1: it was stopped, not left to time out.
    assert time.monotonic() - start < STOP_WAIT_S
    err = capfd.readouterr().err
    assert "error:" not in err and "Traceback" not in err


def rank_1_dies(how):
    if comm.get_rank() == 1 and how == "signal":
        os.kill(os.getpid(), signal.SIGABRT)
    if comm.get_rank() == 1:
        os._exit(3)
    comm.synchronize()


@pytest.mark.parametrize("how, status", [("signal", "signal SIGABRT"), ("exit", "exit code 3")])
def test_a_worker_that_dies_is_named_with_how_it_ended(how, status):
    with pytest.raises(LaunchError, match=f"^process 1 of 2 stopped with {status}$"):
        launch(rank_1_dies, 2, dist_url="auto", args=(how,), cpu=True)


def interrupted_on_rank_0():
    if comm.get_rank() == 0:  # as the trainer's StopReport raises it on Ctrl-C
        raise Interrupted("training interrupted at iteration 3 of 9; resume ...")
    time.sleep(120)  # the other process would go on; the launcher stops it


def test_ctrl_c_in_workers_is_the_main_process_line(capfd, monkeypatch):
    monkeypatch.setattr(sys.modules[launch.__module__], "INTERRUPT_GRACE_S", 1)
    start = time.monotonic()
    with pytest.raises(Interrupted, match="^training interrupted at iteration 3 of 9; resume"):
        launch(interrupted_on_rank_0, 2, dist_url="auto", cpu=True)
    err = capfd.readouterr().err  # run_cli prints the line; the workers printed nothing
    assert "interrupted" not in err and "Traceback" not in err
    assert time.monotonic() - start < 60  # rank 1 was stopped, not waited for


def _sleep(ignore_sigint):
    # set either way: a test run started in the background (``&``) inherits an ignored SIGINT
    signal.signal(signal.SIGINT, signal.SIG_IGN if ignore_sigint else signal.default_int_handler)
    time.sleep(60)


def test_the_launcher_stops_workers_that_did_not_get_ctrl_c():
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_sleep, args=(ignore,)) for ignore in (False, True)]
    for w in workers:
        w.start()
    _stop(workers, grace=1)
    assert workers[0].exitcode == 1  # SIGINT passed on: KeyboardInterrupt
    assert workers[1].exitcode == -signal.SIGTERM  # ignored SIGINT: terminated


def test_train_net_with_two_cpu_processes_and_syncbn(small_shapes, tmp_path):
    out = tmp_path / "out"
    proc = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, "--num-gpus", 2, "--dist-url", "auto",
        *shapes_opts(small_shapes), *FAST_TRAINING, "MODEL.NORM.TYPE", "SyncBN",
        "SOLVER.MAX_ITER", 2, "SOLVER.CHECKPOINT_PERIOD", 1,
        "MODEL.ROI_HEADS.SCORE_THRESH_TEST", 0.0, "OUTPUT_DIR", out, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    log, log1 = (out / "log.txt").read_text(), (out / "log.txt.rank1").read_text()
    assert "World size: 2" in log
    assert "SyncBN layers all-reduce with NaiveSyncBatchNorm over gloo" in log
    assert f"{small_shapes['val'][0]}: bbox AP" in log
    # Checkpoints by the main process only, complete, no temporary files left.
    assert log.count("Saving checkpoint to") == 3 and "Saving checkpoint" not in log1
    names = sorted(p.name for p in out.iterdir() if "pth" in p.name or "checkpoint" in p.name)
    assert names == ["last_checkpoint", "model_0000000.pth", "model_0000001.pth", "model_final.pth"]
    # Evaluation gathered the predictions of both processes: every val image has some.
    results = json.loads((out / "inference" / "coco_instances_results.json").read_text())
    with open(small_shapes["val"][1]) as f:
        val_ids = {img["id"] for img in json.load(f)["images"]}
    assert {r["image_id"] for r in results} == val_ids
