"""The report from a results folder alone: summary statistics, tables, claims and plots, the
same again from a copy of runs.csv and curves.csv."""

import math
import shutil

import pytest
from matplotlib.collections import PathCollection, PolyCollection

from gn_det.sweep import StudyRecords, write_report
from gn_det.sweep.claims import RunIndex
from gn_det.sweep.records import RUN_FIELDS, read_csv
from gn_det.sweep.report_plots import (
    batch_figure,
    carryover_figure,
    curves_figure,
    groups_figure,
)
from gn_det.sweep.summary import summarize

from .claims.runs import cell, run


def study_rows():
    return (
        cell("BN", 32, [20.0, 22.0, 24.0])
        + cell("BN", 2, [30.0, 31.0, 35.0])
        + cell("GN", 32, [21.0, 21.5, 22.0])
        + cell("GN", 2, [21.0, 22.0, 21.5])
        + cell("BN", 2, [22.0, 23.0, 21.0], schedule="iters")
        + cell("GN", 32, [21.0, 21.4, 21.9], schedule="epochs_x2")
        + cell("GN", 32, [23.0, 24.0, 23.5], groups=1)
        + cell("GN", 32, [21.0, 21.5, 22.0], groups=32)
        + cell("GN", 32, [26.0, 27.0, 28.0], cpg=1)
        + [run("BN", 2, 3, None, status="failed")]
    )


def write_study(folder, rows):
    records = StudyRecords(str(folder))
    for r in rows:
        fields = {
            k: r[k]
            for k in (
                "study",
                "variant",
                "norm",
                "batch",
                "groups",
                "channels_per_group",
                "schedule",
                "pretrain_seed",
                "seed",
            )
        }
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


def test_batch_plot_has_bands_dots_dashes_and_the_paper_panel():
    rows = [r for r in study_rows() if not r["groups"] and not r["channels_per_group"]]
    fig = batch_figure(summarize(rows), RunIndex(rows), "top1_error")
    epochs, iters, ref = fig.axes  # equal iterations in a panel of its own
    assert ref.get_title() == "paper (ImageNet, ResNet-50)"
    assert [line.get_ydata()[0] for line in ref.get_lines()[:2]] == [34.7, 24.1]  # batch 2
    collections = epochs.collections + iters.collections
    bands = [c for c in collections if isinstance(c, PolyCollection)]
    dots = [c for c in collections if isinstance(c, PathCollection)]
    assert len(bands) == 2  # BN and GN at 2 batch sizes; single points get error bars
    assert sum(len(d.get_offsets()) for d in dots) == 18  # every finished run
    styles = {line.get_label(): line.get_linestyle() for line in epochs.get_lines()}
    assert styles["BN"] == "-" and styles["GN (equal epochs, x2)"] == ":"
    shown = [line for line in iters.get_lines() if not line.get_label().startswith("_")]
    styles = {line.get_label(): line.get_linestyle() for line in shown}
    assert list(styles) == ["BN (equal iterations)"] and styles["BN (equal iterations)"] == "--"
    assert batch_figure(summarize(rows), RunIndex(rows), "bbox_ap") is None


def test_group_curve_and_carryover_plots():
    rows = study_rows()
    fig = groups_figure(summarize(rows), RunIndex(rows), "top1_error")
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "GN groups per layer",
        "channels per group",
        "GN groups per layer",
    ]
    assert "paper" in fig.axes[-1].get_title()
    curves = [
        {**r, "iteration": it, "epoch": it / 10.0, "value": r["value"] - it / 10}
        for r in rows
        if r["value"] is not None
        for it in (10, 20)
    ]
    fig = curves_figure(curves, "top1_error")
    assert [ax.get_title() for ax in fig.axes] == ["BN", "GN"]
    assert any(isinstance(c, PolyCollection) for c in fig.axes[0].collections)  # seed band
    assert fig.axes[0].get_xlabel() == "epoch"
    assert fig.axes[0].get_yscale() == "log"  # an error's plateau stays legible
    ap_curves = [{**c, "metric": "bbox_ap"} for c in curves]
    assert curves_figure(ap_curves, "bbox_ap").axes[0].get_yscale() == "linear"
    variants = [
        run("GN", 2, s, 50.0 + s, metric="bbox_ap", variant="a_gn", pretrain_seed=0)
        for s in range(3)
    ]
    variants += [
        run("FrozenBN", 2, s, 48.0 + s, metric="bbox_ap", variant="c_bn", pretrain_seed=0)
        for s in range(3)
    ]
    fig = carryover_figure(RunIndex(variants), "bbox_ap")
    assert [t.get_text() for t in fig.axes[1].get_xticklabels()] == ["(a)-(c)"]
    assert carryover_figure(RunIndex(rows), "top1_error") is None


def test_report_without_runs_is_an_error(tmp_path):
    from gn_det.sweep import SweepError

    with pytest.raises(SweepError, match="runs.csv does not exist or holds no runs"):
        write_report(str(tmp_path))
    assert RUN_FIELDS[:3] == ("study", "norm", "batch")
