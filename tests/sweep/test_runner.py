"""Sweep runner with a fake training tool: skip, resume, failures, results.csv and plots."""

import json
import os
import threading
import time

import pytest

from gn_det.sweep import (
    BaseSchedule,
    ClassificationTask,
    DetectionTask,
    Sweep,
    SweepError,
    build_grid,
    markdown_table,
    plot_sweep,
    read_results,
)
from gn_det.sweep import runner as runner_module
from gn_det.sweep.records import RUN_KEY, StudyRecords
from gn_det.sweep.report import report_markdown
from gn_det.sweep.runner import failure_reason, print_line

from ..conftest import TINY_CONFIG, tiny_cfg


class FakeTool:
    """Stands in for the training tool: writes what a finished (or failed) run leaves."""

    def __init__(self, fail=(), detection=False):
        self.calls, self.fail, self.detection = [], set(fail), detection

    def __call__(self, argv, log_path):
        self.calls.append(argv)
        key = "OUTPUT_DIR" if self.detection else "--output-dir"
        folder = argv[argv.index(key) + 1]
        batch = int(
            argv[argv.index("SOLVER.IMS_PER_BATCH" if self.detection else "--batch-size") + 1]
        )
        if os.path.basename(folder) in self.fail:
            with open(log_path, "a") as f:
                f.write("loss\nerror: training diverged at iteration 3 (loss nan)\n")
            return 1
        if self.detection:
            open(os.path.join(folder, "model_final.pth"), "w").close()
            with open(os.path.join(folder, "metrics.json"), "w") as f:
                f.write(
                    json.dumps({"iteration": 9, "bbox/AP": 50.0 + batch, "segm/AP": 40.0}) + "\n"
                )
        else:
            with open(os.path.join(folder, "results.json"), "w") as f:
                json.dump({"top1_error": 10.0 - batch, "wall_s": 2.5, "status": "done"}, f)
        return 0


def classification_sweep(out, runner, norms=("BN", "GN"), batches=(4, 2)):
    schedule = BaseSchedule.from_config(tiny_cfg(), batch=4, lr=0.1)
    task = ClassificationTask(
        str(TINY_CONFIG), ["MODEL.NORM.EPS", "1e-5"], schedule, ["--num-images", "9"], epochs=3
    )
    return Sweep(task, build_grid(list(norms), list(batches)), str(out), runner=runner,
                 log=lambda msg: None)  # fmt: skip


def test_cells_run_with_scaled_lr_and_rows_are_written(tmp_path):
    tool = FakeTool()
    rows = classification_sweep(tmp_path, tool).run()
    assert [r["status"] for r in rows] == ["done"] * 4
    argv = tool.calls[2]  # BN at batch 2 (cells run batch-major)
    assert argv[argv.index("--lr") + 1] == "0.05" and argv[argv.index("--epochs") + 1] == "3"
    assert argv[argv.index("--num-images") + 1] == "9"
    assert argv[-4:] == ["MODEL.NORM.EPS", "1e-5", "MODEL.NORM.TYPE", "BN"]
    csv_rows = read_results(tmp_path / "results.csv")
    assert csv_rows[2]["top1_error"] == 8.0 and csv_rows[2]["wall_s"] == 2.5
    assert csv_rows[2]["norm"] == "BN" and csv_rows[2]["batch"] == 2


def test_finished_cells_are_skipped_and_unfinished_resumed(tmp_path):
    classification_sweep(tmp_path, FakeTool(), norms=["GN"], batches=[4]).run()
    # A cell that started earlier but never finished (killed): it is resumed.
    os.makedirs(tmp_path / "BN_b4")
    (tmp_path / "BN_b4" / "sweep_cell.json").write_text('{"status": "running", "wall_s": 7}')
    tool = FakeTool()
    rows = classification_sweep(tmp_path, tool, batches=[4]).run()
    assert len(tool.calls) == 1 and "--resume" in tool.calls[0]
    assert "/BN_b4" in tool.calls[0][tool.calls[0].index("--output-dir") + 1]
    assert [r["status"] for r in rows] == ["done", "done"]


