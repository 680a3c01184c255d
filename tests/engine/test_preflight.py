"""Fail fast: a run that cannot work stops before any process, data or GPU, with one line."""

import json
import os
import re
import socket

import pytest
import torch

from gn_det.checkpoint import CheckpointError, weights
from gn_det.cli import run_cli, train_net
from gn_det.data import DatasetError
from gn_det.engine.preflight import preflight
from gn_det.engine.setup import ConfigError
from gn_det.modeling import NormConfigError
from gn_det.utils.output_paths import OutputPathError

from ..coco.coco_sample import GOOD, write_dataset
from ..conftest import TINY_CONFIG, tiny_cfg
from ..run_tools import run_tool, shapes_opts

R50_URL = "https://dl.fbaipublicfiles.com/detectron2/ImageNetPretrained/MSRA/R-50.pkl"


def small_cfg(small_shapes, tmp_path, *opts):
    train, val = small_shapes["train"][0], small_shapes["val"][0]
    return tiny_cfg(
        "DATASETS.TRAIN", f"('{train}',)", "DATASETS.TEST", f"('{val}',)",
        "OUTPUT_DIR", tmp_path / "out", *opts,
    )  # fmt: skip


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No downloads allowed, and an empty iopath cache."""
    monkeypatch.setenv("GN_DET_ALLOW_DOWNLOAD", "0")
    monkeypatch.setenv("FVCORE_CACHE", str(tmp_path / "cache"))


@pytest.mark.parametrize(
    "opts,processes,error,expected",
    [
        (["SOLVER.IMS_PER_BATCH", 3], 2, ConfigError,
         "SOLVER.IMS_PER_BATCH=3 must be a positive multiple of the number of processes (2"),
        (["SOLVER.IMS_PER_BATCH", 4, "SOLVER.REFERENCE_WORLD_SIZE", 3], 1, ConfigError,
         "SOLVER.IMS_PER_BATCH=4 is not divisible by SOLVER.REFERENCE_WORLD_SIZE=3"),
        ([], 0, ConfigError, "--num-gpus 0 --num-machines 1: both must be >= 1"),
        (["SOLVER.CHECKPOINT_PERIOD", 0], 1, ConfigError, "SOLVER.CHECKPOINT_PERIOD=0 must be > 0"),
        (["SOLVER.MAX_ITER", 0], 1, ConfigError, "SOLVER.MAX_ITER=0 must be > 0"),
        (["SOLVER.NORM_LR_FACTOR", -0.5], 1, ConfigError,
         "SOLVER.NORM_LR_FACTOR=-0.5 must be >= 0"),
        (["DATASETS.TRAIN", "()"], 1, ConfigError, "DATASETS.TRAIN is empty"),
        (["DATALOADER.SAMPLER_TRAIN", "Shuffled"], 1, ConfigError,
         "DATALOADER.SAMPLER_TRAIN='Shuffled' is not one of"),
        (["MODEL.NORM.TYPE", "SyncBN"], 1, ConfigError, "this run has one process"),
        (["MODEL.NORM.NUM_GROUPS", 48], 1, NormConfigError,
         "backbone.bottom_up.stem.conv1 has 64 channels"),
        (["MODEL.NORM.CHANNELS_PER_GROUP", 24], 1, NormConfigError,
         "MODEL.NORM.CHANNELS_PER_GROUP=24 does not divide"),
        (["MODEL.BACKBONE.NAME", "build_nope_backbone"], 1, ConfigError,
         "No object named 'build_nope_backbone' found in 'BACKBONE' registry"),
        (["MODEL.PIXEL_STD", "[57.0, 0.0, 58.0]"], 1, ConfigError,
         "MODEL.PIXEL_STD=[57.0, 0.0, 58.0] has a zero"),
        (["MODEL.PIXEL_STD", "[57.0, 58.0]"], 1, ConfigError,
         "MODEL.PIXEL_MEAN has 3 values and MODEL.PIXEL_STD 2"),
        (["MODEL.WEIGHTS", "/no/such/weights.pth"], 1, ConfigError,
         "MODEL.WEIGHTS /no/such/weights.pth does not exist"),
        (["MODEL.WEIGHTS", "catalog://ImageNetPretrained/NOPE"], 1, ConfigError,
         "catalog://ImageNetPretrained/NOPE is not in detectron2's model catalog"),
        (["MODEL.ROI_HEADS.NUM_CLASSES", 3], 1, DatasetError,
         "has 5 categories but MODEL.ROI_HEADS.NUM_CLASSES is 3"),
        (["DATASETS.TEST", "('shapes_vall',)"], 1, DatasetError,
         "'shapes_vall' is not registered. Close names: ['shapes_val'"),
    ],
)  # fmt: skip
def test_bad_config_is_rejected(small_shapes, tmp_path, opts, processes, error, expected):
    cfg = small_cfg(small_shapes, tmp_path, *opts)
    with pytest.raises(error) as info:
        preflight(cfg, num_processes=processes)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_group_count_is_checked_before_any_data(small_shapes, tmp_path):
    cfg = small_cfg(small_shapes, tmp_path, "MODEL.NORM.NUM_GROUPS", 48)
    cfg.DATASETS.TRAIN = ("not_registered_anywhere",)
    with pytest.raises(NormConfigError, match="does not divide"):
        preflight(cfg)


def test_syncbn_works_with_processes_and_for_evaluation(small_shapes, tmp_path):
    cfg = small_cfg(small_shapes, tmp_path, "MODEL.NORM.TYPE", "SyncBN")
    assert preflight(cfg, num_processes=2) == []
    assert preflight(cfg, eval_only=True) == []


def test_good_config_passes_without_warnings(small_shapes, tmp_path):
    assert preflight(small_cfg(small_shapes, tmp_path)) == []


def test_frozen_bn_from_scratch_warns_why(small_shapes, tmp_path):
    cfg = small_cfg(small_shapes, tmp_path, "MODEL.NORM.TYPE", "FrozenBN")
    (warning,) = preflight(cfg)
    assert re.match(r"FrozenBN layers \(backbone\.\S+\.norm, .* and \d+ more\)", warning)
    assert "will not learn" in warning and "MODEL.NORM.TYPE GN" in warning
    weights_file = tmp_path / "pretrained.pth"
    torch.save({"model": {}}, weights_file)
    cfg.MODEL.WEIGHTS = str(weights_file)
    assert preflight(cfg) == []


def test_frozen_stages_from_scratch_warn(small_shapes, tmp_path):
    cfg = small_cfg(small_shapes, tmp_path, "MODEL.BACKBONE.FREEZE_AT", 2)
    (warning,) = preflight(cfg)
    assert "MODEL.BACKBONE.FREEZE_AT=2 freezes" in warning
    assert "backbone.bottom_up.stem.conv1.weight" in warning


def test_output_dir_that_is_a_file(small_shapes, tmp_path):
    cfg = small_cfg(small_shapes, tmp_path)
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(OutputPathError, match="OUTPUT_DIR .*out exists and is not a folder"):
        preflight(cfg)
    with pytest.raises(OutputPathError, match="OUTPUT_DIR"):
        preflight(cfg, eval_only=True)  # evaluation writes its results there too


def test_old_checkpoints_without_resume_warn(small_shapes, tmp_path):
    cfg = small_cfg(small_shapes, tmp_path)
    os.makedirs(cfg.OUTPUT_DIR)
    (tmp_path / "out" / "last_checkpoint").write_text("model_final.pth")
    (warning,) = preflight(cfg)
    assert "without --resume training starts at iteration 0 and overwrites them" in warning


@pytest.mark.parametrize(
    "content,expected", [(None, "does not exist"), (b"PK\x03\x04ab", "truncated")]
)
def test_resume_from_a_missing_or_truncated_checkpoint(small_shapes, tmp_path, content, expected):
    cfg = small_cfg(small_shapes, tmp_path)
    os.makedirs(cfg.OUTPUT_DIR)
    (tmp_path / "out" / "last_checkpoint").write_text("model_0000009.pth")
    if content is not None:
        (tmp_path / "out" / "model_0000009.pth").write_bytes(content)
    with pytest.raises(CheckpointError) as info:
        preflight(cfg, resume=True)
    assert "last_checkpoint names 'model_0000009.pth'" in str(info.value)
    assert expected in str(info.value)


def test_remote_weights_offline_say_how_to_get_them(small_shapes, tmp_path, offline):
    cfg = small_cfg(
        small_shapes, tmp_path, "MODEL.WEIGHTS", "detectron2://ImageNetPretrained/MSRA/R-50.pkl"
    )
    with pytest.raises(ConfigError) as info:
        preflight(cfg)
    message = str(info.value)
    assert f"must be downloaded from {R50_URL}" in message
    assert "GN_DET_ALLOW_DOWNLOAD=0 forbids downloads" in message
    assert (
        "Download it on a connected machine" in message
        and "MODEL.WEIGHTS /path/to/R-50.pkl" in message
    )


def test_cached_remote_weights_are_used(tmp_path, offline):
    cached = weights.cached_path(R50_URL)
    os.makedirs(os.path.dirname(cached))
    with open(cached, "wb") as f:
        f.write(b"\x80\x02}q\x00.")  # an (empty) pickle
    assert str(tmp_path / "cache") in cached
    weights.check_weights("detectron2://ImageNetPretrained/MSRA/R-50.pkl")


def test_catalog_names_resolve_to_their_url():
    url = weights.weights_url("catalog://ImageNetPretrained/FAIR/R-50-GN")
    assert url.startswith("https://dl.fbaipublicfiles.com/detectron/") and url.endswith(
        "R-50-GN.pkl"
    )


def test_unreachable_host_is_an_error_and_reachable_allows_download(monkeypatch, tmp_path):
    monkeypatch.delenv("GN_DET_ALLOW_DOWNLOAD", raising=False)
    monkeypatch.setenv("FVCORE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(weights, "host_reachable", lambda url: False)
    with pytest.raises(ConfigError, match="dl.fbaipublicfiles.com cannot be reached"):
        weights.check_weights("https://dl.fbaipublicfiles.com/x/model.pkl")
    monkeypatch.setattr(weights, "host_reachable", lambda url: True)
    weights.check_weights("https://dl.fbaipublicfiles.com/x/model.pkl")
    monkeypatch.setattr(weights, "host_reachable", lambda url: pytest.fail("probed"))
    monkeypatch.setenv("GN_DET_ALLOW_DOWNLOAD", "1")
    weights.check_weights("https://dl.fbaipublicfiles.com/x/model.pkl")


def test_host_probe_is_bounded_and_honest():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert weights.host_reachable(f"http://127.0.0.1:{port}/w.pkl", timeout=2)
    assert not weights.host_reachable(f"http://127.0.0.1:{port}/w.pkl", timeout=2)


def test_train_net_stops_before_starting_processes(tmp_path, small_shapes):
    proc = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, "--num-gpus", 2,
        *shapes_opts(small_shapes), "SOLVER.IMS_PER_BATCH", 3, "OUTPUT_DIR", tmp_path / "out",
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "error: SOLVER.IMS_PER_BATCH=3 must be a positive multiple" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "out" / "log.txt").exists()  # no process was started


def test_train_net_offline_weights_fail_at_once(tmp_path, small_shapes):
    env = {"GN_DET_ALLOW_DOWNLOAD": "0", "FVCORE_CACHE": str(tmp_path / "cache")}
    proc = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, *shapes_opts(small_shapes),
        "MODEL.WEIGHTS", "detectron2://ImageNetPretrained/MSRA/R-50.pkl",
        "OUTPUT_DIR", tmp_path / "out", cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"error: MODEL.WEIGHTS detectron2://ImageNetPretrained/MSRA/R-50.pkl must be " \
        f"downloaded from {R50_URL}" in proc.stderr  # fmt: skip
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture(scope="module")
def train_net_cli():
    return lambda argv: run_cli(train_net.main, argv)


def _truncated_resume(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "last_checkpoint").write_text("model_0000002.pth")
    (tmp_path / "out" / "model_0000002.pth").write_bytes(b"PK\x03\x04 cut here")
    return ["--resume"]


def _broken_dataset(tmp_path):
    data = json.loads(json.dumps(GOOD))
    data["annotations"][1]["bbox"] = [2, 2, 0, 0]
    json_file, image_root = write_dataset(tmp_path, data)
    return ["DATASETS.REGISTER_COCO", json.dumps([["broken_set", json_file, image_root]]),
            "DATASETS.TRAIN", "('broken_set',)"]  # fmt: skip


@pytest.mark.parametrize(
    "make_args,expected",
    [
        (_truncated_resume, "last_checkpoint names 'model_0000002.pth', but "),
        (_broken_dataset, "dataset 'broken_set' ("),
        (lambda p: ["MODEL.NORM.TYPE", "SyncBN"], "SyncBN layers"),
        (lambda p: ["MODEL.WEIGHTS", p / "w.pth"], "w.pth does not exist"),
        (lambda p: ["MODEL.NORM.TYPE", "GN", "MODEL.NORM.NUM_GROUPS", 0], "NUM_GROUPS=0 must"),
    ],
)  # fmt: skip
def test_train_net_cli_exits_with_one_line(
    train_net_cli, small_shapes, tmp_path, make_args, expected
):
    args = [str(a) for a in make_args(tmp_path)]
    flags = [a for a in args if a.startswith("--")]
    argv = [*flags, "--config-file", str(TINY_CONFIG), *map(str, shapes_opts(small_shapes))]
    argv += ["OUTPUT_DIR", str(tmp_path / "out"), *(a for a in args if a not in flags)]
    with pytest.raises(SystemExit) as info:
        train_net_cli(argv)
    message = str(info.value.code)  # a message as exit code: printed to stderr, status 1
    assert message.startswith("error: ") and expected in message and "\n" not in message
