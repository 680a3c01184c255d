"""tools/sweep.py as a user runs it: bad input, invalid cells, and one real tiny cell."""

import pytest

from gn_det.cli import run_cli, sweep
from gn_det.sweep import read_results

from ..conftest import TINY_CONFIG
from ..run_tools import FAST_TRAINING, run_tool, shapes_opts


def sweep_main(*args):
    """Run the tool in-process; its exit message (None on success)."""
    try:
        run_cli(sweep.main, [str(a) for a in args])
    except SystemExit as e:
        return str(e.code)
    return None


@pytest.mark.parametrize(
    "args,message",
    [
        (["--config-file", "nope.yaml"], "error: config file nope.yaml does not exist"),
        (["--batches", 4, 0], "error: --batches 0: must be a positive integer"),
        (["--norms", "GN+BN"], "error: --norms 'GN+BN' is not a norm"),
        (["SOLVER.NOPE", 1], "error: bad KEY VALUE override: Non-existent key: SOLVER.NOPE"),
    ],
)
def test_bad_input_is_one_error_line(tmp_path, args, message):
    base = ["--config-file", TINY_CONFIG, "--output-dir", tmp_path]
    assert sweep_main(*base, *args).startswith(message)
    assert not (tmp_path / "results.csv").exists()


def test_groups_that_do_not_divide_a_layer_make_the_cell_invalid(tmp_path, capsys):
    assert sweep_main("--config-file", TINY_CONFIG, "--output-dir", tmp_path, "--norms", "GN",
                      "--batches", 4, "--groups", 16, 48, "--dry-run") is None  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "GN_b4_g16: pending"
    assert lines[1].startswith("GN_b4_g48: invalid MODEL.NORM.NUM_GROUPS=48 does not divide")
    assert "backbone.bottom_up.stem.conv1 has 64 channels" in lines[1]


def test_a_real_cell_runs_then_is_skipped(small_shapes, tmp_path):
    args = ["--config-file", TINY_CONFIG, "--output-dir", tmp_path / "sw", "--norms", "GN+WS",
            "--batches", 2, "--train-images", 2]  # fmt: skip
    args += [*FAST_TRAINING, *shapes_opts(small_shapes)]
    proc = run_tool("sweep.py", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "sweep: [1/1] GN+WS_b2 done (bbox_ap" in proc.stdout
    (row,) = read_results(tmp_path / "sw" / "results.csv")
    assert row["status"] == "done" and row["iters"] == 1 and row["bbox_ap"] is not None
    config = (tmp_path / "sw" / "GN+WS_b2" / "config.yaml").read_text()
    assert "WS: true" in config and "MAX_ITER: 1\n" in config
    assert sweep_main(*args) is None  # finished: skipped, nothing runs
    assert read_results(tmp_path / "sw" / "results.csv") == [row]
