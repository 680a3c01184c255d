"""Summaries of problems: the table of tools/check_dataset.py and the one-line errors."""

from gn_det.coco.report import legend, one_line, report_table, severity_counts

from .coco_sample import check, put


def test_report_table_and_one_line(tmp_path):
    problems = check(tmp_path, put("annotations", 0, "bbox", [2, 2, 0, 8]))
    problems += check(tmp_path, put("annotations", 0, "bbox", [25, 2, 10, 5]))
    table = report_table(problems)
    assert legend(problems).splitlines()[0] == (
        "  bad box size: box width/height not positive or not finite"
    )
    assert "bad box size" in table and "box partly outside" in table and "count" in table
    assert severity_counts(problems) == {"error": 1, "warning": 1, "info": 0}
    assert (
        one_line(problems)
        == "1 error: 1 bad box size (e.g. annotation 1 (image 1): bbox [2, 2, 0, 8])"
    )
