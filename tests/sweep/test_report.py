"""The report from a results folder alone: summary statistics, tables, claims and plots, the
same again from a copy of runs.csv and curves.csv."""

import math
import shutil

import pytest

from gn_det.sweep import StudyRecords, write_report
from gn_det.sweep.records import RUN_FIELDS, RUN_KEY, read_csv
from gn_det.sweep.report import pretraining_tables
from gn_det.sweep.summary import summarize

from .runs import cell, study_rows


def write_study(folder, rows):
    records = StudyRecords(str(folder))
    for r in rows:
        fields = {k: r[k] for k in RUN_KEY}
        records.record(
            fields,
            (r["metric"],),
            {r["metric"]: r["value"]},
            wall_s=1.0,
            status=r["status"],
            reason="diverged" if r["status"] == "failed" else "",
            curve=[(it, it / 10, r["metric"], (r["value"] or 0) + 30 - it) for it in (10, 20, 30)],
        )
    return records


def test_summary_statistics_by_hand():
    summary = {
        (r["norm"], r["batch"], r["schedule"], r["groups"], r["channels_per_group"]): r
        for r in summarize(study_rows())
    }
    bn32 = summary[("BN", 32, "epochs", None, None)]  # 20, 22, 24: mean 22, std 2
    assert (bn32["n"], bn32["mean"], bn32["std"]) == (3, 22.0, 2.0)
    half = 4.303 * 2 / math.sqrt(3)
    assert (bn32["ci_low"], bn32["ci_high"]) == pytest.approx((22 - half, 22 + half), abs=2e-3)
    bn2 = summary[("BN", 2, "epochs", None, None)]
    assert bn2["n"] == 3 and bn2["n_failed"] == 1 and bn2["mean"] == 32.0


def test_report_only_from_a_copy_gives_the_same_tables_and_claims(tmp_path):
    write_study(tmp_path / "study", study_rows())
    first = write_report(str(tmp_path / "study"), log=lambda m: None)
    assert "| BN | 22.00 ± 4.97 (n=3) | 32.00 ± 6.57 (n=3, 1 failed) |" in first
    assert "BN degrades from batch 32 to 2 | 34.7 vs 23.6 (+11.1)" in first
    assert "- study=s norm=BN batch=2 schedule=epochs seed=3: diverged" in first
    copy = tmp_path / "fresh_clone"
    copy.mkdir()
    for name in ("runs.csv", "curves.csv"):
        shutil.copy(tmp_path / "study" / name, copy / name)
    assert write_report(str(copy), log=lambda m: None) == first
    for name in ("tables.md", "claims.csv", "summary.csv"):
        assert (copy / name).read_text() == (tmp_path / "study" / name).read_text()
    pngs = sorted(p.name for p in copy.glob("*.png"))
    assert pngs == ["top1_error_curves.png", "top1_error_vs_batch.png", "top1_error_vs_groups.png"]
    claims = read_csv(str(copy / "claims.csv"), ("claim", "verdict"))
    assert any("converged: GN b32 epochs -> epochs_x2" in c["claim"] for c in claims)


def test_report_without_runs_is_an_error(tmp_path):
    from gn_det.sweep import SweepError

    with pytest.raises(SweepError, match="runs.csv does not exist or holds no runs"):
        write_report(str(tmp_path))
    assert RUN_FIELDS[:3] == ("study", "norm", "batch")


def test_cells_from_two_pretrainings_show_each_ones_mean_and_the_gap():
    rows = [*cell("GN", 2, [60.0, 62.0], metric="bbox_ap", pretrain_seed=0),
            *cell("GN", 2, [63.0, 64.0, 65.0], metric="bbox_ap", pretrain_seed=1),
            *cell("BN", 2, [50.0, 51.0], metric="bbox_ap", pretrain_seed=0)]  # fmt: skip
    (table,) = pretraining_tables(rows)
    assert "| box AP | GN | 2 | epochs | 61.00 (n=2) | 64.00 (n=3) | +3.00 |" in table
    assert "| BN |" not in table  # one pretraining: nothing to compare
    assert pretraining_tables(rows[-2:]) == []