def test_a_running_cell_saves_its_wall_time_so_a_kill_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setattr(runner_module, "WALL_SAVE_S", 0.05)
    os.makedirs(tmp_path / "GN_b4")  # killed outright after 7 s: resumed, its time goes on
    (tmp_path / "GN_b4" / "sweep_cell.json").write_text('{"status": "running", "wall_s": 7}')
    seen = []

    def slow_tool(argv, log_path):
        time.sleep(0.5)
        seen.append(json.loads((tmp_path / "GN_b4" / "sweep_cell.json").read_text()))
        return FakeTool()(argv, log_path)

    classification_sweep(tmp_path, slow_tool, norms=["GN"], batches=[4]).run()
    assert seen[0]["status"] == "running" and 7.2 <= seen[0]["wall_s"] < 8


def test_failed_cell_is_recorded_and_the_sweep_goes_on(tmp_path):
    tool = FakeTool(fail={"BN_b2"})
    rows = classification_sweep(tmp_path, tool).run()
    assert [r["status"] for r in rows] == ["done", "done", "failed", "done"]
    assert rows[2]["reason"] == "training diverged at iteration 3 (loss nan)"
    assert read_results(tmp_path / "results.csv")[2]["status"] == "failed"
    again = FakeTool()
    classification_sweep(tmp_path, again).run()
    assert again.calls == []  # failed cells stay failed unless retried
    classification_sweep(tmp_path, again).run(retry_failed=True)
    assert len(again.calls) == 1 and "--resume" in again.calls[0]


def test_success_without_a_result_is_a_failure(tmp_path):
    rows = classification_sweep(tmp_path, lambda argv, log: 0, norms=["GN"], batches=[2]).run()
    assert rows[0]["status"] == "failed" and "without a top1_error result" in rows[0]["reason"]
    assert failure_reason(str(tmp_path / "missing.log"), 3) == "exit status 3"


def test_invalid_cells_are_not_run(tmp_path):
    sweep = classification_sweep(tmp_path, FakeTool())
    sweep.invalid = {sweep.cells[0]: "MODEL.NORM.NUM_GROUPS=48 does not divide ..."}
    rows = sweep.run()
    assert rows[0]["status"] == "invalid" and "NUM_GROUPS=48" in rows[0]["reason"]
    assert len(sweep.runner.calls) == 3


def test_detection_cells_scale_the_schedule_and_read_ap(tmp_path):
    tool = FakeTool(detection=True)
    task = DetectionTask(str(TINY_CONFIG), [], BaseSchedule.from_config(tiny_cfg()))
    cells = build_grid(["GN", "GN+WS"], [8, 2])
    rows = Sweep(task, cells, str(tmp_path), runner=tool, log=lambda m: None).run()
    assert [r["bbox_ap"] for r in rows] == [58.0, 58.0, 52.0, 52.0]
    argv = tool.calls[3]
    opts = dict(zip(argv[5::2], argv[6::2]))
    assert opts["MODEL.NORM.WS"] == "True" and opts["SOLVER.BASE_LR"] == "0.01"
    assert opts["SOLVER.MAX_ITER"] == "1900" and rows[3]["iters"] == "1900"
    written = plot_sweep(rows, task, str(tmp_path))
    assert sorted(os.path.basename(p) for p in written) == [
        "bbox_ap_vs_batch.png",
        "segm_ap_vs_batch.png",
    ]
    assert all(os.path.getsize(p) > 1000 for p in written)


def test_a_stopped_sweep_leaves_the_cell_to_resume(tmp_path):
    def stopped(argv, log):
        raise KeyboardInterrupt

    sweep = classification_sweep(tmp_path, stopped, norms=["GN"], batches=[2])
    try:
        sweep.run()
    except KeyboardInterrupt:
        pass
    assert sweep.rows()[0]["status"] == "pending"
    tool = FakeTool()
    classification_sweep(tmp_path, tool, norms=["GN"], batches=[2]).run()
    assert "--resume" in tool.calls[0]


def test_markdown_table_pivots_norms_by_batch():
    rows = [
        {"norm": "BN", "batch": 2, "status": "done", "bbox_ap": 1.25},
        {"norm": "BN", "batch": 8, "status": "failed", "bbox_ap": None},
        {"norm": "GN", "batch": 8, "groups": 16, "status": "done", "bbox_ap": 30.0},
    ]
    assert markdown_table(rows, "bbox_ap").splitlines() == [
        "| norm | batch 8 | batch 2 |",
        "|---|---|---|",
        "| BN | failed | 1.2 |",
        "| GN (G=16) | 30.0 |  |",
    ]


