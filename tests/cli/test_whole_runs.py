"""projects/Performance/whole_runs.py: runs recorded and skipped when done, bad input."""

import json

import pytest

from gn_det.cli import run_cli, whole_runs

from ..benchmark.fake_tree import fake_tree


@pytest.fixture
def tree(tmp_path):
    return fake_tree(tmp_path)


def run_tool(*args):
    return run_cli(whole_runs.main, [str(a) for a in args])


def test_runs_are_recorded_and_a_second_call_skips_them(tree, tmp_path, capsys):
    out = tmp_path / "runs"
    arms = ["--arm", f"a={tree}", "--arm", f"b={tree},LOSS_SHIFT=1"]
    runs = run_tool("--out", out, *arms, "--seeds", 1, 2)
    assert sorted((r["arm"], r["seed"]) for r in runs) == [("a", 1), ("a", 2), ("b", 1), ("b", 2)]
    printed = capsys.readouterr().out
    assert "[4/4]" in printed and "ETA" in printed and "losses identical to a" in printed
    assert json.loads((out / "runs.json").read_text()) == json.loads(json.dumps(runs))
    again = run_tool("--out", out, *arms, "--seeds", 1, 2)
    assert "[1/" not in capsys.readouterr().out  # nothing ran again
    assert [r["wall_s"] for r in again] == [r["wall_s"] for r in runs]


def test_bad_input_is_one_error_line(tree, tmp_path):
    out = tmp_path / "runs"
    with pytest.raises(SystemExit, match=r"^error: --arm 'a': expected NAME=TREE"):
        run_tool("--out", out, "--arm", "a")
    with pytest.raises(SystemExit, match=r"^error: arm names must be unique"):
        run_tool("--out", out, "--arm", f"a={tree}", "--arm", f"a={tree}")
    with pytest.raises(SystemExit, match=r"^error: arm names must be unique and --ref"):
        run_tool("--out", out, "--arm", f"a={tree}", "--ref", "b")
    out.mkdir()
    (out / "runs.json").write_text("{not json")
    with pytest.raises(SystemExit, match=r"^error: .*runs.json: not a runs file of this tool"):
        run_tool("--out", out, "--arm", f"a={tree}")
    (out / "runs.json").write_text(json.dumps([{"round": 0}]))
    with pytest.raises(SystemExit, match=r"^error: .*runs.json: expected a list of runs"):
        run_tool("--out", out, "--arm", f"a={tree}")
