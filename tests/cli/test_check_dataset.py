"""tools/check_dataset.py: a summary table, exit 1 on errors, --fix-out, clear usage errors."""

import json

import pytest

from gn_det.cli import check_dataset, run_cli

from ..coco.coco_sample import GOOD, write_dataset
from ..run_tools import run_tool


def bad_dataset(folder):
    data = json.loads(json.dumps(GOOD))
    data["annotations"][0]["bbox"] = [2, 2, -3, 8]
    data["annotations"][2]["segmentation"][1] = [1, 1, 5, 1]
    data["images"][1]["width"] = 40
    return write_dataset(folder, data)


def test_errors_are_tabled_and_exit_1_and_fix_out_cleans(tmp_path):
    json_file, image_root = bad_dataset(tmp_path)
    original = open(json_file, "rb").read()
    clean = tmp_path / "clean.json"
    args = ["--json", json_file, "--images", image_root, "--fix-out", clean]
    proc = run_tool("check_dataset.py", *args, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    out = proc.stdout
    assert "ann.json: 2 images, 3 annotations, 2 categories" in out
    assert "image size mismatch" in out and "image 2 (b.png): file 32x24, JSON 40x24" in out
    assert "bad box size" in out and "annotation 1 (image 1): bbox [2, 2, -3, 8]" in out
    assert "short polygon" in out and "annotation 3 (image 2): polygon 1 has 4" in out
    assert "3 errors, 0 warnings" in out
    assert f"wrote {clean}: images dropped: 1, annotations dropped: 2" in out
    assert open(json_file, "rb").read() == original
    proc = run_tool("check_dataset.py", "--json", clean, "--images", image_root, cwd=tmp_path)
    assert proc.returncode == 0 and "0 errors" in proc.stdout


def test_a_good_registered_dataset_passes(small_shapes, capsys):
    assert run_cli(check_dataset.main, [small_shapes["train"][0]]) == 0
    assert "24 images" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["shapes_trian"], "'shapes_trian' is not registered. Close names: ['shapes_train'"),
        (["--json", "nope.json", "--images", "."], "annotation file nope.json does not exist"),
        (["--json", "ann.json", "--images", "no_dir"], "image folder no_dir does not exist"),
        (["--json", "ann.json", "--images", "img", "--fix-out", "ann.json"],
         "--fix-out ann.json is the input file"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_with_one_line(tmp_path, monkeypatch, argv, expected):
    write_dataset(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        run_cli(check_dataset.main, argv)
    assert str(info.value.code).startswith("error: ") and expected in str(info.value.code)