def test_rows_of_an_earlier_grid_in_the_same_folder_are_kept(tmp_path):
    classification_sweep(tmp_path, FakeTool(), norms=["BN"], batches=[4, 2]).run()
    rows = classification_sweep(tmp_path, FakeTool(), norms=["GN"], batches=[2]).run()
    assert [(r["norm"], r["batch"]) for r in rows] == [("GN", 2), ("BN", 4), ("BN", 2)]
    assert [r["folder"] for r in read_results(tmp_path / "results.csv")] == [
        "GN_b2", "BN_b4", "BN_b2"
    ]  # fmt: skip
    assert read_results(tmp_path / "results.csv")[2]["lr"] == 0.05


class SeededTool(FakeTool):
    """A fake pretraining whose error depends on the seed, with a 3-epoch learning curve;
    it checks what runs.csv (and tables.md) hold when it starts."""

    def __init__(self, results_dir=None, **kwargs):
        super().__init__(**kwargs)
        self.results_dir, self.rows_seen, self.tables_agree = results_dir, [], []

    def __call__(self, argv, log_path):
        if self.results_dir is not None:
            records = StudyRecords(self.results_dir)
            runs = records.runs()
            self.rows_seen.append(len(runs))
            tables = os.path.join(self.results_dir, "tables.md")
            if runs:
                with open(tables) as f:
                    self.tables_agree.append(f.read() == report_markdown(runs, records.curves()))
        code = super().__call__(argv, log_path)
        folder = argv[argv.index("--output-dir") + 1]
        if code == 0:
            seed = int(argv[argv.index("SEED") + 1])
            error = 10.0 + seed
            with open(os.path.join(folder, "results.json"), "w") as f:
                json.dump({"top1_error": error, "wall_s": 1.0, "status": "done",
                           "num_train": 40}, f)  # fmt: skip
            with open(os.path.join(folder, "metrics.json"), "w") as f:
                for it in (10, 20, 30):
                    f.write(json.dumps({"iteration": it - 1, "top1_error": error + 30 - it}))
                    f.write("\n")
        return code


def seeded_sweep(out, results, runner, seeds=(0, 1), jobs=1, after_run="", fail=(),
                 equal="epochs", batches=(4,), rerun_missing="", **rerun):  # fmt: skip
    schedule = BaseSchedule.from_config(tiny_cfg(), batch=4, lr=0.1, equal=equal)
    task = ClassificationTask(str(TINY_CONFIG), [], schedule, epochs=3)
    cells = build_grid(["BN", "GN"], list(batches), seeds=list(seeds), schedule=schedule.label)
    return Sweep(task, cells, str(out), runner=runner, log=lambda m: None, jobs=jobs,
                 records=StudyRecords(str(results)), study="batch",
                 after_run=after_run, rerun_missing=rerun_missing, **rerun)  # fmt: skip


def test_runs_csv_gets_rows_as_runs_finish_and_keeps_them(tmp_path):
    results = tmp_path / "results"
    tool = SeededTool(results_dir=str(results))
    seeded_sweep(tmp_path / "out", results, tool).run()
    assert tool.rows_seen == [0, 1, 2, 3]  # each run sees the rows of the runs before it
    assert tool.tables_agree == [True, True, True]  # and their tables and claims
    rows = StudyRecords(str(results)).runs()
    assert [(r["norm"], r["seed"], r["value"]) for r in rows] == [
        ("BN", 0, 10.0), ("GN", 0, 10.0), ("BN", 1, 11.0), ("GN", 1, 11.0)
    ]  # fmt: skip
    assert rows[0]["study"] == "batch" and rows[0]["schedule"] == "epochs"
    assert rows[0]["epochs_or_iters"] == "3ep" and rows[0]["metric"] == "top1_error"
    curve = [c for c in StudyRecords(str(results)).curves() if c["norm"] == "GN" and c["seed"]]
    assert [(c["iteration"], c["epoch"], c["value"]) for c in curve] == [
        (10, 1.0, 31.0), (20, 2.0, 21.0), (30, 3.0, 11.0)
    ]  # fmt: skip
    # A restart (a new session) with one more seed: finished runs are skipped, their rows
    # stay, the new runs are added.
    again = SeededTool()
    seeded_sweep(tmp_path / "out", results, again, seeds=(0, 1, 2)).run()
    assert len(again.calls) == 2
    rows = StudyRecords(str(results)).runs()
    assert [(r["norm"], r["seed"]) for r in rows][-2:] == [("BN", 2), ("GN", 2)]
    assert len(rows) == 6


