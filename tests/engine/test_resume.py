"""Exact resume: after kill -9, --resume ends with the weights of an uninterrupted run."""

import functools
import itertools
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import torch
from detectron2.data.common import AspectRatioGroupedDataset
from detectron2.data.samplers import TrainingSampler

from gn_det.data.resumable_loader import (
    BatchOrderSampler,
    ResumableTrainLoader,
    SeededMapDataset,
    aspect_groups,
    build_resumable_train_loader,
)
from gn_det.utils.rng import rng_state, set_rng_state

from ..conftest import REPO, TINY_CONFIG, tiny_cfg
from ..run_tools import FAST_TRAINING, run_tool, shapes_opts

DICTS = [{"width": 100 if i % 3 else 50, "height": 80} for i in range(20)]


def test_batches_are_those_of_detectron2_aspect_grouping():
    ours = BatchOrderSampler(TrainingSampler(20, seed=3), aspect_groups(DICTS, True), 4)
    ours = [[index for _, index in batch] for batch in itertools.islice(ours, 12)]
    stream = itertools.islice(iter(TrainingSampler(20, seed=3)), 200)
    grouped = AspectRatioGroupedDataset([dict(DICTS[i], index=i) for i in stream], 4)
    theirs = [[d["index"] for d in batch] for batch in itertools.islice(grouped, 12)]
    assert ours == theirs
    assert any(DICTS[b[0]]["width"] == 50 for b in ours)  # both groups are exercised


def test_the_stream_starts_at_any_batch():
    def stream(start, count):
        groups = aspect_groups(DICTS, True)
        sampler = BatchOrderSampler(TrainingSampler(20, seed=3), groups, 4, start)
        batches = list(itertools.islice(sampler, count))
        assert all(len(batch) == 4 for batch in batches)
        return [pair for batch in batches for pair in batch]

    assert stream(7, 10) == stream(0, 17)[28:]
    assert [position for position, _ in stream(7, 10)] == list(range(28, 68))


class RandomItems:
    """A dataset whose items are draws from every global random generator."""

    def __len__(self):
        return 10

    def __getitem__(self, index):
        return index, np.random.rand(), random.random(), torch.rand(1).item()


def test_augmentation_depends_on_the_position_only():
    items = SeededMapDataset(RandomItems(), seed=5, rank=0)
    np.random.seed(0)
    first = items[(7, 3)]
    np.random.seed(1)
    torch.manual_seed(1)
    assert items[(7, 3)] == first
    assert items[[(6, 2), (7, 3)]] == [items[(6, 2)], first]  # a batch: its items
    assert items[(8, 3)] != first and items[(7, 4)][1:] == first[1:]
    before = rng_state()
    items[(9, 1)]
    expected = np.random.rand(), random.random(), torch.rand(1).item()
    set_rng_state(before)
    assert (np.random.rand(), random.random(), torch.rand(1).item()) == expected


def test_random_state_survives_a_weights_only_checkpoint(tmp_path):
    torch.save({"rng": rng_state()}, tmp_path / "state.pth")
    draws = np.random.rand(3).tolist(), random.random(), torch.rand(3).tolist()
    set_rng_state(torch.load(tmp_path / "state.pth", weights_only=True)["rng"])
    assert (np.random.rand(3).tolist(), random.random(), torch.rand(3).tolist()) == draws


def test_loader_gives_the_same_batches_resumed_and_with_workers(small_shapes):
    def batches(start, workers, count):
        cfg = tiny_cfg(
            "DATASETS.TRAIN", f"('{small_shapes['train'][0]}',)", "SOLVER.IMS_PER_BATCH", 2,
            "INPUT.MIN_SIZE_TRAIN", "(64, 80, 96)", "DATALOADER.NUM_WORKERS", workers,
        )  # fmt: skip
        loader = build_resumable_train_loader(cfg)
        loader.start_batch = start
        return list(itertools.islice(loader, count))

    full, resumed = batches(0, 0, 5), batches(3, 1, 2)
    for a, b in zip(full[3:], resumed):
        assert [d["file_name"] for d in a] == [d["file_name"] for d in b]
        assert all(torch.equal(x["image"], y["image"]) for x, y in zip(a, b))
    sizes = {tuple(d["image"].shape[1:]) for batch in full for d in batch}
    assert len(sizes) > 1  # the random resize ran, so equal images mean equal random state


