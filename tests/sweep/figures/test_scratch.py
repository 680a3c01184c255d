"""A sweep's scratch plots: only the axes its finished runs vary along."""

import os

from gn_det.sweep import ClassificationTask, plot_sweep


def test_group_plots(tmp_path):
    rows = [{"norm": "GN", "batch": 4, "groups": g, "channels_per_group": None,
             "status": "done", "top1_error": 10.0 + g} for g in (1, 8, 32)]  # fmt: skip
    rows.append({**rows[0], "groups": 16, "status": "failed", "top1_error": None})
    written = plot_sweep(rows, ClassificationTask, str(tmp_path))
    assert [os.path.basename(p) for p in written] == ["top1_error_vs_groups.png"]