def test_finished_runs_missing_from_runs_csv_are_recorded(tmp_path):
    seeded_sweep(tmp_path / "out", tmp_path / "first", SeededTool()).run()
    # the same run folders with a new results folder: recorded without running anything
    tool = SeededTool()
    seeded_sweep(tmp_path / "out", tmp_path / "new", tool).run()
    assert tool.calls == [] and len(StudyRecords(str(tmp_path / "new")).runs()) == 4


def test_a_recorded_run_whose_kept_output_is_gone_runs_again(tmp_path):
    seeded_sweep(tmp_path / "out", tmp_path / "res", SeededTool(), seeds=[0]).run()
    tool = SeededTool()
    seeded_sweep(tmp_path / "new_out", tmp_path / "res", tool, seeds=[0],
                 rerun_missing="results.json").run()  # fmt: skip
    assert len(tool.calls) == 2  # a new machine: no run folder has the file a later step needs
    tool = SeededTool()
    seeded_sweep(tmp_path / "new_out", tmp_path / "res", tool, seeds=[0],
                 rerun_missing="results.json").run()  # fmt: skip
    assert tool.calls == []  # now both have it
    assert len(StudyRecords(str(tmp_path / "res")).runs()) == 2  # rows replaced, not added


class LowerTool(SeededTool):
    """SeededTool whose runs are half a point lower all along (as after fixing how they ran)."""

    def __call__(self, argv, log_path):
        code = super().__call__(argv, log_path)
        path = os.path.join(argv[argv.index("--output-dir") + 1], "results.json")
        with open(path) as f:
            result = json.load(f)
        with open(path, "w") as f:
            json.dump({**result, "top1_error": result["top1_error"] - 0.5}, f)
        metrics = os.path.join(os.path.dirname(path), "metrics.json")
        with open(metrics) as f:
            points = [json.loads(line) for line in f]
        with open(metrics, "w") as f:
            f.writelines(
                json.dumps({**p, "top1_error": p["top1_error"] - 0.5}) + "\n" for p in points
            )
        return code


def test_a_finished_run_named_in_rerun_runs_again_and_its_row_says_why(tmp_path):
    out, res = tmp_path / "out", tmp_path / "res"
    seeded_sweep(out, res, SeededTool(), seeds=[0]).run()
    rerun = dict(rerun=["GN_b4_s0"], rerun_reason="its crops had another memory layout")
    tool = LowerTool()
    seeded_sweep(out, res, tool, seeds=[0], **rerun).run()
    assert [os.path.basename(a[a.index("--output-dir") + 1]) for a in tool.calls] == ["GN_b4_s0"]
    rows = StudyRecords(str(res)).runs()
    assert [(r["norm"], r["value"]) for r in rows] == [("BN", 10.0), ("GN", 9.5)]
    assert rows[1]["reason"] == (
        "rerun: its crops had another memory layout (replaces top1_error 10)"
    )
    assert json.loads((out / "GN_b4_s0.replaced" / "results.json").read_text())["top1_error"] == 10
    again = SeededTool()  # the same command again: the rerun is finished, nothing runs
    seeded_sweep(out, res, again, seeds=[0], **rerun).run()
    assert again.calls == [] and StudyRecords(str(res)).runs() == rows


