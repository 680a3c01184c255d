"""Whole-run A/B comparisons: arms, rotated order, what a run logged, the summary."""

import json
import os

import pytest

from gn_det.benchmark.whole_runs import (
    Arm,
    ArmError,
    read_run,
    run_group,
    run_groups,
    run_once,
    run_order,
    same_losses,
    summary_tables,
)

from .fake_tree import fake_tree


@pytest.fixture
def tree(tmp_path):
    return fake_tree(tmp_path)


def test_arms_parse_and_bad_ones_are_one_error(tree):
    arm = Arm.parse(f"after={tree},OMP_WAIT_POLICY=PASSIVE")
    assert arm.name == "after" and arm.env == {"OMP_WAIT_POLICY": "PASSIVE"}
    env = arm.environ({"OMP_NUM_THREADS": "2", "HOME": "/h"})
    assert env == {"HOME": "/h", "OMP_WAIT_POLICY": "PASSIVE", "PYTHONPATH": tree}
    with pytest.raises(ArmError, match="expected NAME=TREE"):
        Arm.parse("after")
    with pytest.raises(ArmError, match="holds no tools/train_net.py"):
        Arm.parse("after=/nonexistent")
    with pytest.raises(ArmError, match="'PASSIVE' is not KEY=VALUE"):
        Arm.parse(f"after={tree},PASSIVE")


def test_run_order_rotates_the_arms(tree):
    a, b = Arm("a", tree), Arm("b", tree)
    order = [(r, s, arm.name) for r, s, arm in run_order([a, b], seeds=[1, 2], rounds=1)]
    assert order == [(0, 1, "a"), (0, 1, "b"), (0, 2, "b"), (0, 2, "a")]


def test_runs_are_read_and_compared(tree, tmp_path):
    arms = [Arm("before", tree), Arm("after", tree), Arm("shifted", tree, {"LOSS_SHIFT": "1"})]
    runs = []
    for round_, seed, arm in run_order(arms, seeds=[1, 2], rounds=1):
        out = str(tmp_path / f"{arm.name}_{seed}")
        runs.append({"round": round_, **run_once(arm, "cfg.yaml", seed, out, base_env={
            **os.environ, "OMP_NUM_THREADS": "3"})})  # fmt: skip
    first = runs[0]
    assert first["returncode"] == 0 and first["wall_s"] > 0 and first["cpu_s"] >= 0
    assert first["ap"] == {"bbox": 51.0, "segm": 40.0} and first["s_per_iter"] == 0.5
    assert first["losses"][0][:2] == [19, 20.0] and first["data_time"] == 0.01
    assert same_losses(runs, "after", "before") and not same_losses(runs, "shifted", "before")
    tables = summary_tables(runs, ["before", "after", "shifted"], "before")
    assert "| after " in tables and "51.50 ± 6.36" in tables and "40.00 ± 0.00" in tables
    json.dumps(runs)  # runs.json holds them


def test_read_run_of_an_unfinished_run(tmp_path):
    assert read_run(str(tmp_path)) == {"ap": {}, "losses": [], "data_time": None,
                                       "s_per_iter": None}  # fmt: skip


def test_parallel_groups_run_the_arms_of_a_seed_together(tree, tmp_path):
    arms = [Arm("a", tree), Arm("b", tree)]
    order = run_order(arms, seeds=[1, 2], rounds=1)
    assert [len(g) for g in run_groups(order, parallel=False)] == [1, 1, 1, 1]
    groups = run_groups(order, parallel=True)
    assert [[(s, arm.name) for _, s, arm in g] for g in groups] == [
        [(1, "a"), (1, "b")],
        [(2, "b"), (2, "a")],
    ]
    results = run_group(groups[0], str(tmp_path / "out"), "cfg.yaml")
    assert [(r["arm"], r["round"], r["returncode"]) for r in results] == [("a", 0, 0), ("b", 0, 0)]
    assert all(r["cpu_s"] > 0 and r["ap"]["bbox"] == 51.0 for r in results)
    assert os.path.isfile(tmp_path / "out" / "b_seed1_round0" / "metrics.json")
