"""tools/lazyconfig_train_net.py end to end on the CPU: the Shapes LazyConfig trains a few
iterations and evaluates, --eval-only gives the same AP, --resume after kill -9 continues
exactly, and bad input is one error line."""

import re
import sys

import pytest

from gn_det.cli import lazyconfig_train_net, run_cli

from ..bad_input.expect import assert_one_error
from ..conftest import REPO
from ..engine.test_resume import assert_same_final_state, kill_after_checkpoint
from ..run_tools import run_tool

SHAPES = str(REPO / "configs" / "Shapes" / "mask_rcnn_R_18_FPN_tiny.py")
NODES = ("model", "dataloader", "optimizer", "lr_multiplier", "train")

# Three iterations, checkpoints after iterations 1 and 2 (final), random resize (as
# tests/engine/test_resume.py's TRAINING), every detection kept at evaluation.
LAZY_TRAINING = [
    "dataloader.train.total_batch_size=2", "train.max_iter=3", "train.checkpointer.period=2",
    "lr_multiplier.scheduler.values=[1.0]", "lr_multiplier.scheduler.milestones=[]",
    f"lr_multiplier.warmup_length={2 / 3}",
    "dataloader.train.mapper.augmentations.0.short_edge_length=[56,64]",
    "dataloader.train.mapper.augmentations.0.max_size=64",
    "dataloader.test.mapper.augmentations.0.short_edge_length=96",
    "dataloader.test.num_workers=0", "model.roi_heads.box_predictor.test_score_thresh=0.0",
]  # fmt: skip


def small_config(small_shapes, folder):
    """A LazyConfig file: the Shapes LazyConfig on the small test splits, which it registers."""
    (train, *train_files), (val, *val_files) = small_shapes["train"], small_shapes["val"]
    path = folder / "shapes_small.py"
    path.write_text(
        "from detectron2.config import LazyConfig\n"
        "from gn_det.data import register_coco_format\n\n"
        f"register_coco_format({train!r}, *{train_files!r})\n"
        f"register_coco_format({val!r}, *{val_files!r})\n"
        f"{', '.join(NODES)} = LazyConfig.load({SHAPES!r}, {NODES!r})\n"
        f"dataloader.train.dataset.names = {train!r}\n"
        f"dataloader.test.dataset.names = {val!r}\n"
    )
    return path


def lazy_cmd(config, out, workers, *extra):
    """tools/lazyconfig_train_net.py's arguments: flags, then key=value overrides."""
    flags = [x for x in extra if str(x).startswith("--")]
    overrides = [x for x in extra if not str(x).startswith("--")]
    return [
        "--config-file", config, *flags, *LAZY_TRAINING, f"dataloader.train.num_workers={workers}",
        f"train.output_dir='{out}'", *overrides,
    ]  # fmt: skip


def ap_line(log):
    return re.search(r"\S+: bbox AP \S+ segm AP \S+", log).group(0)


@pytest.fixture(scope="module")
def trained(small_shapes, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lazy")
    config = small_config(small_shapes, folder)
    proc = run_tool("lazyconfig_train_net.py", *lazy_cmd(config, folder / "whole", 0), cwd=folder)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return folder, config


def test_training_writes_checkpoints_metrics_and_the_ap_line(trained, small_shapes):
    folder, _ = trained
    out = folder / "whole"
    for name in ("model_0000001.pth", "model_final.pth", "config.yaml", "metrics.json"):
        assert (out / name).is_file(), name
    assert (out / "last_checkpoint").read_text() == "model_final.pth"
    assert (out / "inference" / "coco_segm_results.json").is_file()  # FastCOCOEvaluator's
    log = (out / "log.txt").read_text()
    assert "eta:" in log and "Evaluation results for segm" in log
    assert ap_line(log).startswith(f"{small_shapes['val'][0]}: bbox AP ")
    metrics = (out / "metrics.json").read_text()
    assert '"bbox/AP"' in metrics and '"segm/AP"' in metrics and '"total_loss"' in metrics


def test_eval_only_gives_the_ap_of_the_training_run(trained):
    folder, config = trained
    out = folder / "eval"
    weights = folder / "whole" / "model_final.pth"
    proc = run_tool(
        "lazyconfig_train_net.py", *lazy_cmd(config, out, 0, "--eval-only"),
        f"train.init_checkpoint='{weights}'", cwd=folder,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = (out / "log.txt").read_text()
    assert re.search(r"\|\s+matched\s+\|", log)  # the per-part table of what loaded
    assert ap_line(log) == ap_line((folder / "whole" / "log.txt").read_text())
    assert not list(out.glob("model_*.pth"))


def test_kill_9_and_resume_end_with_the_weights_of_an_uninterrupted_run(trained):
    folder, config = trained
    out = folder / "killed"
    tool = str(REPO / "tools" / "lazyconfig_train_net.py")
    kill_after_checkpoint([sys.executable, tool, *lazy_cmd(config, out, 1)], out, folder)
    resumed = run_tool("lazyconfig_train_net.py", *lazy_cmd(config, out, 1, "--resume"),
                       cwd=folder)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Starting training from iteration 2" in (out / "log.txt").read_text()
    assert_same_final_state(folder / "whole", out, 2)


def test_bad_norm_override_is_one_error_line_before_any_process(trained):
    folder, config = trained
    out = folder / "bad"
    proc = run_tool("lazyconfig_train_net.py", *lazy_cmd(config, out, 0),
                    "model.norm.num_groups=48", cwd=folder)  # fmt: skip
    assert_one_error(proc, "model.norm.num_groups=48 does not divide the channels of 36 layer(s)")
    assert not (out / "log.txt").exists()


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--config-file", SHAPES.replace(".py", ".yaml")], "takes LazyConfig .py files"),
        (["--config-file", SHAPES, "model.norm.tpye=LN"], "did you mean type?"),
        (["--config-file", SHAPES, "MODEL.NORM.TYPE", "LN"], "KEY VALUE pairs are for YAML"),
        (["--config-file", SHAPES, "train.amp.enabled=True"], "train.amp.enabled=True needs"),
    ],
)
def test_cli_user_errors_exit_with_one_line(argv, expected):
    with pytest.raises(SystemExit) as info:
        run_cli(lazyconfig_train_net.main, argv)
    message = str(info.value.code)
    assert message.startswith("error: ") and expected in message and "\n" not in message