def test_rows_recorded_from_a_rerun_training_take_its_new_values(tmp_path):
    out, res = tmp_path / "out", tmp_path / "res"
    seeded_sweep(out, res, SeededTool(), seeds=[0]).run()
    seeded_sweep(out, res, SeededTool(), seeds=[0], equal="iters", batches=(4, 2)).run()
    rerun = dict(rerun=["GN_b4_s0"], rerun_reason="fixed")

    def copy_of_gn_b4(study_records):
        rows = [r for r in study_records.runs() if r["schedule"] == "iters" and r["batch"] == 4]
        return {r["norm"]: r["value"] for r in rows}

    records = StudyRecords(str(res))
    seeded_sweep(out, res, LowerTool(), seeds=[0], **rerun).run()
    assert copy_of_gn_b4(records) == {"BN": 10.0, "GN": 9.5}
    curve = [c["value"] for c in records.curves() if c["norm"] == "GN" and c["batch"] == 4]
    assert curve == [29.5, 19.5, 9.5] * 2  # the rerun's curve, and the same for its copy
    # a copy left with the old training's curve (its result happened to be equal), as before
    # reruns refreshed copies: the rerun command run again brings it up to date
    old = {**next(r for r in records.runs() if r["norm"] == "GN" and r["schedule"] == "iters")}
    stale_curve = [(10, 1.0, "top1_error", 31.0)]
    records.record({k: old[k] for k in RUN_KEY}, ["top1_error"], {"top1_error": 9.5},
                   wall_s=0.0, reason=old["reason"], curve=stale_curve)  # fmt: skip
    again = SeededTool()
    seeded_sweep(out, res, again, seeds=[0], **rerun).run()
    assert again.calls == [] and copy_of_gn_b4(records) == {"BN": 10.0, "GN": 9.5}
    curve = [c["value"] for c in records.curves() if c["norm"] == "GN" and c["batch"] == 4]
    assert curve == [29.5, 19.5, 9.5] * 2


def test_a_rerun_needs_a_known_run_and_a_reason(tmp_path):
    with pytest.raises(SweepError, match="--rerun GN_b8_s0: not a run of this sweep"):
        seeded_sweep(tmp_path, tmp_path / "res", SeededTool(), rerun=["GN_b8_s0"],
                     rerun_reason="x")  # fmt: skip
    with pytest.raises(SweepError, match="--rerun needs --rerun-reason"):
        seeded_sweep(tmp_path, tmp_path / "res", SeededTool(), rerun=["GN_b4_s0"])


def test_runs_committed_as_done_are_not_run_again_on_a_new_machine(tmp_path):
    seeded_sweep(tmp_path / "out", tmp_path / "res", SeededTool(), seeds=[0]).run()
    before = StudyRecords(str(tmp_path / "res")).runs()
    # a new machine: the committed results folder, no run folders; one more seed asked for
    tool = SeededTool()
    seeded_sweep(tmp_path / "new_out", tmp_path / "res", tool, seeds=[0, 1]).run()
    ran = [os.path.basename(a[a.index("--output-dir") + 1]) for a in tool.calls]
    assert ran == ["BN_b4_s1", "GN_b4_s1"]
    assert StudyRecords(str(tmp_path / "res")).runs()[:2] == before


def test_equal_iterations_at_the_base_batch_is_recorded_from_its_epochs_twin(tmp_path):
    res = tmp_path / "res"
    seeded_sweep(tmp_path / "out", res, SeededTool(), seeds=[0]).run()
    tool = SeededTool()
    iters = seeded_sweep(tmp_path / "out", res, tool, seeds=[0], equal="iters", batches=(4, 2))
    iters.run()
    ran = [os.path.basename(a[a.index("--output-dir") + 1]) for a in tool.calls]
    assert ran == ["BN_b2_iters_s0", "GN_b2_iters_s0"]  # batch 4 is the base: not run again
    records = StudyRecords(str(res))
    rows = {(r["norm"], r["batch"], r["schedule"]): r for r in records.runs()}
    twin, copy = rows[("GN", 4, "epochs")], rows[("GN", 4, "iters")]
    assert copy["value"] == twin["value"] and copy["status"] == "done"
    assert copy["epochs_or_iters"] == "3ep@b4" and copy["wall_s"] == 0.0
    assert copy["reason"] == "the training of GN_b4_s0 (equal iterations at the base batch)"
    curves = [c for c in records.curves() if c["norm"] == "GN" and c["batch"] == 4]
    assert len(curves) == 6  # the twin's 3 points, and the same 3 for the copy
    again = SeededTool()  # the same sweep again: nothing to run, no length conflict
    seeded_sweep(tmp_path / "out", res, again, seeds=[0], equal="iters", batches=(4, 2)).run()
    assert again.calls == []


def test_failed_runs_are_recorded_with_their_reason_and_the_hook_runs(tmp_path):
    hook_log = tmp_path / "hook.txt"
    after = f'echo "$GN_DET_RUN $GN_DET_STATUS" >> {hook_log}'
    tool = SeededTool(fail={"GN_b4_s0"})
    seeded_sweep(tmp_path / "out", tmp_path / "res", tool, seeds=[0], after_run=after).run()
    rows = {r["norm"]: r for r in StudyRecords(str(tmp_path / "res")).runs()}
    assert rows["GN"]["status"] == "failed" and rows["GN"]["value"] is None
    assert rows["GN"]["reason"] == "training diverged at iteration 3 (loss nan)"
    assert sorted(hook_log.read_text().splitlines()) == ["BN_b4_s0 done", "GN_b4_s0 failed"]