def tag_with_worker(d):
    return {"index": d["index"], "pid": os.getpid()}


def test_each_batch_is_mapped_by_one_worker():
    dicts = [{"index": i, "width": 64, "height": 64} for i in range(12)]
    loader = ResumableTrainLoader(functools.partial(TrainingSampler, 12), dicts, tag_with_worker,
                                  batch_size=3, num_workers=2, grouping=False, seed=1)  # fmt: skip
    batches = list(itertools.islice(loader, 4))
    workers = [{d["pid"] for d in batch} for batch in batches]
    assert all(len(w) == 1 for w in workers)  # whole batches, ready when the step needs them
    assert workers[0] != workers[1] and workers[0] == workers[2]  # the workers take turns
    assert os.getpid() not in set.union(*workers)


def train_cmd(out, workers, *extra):
    return [
        sys.executable, str(REPO / "tools" / "train_net.py"), "--config-file", str(TINY_CONFIG),
        *extra, *TRAINING, "DATALOADER.NUM_WORKERS", workers, "OUTPUT_DIR", str(out),
    ]  # fmt: skip


# Checkpoints after iterations 1 and 2 (final); random resize, so augmentation matters.
TRAINING = [*FAST_TRAINING, "SOLVER.MAX_ITER", 3, "SOLVER.CHECKPOINT_PERIOD", 2,
            "INPUT.MIN_SIZE_TRAIN", "(56, 64)", "INPUT.MAX_SIZE_TRAIN", 64]  # fmt: skip


def kill_after_checkpoint(cmd, out, cwd, name="model_0000001.pth", timeout=300):
    """Run ``cmd`` in ``cwd`` and kill -9 it as soon as ``out/last_checkpoint`` names ``name``;
    its process id."""
    proc = subprocess.Popen(
        [str(x) for x in cmd], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    tag = out / "last_checkpoint"
    deadline = time.time() + timeout
    while not (tag.exists() and tag.read_text() == name):
        assert proc.poll() is None and time.time() < deadline, proc.stderr.read()[-2000:]
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert tag.read_text() == name and not (out / "model_final.pth").exists()
    return proc.pid


def assert_same_final_state(whole, resumed, iteration):
    """The ``model_final.pth`` of folders ``whole`` and ``resumed``: same iteration, weights and
    SGD momentum."""
    a = torch.load(whole / "model_final.pth", weights_only=True)
    b = torch.load(resumed / "model_final.pth", weights_only=True)
    assert a["iteration"] == b["iteration"] == iteration
    assert a["model"].keys() == b["model"].keys()
    different = [k for k in a["model"] if not torch.equal(a["model"][k], b["model"][k])]
    assert different == []
    momentum_a = a["trainer"]["hooks"]["ExactResumeHook"]["optimizer"]["state"]
    momentum_b = b["trainer"]["hooks"]["ExactResumeHook"]["optimizer"]["state"]
    assert momentum_a.keys() == momentum_b.keys() and momentum_a
    assert all(torch.equal(momentum_a[k]["momentum_buffer"], momentum_b[k]["momentum_buffer"])
               for k in momentum_a)  # fmt: skip


def test_kill_9_and_resume_end_with_the_weights_of_an_uninterrupted_run(small_shapes, tmp_path):
    data = shapes_opts(small_shapes, test=False)
    whole = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, *data, *TRAINING,
        "OUTPUT_DIR", tmp_path / "whole", cwd=tmp_path,
    )  # fmt: skip
    assert whole.returncode == 0, whole.stderr[-2000:]

    out = tmp_path / "killed"
    killed = kill_after_checkpoint(train_cmd(out, 1, *data), out, tmp_path)
    resumed = run_tool("train_net.py", *train_cmd(out, 1, "--resume", *data)[2:], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    # The killed run's OUTPUT_DIR lock is taken over, with a warning naming it.
    assert f"taking over the lock of a run that ended without releasing it (PID {killed}" \
        in resumed.stderr  # fmt: skip
    assert "Starting training from iteration 2" in (out / "log.txt").read_text()
    assert_same_final_state(tmp_path / "whole", out, 2)
