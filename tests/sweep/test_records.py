"""runs.csv and curves.csv: one row per run and metric, replaced when a run is recorded again;
files that are not results are refused with the file and line."""

import multiprocessing

import pytest

from gn_det.sweep import Cell, StudyRecords, SweepError
from gn_det.sweep.records import run_fields


def test_record_replace_and_read_back(tmp_path):
    records = StudyRecords(str(tmp_path / "res"))
    cell = Cell("GN", 8, seed=1, schedule="epochs")
    fields = run_fields("det", cell, "475it")
    records.record(
        fields,
        ("bbox_ap", "segm_ap"),
        {},
        wall_s=12.0,
        status="failed",
        reason="diverged",
        curve=[(100, None, "bbox_ap", 1.5)],
    )
    records.record(
        run_fields("det", Cell("BN", 8, seed=1, schedule="epochs"), "475it"),
        ("bbox_ap",),
        {"bbox_ap": 3.0},
        wall_s=5.0,
    )
    rows = records.runs()
    assert [(r["norm"], r["metric"], r["value"], r["status"]) for r in rows] == [
        ("GN", "bbox_ap", None, "failed"),
        ("GN", "segm_ap", None, "failed"),
        ("BN", "bbox_ap", 3.0, "done"),
    ]
    assert rows[0]["reason"] == "diverged" and rows[0]["epochs_or_iters"] == "475it"
    # retried: the run's rows (and curve) are replaced, the others kept
    records.record(
        fields,
        ("bbox_ap", "segm_ap"),
        {"bbox_ap": 30.0, "segm_ap": 25.0},
        wall_s=20.0,
        curve=[(100, None, "bbox_ap", 10.0), (200, None, "bbox_ap", 30.0)],
    )
    rows = records.runs()
    assert [(r["norm"], r["metric"], r["value"]) for r in rows] == [
        ("BN", "bbox_ap", 3.0),
        ("GN", "bbox_ap", 30.0),
        ("GN", "segm_ap", 25.0),
    ]
    assert [(c["iteration"], c["value"]) for c in records.curves()] == [(100, 10.0), (200, 30.0)]
    header = (tmp_path / "res" / "runs.csv").read_text().splitlines()[0]
    assert header.startswith(
        "study,norm,batch,groups,channels_per_group,schedule,seed,"
        "epochs_or_iters,metric,value,wall_s"
    )


def test_bad_results_files_are_refused(tmp_path):
    (tmp_path / "runs.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SweepError, match="runs.csv is not a sweep results file: no column study"):
        StudyRecords(str(tmp_path)).runs()
    records = StudyRecords(str(tmp_path / "ok"))
    records.record(run_fields("s", Cell("GN", 2)), ("top1_error",), {"top1_error": 5.0})
    path = tmp_path / "ok" / "runs.csv"
    path.write_text(path.read_text().replace(",2,", ",two,"))
    with pytest.raises(SweepError, match=r"runs.csv line 2: batch 'two' is not an integer"):
        records.runs()


def _record_runs(results_dir, norm, count):
    records = StudyRecords(results_dir)
    for seed in range(count):
        fields = run_fields("det", Cell(norm, 8, seed=seed, schedule="epochs"), "475it")
        records.record(fields, ("bbox_ap",), {"bbox_ap": float(seed)}, wall_s=1.0)


def test_sweeps_recording_into_one_folder_keep_every_row(tmp_path):
    """Each record rewrites runs.csv from what it read: without taking turns, two sweeps
    into one results folder would drop each other's rows."""
    results_dir = str(tmp_path / "res")
    StudyRecords(results_dir).record(
        run_fields("det", Cell("BN", 1, seed=0, schedule="epochs"), "1it"), ("bbox_ap",), {}
    )
    context = multiprocessing.get_context("fork")
    sweeps = [
        context.Process(target=_record_runs, args=(results_dir, norm, 40))
        for norm in ("GN", "LN", "IN", "GN+WS")
    ]
    for sweep in sweeps:
        sweep.start()
    for sweep in sweeps:
        sweep.join(60)
    assert [s.exitcode for s in sweeps] == [0, 0, 0, 0]
    assert len(StudyRecords(results_dir).runs()) == 1 + 4 * 40
