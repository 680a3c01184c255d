"""Unreadable weights files, run as a user would: one ``error:`` line naming the file in every
tool that reads weights, exit status 1, no traceback, no code run, nothing changed; and a
valid file loads whatever the case of its extension."""

import pickle

import pytest
import torch
from detectron2.modeling import build_model
from safetensors.torch import save_file

from ..checkpoint.exploit import Exploit
from ..conftest import TINY_CONFIG, tiny_cfg
from ..run_tools import run_tool, shapes_opts
from .expect import assert_one_error, tree_digest


def _text(path):
    path.write_text("these are notes, not weights\n")


def _bad_header(path):
    save_file({"w": torch.ones(4)}, str(path))
    data = bytearray(path.read_bytes())
    data[:8] = (10**9).to_bytes(8, "little")  # a header larger than the file
    path.write_bytes(bytes(data))


def _cut_data(path):
    save_file({"w": torch.ones(1000)}, str(path))
    path.write_bytes(path.read_bytes()[:-100])  # the header is fine, the tensor is cut


def weights(tmp_path, make, name):
    folder = tmp_path / "weights"
    folder.mkdir()
    make(folder / name)
    return folder / name, tree_digest(folder)


@pytest.mark.parametrize(
    "make,name,args,expected",
    [
        (_text, "model.pth", ["train_net.py", "--config-file", TINY_CONFIG],
         "is not a checkpoint: its content is none of a torch file, a pickle or safetensors "
         "(it starts with text 'these are notes,"),
        (_bad_header, "model.safetensors",
         ["train_net.py", "--eval-only", "--config-file", TINY_CONFIG],
         "is a damaged safetensors file: its header claims 1000000000 bytes"),
        (_text, "model.PTH", ["visualize.py", "--config-file", TINY_CONFIG, "--output", "vis"],
         "is not a checkpoint"),
        (_bad_header, "r50.safetensors", ["convert_pretrained.py", "--format", "timm"],
         "is a damaged safetensors file"),
        (_text, "teacher.pkl", ["distill_gn_backbone.py", "--config-file", TINY_CONFIG],
         "teacher.pkl cannot be read as a weights pickle"),
    ],
)  # fmt: skip
def test_unreadable_weights_are_one_line_in_every_tool(tmp_path, make, name, args, expected):
    path, before = weights(tmp_path, make, name)
    tool, *args = args
    if tool == "convert_pretrained.py":
        args = [path, tmp_path / "out.pkl", *args]
    elif tool == "distill_gn_backbone.py":
        args += ["--teacher", path, "--output-dir", tmp_path / "out"]
    else:
        args += ["MODEL.WEIGHTS", path, "OUTPUT_DIR", tmp_path / "out"]
    line = assert_one_error(run_tool(tool, *args, cwd=tmp_path), expected)
    assert str(path) in line
    assert tree_digest(tmp_path / "weights") == before
    assert not (tmp_path / "out.pkl").exists()


@pytest.mark.parametrize("processes", [1, 2])
def test_weights_damaged_past_their_header_are_one_line(small_shapes, tmp_path, processes):
    path, before = weights(tmp_path, _cut_data, "model.safetensors")
    tool = "evaluate.py" if processes == 1 else "train_net.py"
    extra = [] if processes == 1 else ["--eval-only"]
    proc = run_tool(
        tool, "--config-file", TINY_CONFIG, "--num-gpus", processes, "--dist-url", "auto", *extra,
        *shapes_opts(small_shapes), "MODEL.WEIGHTS", path, "OUTPUT_DIR", tmp_path / "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert_one_error(proc, f"{path} cannot be read as a safetensors file (SafetensorError")
    assert tree_digest(tmp_path / "weights") == before


def test_code_in_weights_named_in_capitals_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    path, before = weights(
        tmp_path,
        lambda p: p.write_bytes(pickle.dumps({"model": Exploit(marker), "__author__": "x"})),
        "MODEL.PKL",
    )
    proc = run_tool(
        "train_net.py", "--config-file", TINY_CONFIG, "--eval-only", "MODEL.WEIGHTS", path,
        "OUTPUT_DIR", tmp_path / "out", cwd=tmp_path,
    )  # fmt: skip
    assert_one_error(proc, "MODEL.PKL: refusing to load posix.system")
    assert not marker.exists() and tree_digest(tmp_path / "weights") == before


def test_a_damaged_checkpoint_to_resume_from_is_one_line(tmp_path):
    out = tmp_path / "pretrain"
    out.mkdir()
    (out / "last_checkpoint").write_text("model_0000009.pth")
    _text(out / "model_0000009.pth")
    before = tree_digest(out)
    proc = run_tool(
        "pretrain_backbone.py", "--config-file", TINY_CONFIG, "--output-dir", out, "--resume",
        "--epochs", 1, "--num-images", 20, cwd=tmp_path,
    )  # fmt: skip
    assert_one_error(proc, "last_checkpoint names 'model_0000009.pth', but ")
    after = tree_digest(out)
    assert {k: after.get(k) for k in before} == before  # logs may be new, nothing changed


def test_valid_weights_named_in_capitals_load(small_shapes, tmp_path):
    state = build_model(tiny_cfg()).state_dict()
    arrays = {k: v.detach().numpy() for k, v in state.items()}
    path = tmp_path / "model_final.PKL"  # a detectron2 pickle (torch files: test_safe_load)
    path.write_bytes(pickle.dumps({"model": arrays, "__author__": "test"}))
    proc = run_tool(
        "evaluate.py", "--config-file", TINY_CONFIG, *shapes_opts(small_shapes),
        "MODEL.WEIGHTS", path, "INPUT.MIN_SIZE_TEST", 96, "OUTPUT_DIR", tmp_path / "out",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "bbox" in proc.stdout and "error:" not in proc.stderr
