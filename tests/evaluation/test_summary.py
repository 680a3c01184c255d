"""A run's metrics.json read back: the last record of an iteration wins, a cut line is skipped."""

import json

from gn_det.evaluation.summary import final_ap_line, logged_values, read_final_metrics


def test_logged_values_keep_the_last_record_per_iteration_and_skip_a_cut_line(tmp_path):
    records = [
        {"iteration": 4, "bbox/AP": 10.0, "total_loss": 2.0},
        {"iteration": 4, "bbox/AP": 12.0},  # logged again after a resume
        {"iteration": 9, "bbox/AP": 20.0, "segm/AP": 18.5},
        {"iteration": 9, "bbox/AP": "nan?"},  # not a number: left out
    ]
    path = tmp_path / "metrics.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"iteration": 12, "bb')
    assert logged_values(path, ["bbox/AP", "segm/AP"]) == {
        "bbox/AP": {5: 12.0, 10: 20.0},
        "segm/AP": {10: 18.5},
    }
    assert logged_values(path, ["bbox/AP"], max_iter=8)["bbox/AP"] == {5: 12.0, 8: 20.0}
    assert logged_values(tmp_path / "missing.json", ["bbox/AP"]) == {"bbox/AP": {}}


def test_final_ap_is_the_last_logged_and_one_line(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text('{"iteration": 1, "bbox/AP": 1.0}\n{"iteration": 2, "bbox/AP": 55.24}\n')
    ap = read_final_metrics(path)
    assert ap == {"bbox": 55.24} and final_ap_line(ap, "demo") == "demo: bbox AP 55.2"
