"""tools/bench_eval.py at a tiny size: both libraries run, stats agree, the ratio is printed."""

import pytest

from gn_det.cli import bench_eval, run_cli

TINY = ["--num-images", "15", "--max-dets", "12", "--num-classes", "4"]


def test_tiny_benchmark_times_both_and_checks_the_stats(capsys):
    run_cli(bench_eval.main, TINY)
    out = capsys.readouterr().out
    assert "synthetic set: 15 images, 4 classes" in out and "crowd" in out
    rows = {
        line.split()[0]: line.split() for line in out.splitlines() if line[:5] in ("bbox ", "segm ")
    }
    assert set(rows) == {"bbox", "segm"}
    for row in rows.values():
        assert float(row[1]) > 0 and float(row[2]) > 0  # seconds of pycocotools and gn_det
        assert row[3].endswith("x") and float(row[3][:-1]) > 0  # the speed ratio
        assert row[4].split(":")[1] in ("ok", "below")  # against the expected speed-up
        assert float(row[5]) <= 1e-9  # largest difference of the 12 stats
    assert "all 12 stats agree within 1e-09" in out


def test_a_difference_beyond_the_tolerance_fails(capsys):
    with pytest.raises(SystemExit, match="a stat differs from pycocotools by more than -1.0"):
        run_cli(bench_eval.main, [*TINY, "--tasks", "bbox", "--tolerance", "-1"])


def test_bad_size_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        run_cli(bench_eval.main, ["--num-images", "0"])
    assert info.value.code == 2
    assert "argument --num-images: must be > 0, got 0" in capsys.readouterr().err
