"""The feature-error history and plot survive a metrics.json cut short by kill -9."""

import json

from gn_det.distillation import STAGES
from gn_det.distillation.results import error_history, plot_feature_errors


def test_history_takes_the_last_value_and_skips_a_cut_line(tmp_path):
    rows = [
        {"iteration": 3, **{f"feature_error/{s}": 0.5 for s in STAGES}},
        {"iteration": 3, "feature_error/res5": 0.4},  # written again after a resume
        {"iteration": 8, "total_loss": 1.0},
        {"iteration": 8, **{f"feature_error/{s}": 0.3 for s in STAGES}},
    ]
    path = tmp_path / "metrics.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"iteration": 9, "feat')
    history = error_history(path, max_iter=8)
    assert history["res5"] == {4: 0.4, 8: 0.3} and history["stem"] == {4: 0.5, 8: 0.3}
    png = plot_feature_errors(path, 8, dict.fromkeys(STAGES, 0.9), tmp_path / "errors.png")
    assert png.stat().st_size > 0
