"""runs.csv and curves.csv: one row per run and metric, replaced when a run is recorded again;
files that are not results are refused with the file and line."""

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