def test_a_failing_hook_is_reported_and_the_sweep_goes_on(tmp_path):
    messages = []
    sweep = seeded_sweep(tmp_path / "out", tmp_path / "res", SeededTool(), seeds=[0],
                         after_run="exit 3")  # fmt: skip
    sweep.log = messages.append
    rows = sweep.run()
    assert [r["status"] for r in rows] == ["done", "done"]
    assert any("--after-run failed (3) after BN_b4_s0" in m for m in messages)
    assert len(StudyRecords(str(tmp_path / "res")).runs()) == 2


class ConcurrentTool(SeededTool):
    """Records how many runs are going at once."""

    def __init__(self):
        super().__init__()
        self.active, self.most, self.lock = 0, 0, threading.Lock()

    def __call__(self, argv, log_path):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.3)
        with self.lock:
            self.active -= 1
        return super().__call__(argv, log_path)


def test_jobs_run_that_many_at_a_time(tmp_path):
    tool = ConcurrentTool()
    rows = seeded_sweep(tmp_path / "out", tmp_path / "res", tool, seeds=[0, 1, 2], jobs=2).run()
    assert tool.most == 2 and len(tool.calls) == 6
    assert [r["status"] for r in rows] == ["done"] * 6
    assert len(StudyRecords(str(tmp_path / "res")).runs()) == 6
    one = ConcurrentTool()
    seeded_sweep(tmp_path / "out1", tmp_path / "res1", one, seeds=[0, 1], jobs=1).run()
    assert one.most == 1


def test_a_stopped_parallel_sweep_leaves_its_runs_to_resume(tmp_path):
    def stopped(argv, log):
        time.sleep(0.1)
        raise KeyboardInterrupt

    sweep = seeded_sweep(tmp_path / "out", tmp_path / "res", stopped, seeds=[0], jobs=2)
    with pytest.raises(KeyboardInterrupt):
        sweep.run()
    assert [r["status"] for r in sweep.rows()] == ["pending", "pending"]
    assert StudyRecords(str(tmp_path / "res")).runs() == []
    tool = SeededTool()
    seeded_sweep(tmp_path / "out", tmp_path / "res", tool, seeds=[0], jobs=2).run()
    assert all("--resume" in argv for argv in tool.calls) and len(tool.calls) == 2


def test_a_run_killed_by_a_signal_is_not_a_failure(tmp_path):
    sweep = seeded_sweep(tmp_path / "out", tmp_path / "res", lambda argv, log: -9, seeds=[0])
    assert [r["status"] for r in sweep.run()] == ["pending", "pending"]


def test_a_different_schedule_length_is_not_mixed_into_the_same_runs(tmp_path):
    seeded_sweep(tmp_path / "out", tmp_path / "res", SeededTool(), seeds=[0]).run()
    schedule = BaseSchedule.from_config(tiny_cfg(), batch=4, lr=0.1)
    task = ClassificationTask(str(TINY_CONFIG), [], schedule, epochs=5)  # was 3
    cells = build_grid(["BN"], [4], seeds=[0], schedule=schedule.label)
    tool = SeededTool()
    sweep = Sweep(task, cells, str(tmp_path / "out"), runner=tool, log=lambda m: None,
                  records=StudyRecords(str(tmp_path / "res")), study="batch")  # fmt: skip
    with pytest.raises(SweepError, match="holds run BN_b4_s0 of study 'batch' with 3ep, this "
                       "sweep runs it with 5ep"):  # fmt: skip
        sweep.run()
    assert tool.calls == []


def test_progress_lines_are_written_whole(monkeypatch):
    """Two workers logging at once must not run their lines together: one write per line."""
    writes = []

    class Stdout:
        def write(self, text):
            writes.append(text)

        def flush(self):
            pass

    monkeypatch.setattr("sys.stdout", Stdout())
    print_line("sweep: starting a")
    print_line("sweep: [1/2] b done")
    assert writes == ["sweep: starting a\n", "sweep: [1/2] b done\n"]
