"""The tables of single runs: each seed's value with its difference to the largest batch,
and the mean learning curves of the detection cells."""

from gn_det.sweep.readme_rows import markdown_tables, row_cells
from gn_det.sweep.seed_tables import curve_tables, seed_tables

from .runs import cell, run


def _rows(section):
    (table,) = markdown_tables(section.splitlines())
    return [row_cells(r) for r in table[2:]]


def test_each_seed_shows_its_value_and_its_difference_to_the_largest_batch():
    rows = (
        cell("GN", 8, [80.0, 81.0], metric="bbox_ap")
        + cell("GN", 1, [80.5, 79.0], metric="bbox_ap")
        + cell("BN", 8, [80.0, 82.0], metric="bbox_ap")
        + cell("BN", 1, [70.0, 71.25], metric="bbox_ap")
        + [run("BN", 1, 2, 60.0, metric="bbox_ap")]  # no seed-2 run at 8: no difference
        + [run("BN", 1, 3, None, metric="bbox_ap", status="failed")]
    )
    (section,) = seed_tables(rows)
    assert section.startswith("### box AP of each seed, schedule epochs (in brackets: minus")
    assert _rows(section) == [
        ["BN", "0", "80.00", "70.00 (-10.00)"],
        ["BN", "1", "82.00", "71.25 (-10.75)"],
        ["BN", "2", "", "60.00"],
        ["GN", "0", "80.00", "80.50 (+0.50)"],
        ["GN", "1", "81.00", "79.00 (-2.00)"],
    ]


def test_no_seed_table_for_cells_of_one_run_each():
    assert seed_tables(cell("BN", 8, [80.0]) + cell("GN", 8, [81.0])) == []


def test_several_pretrainings_label_each_run_by_both_seeds():
    rows = [run("GN", 32, s, 5.0 + p + s, pretrain_seed=p) for p in (0, 1) for s in (0, 1)]
    (section,) = seed_tables(rows)
    assert "(in brackets" not in section  # one batch: nothing to subtract
    assert [r[:3] for r in _rows(section)] == [
        ["GN", "0/0", "5.00"],
        ["GN", "0/1", "6.00"],
        ["GN", "1/0", "6.00"],
        ["GN", "1/1", "7.00"],
    ]


def _point(norm, batch, seed, iteration, value, epoch=None):
    return {"study": "s", "variant": "", "norm": norm, "batch": batch, "groups": None,
            "channels_per_group": None, "schedule": "epochs_x2", "seed": seed,
            "pretrain_seed": 0, "iteration": iteration, "epoch": epoch,
            "metric": "segm_ap", "value": value}  # fmt: skip


def test_curves_show_the_mean_over_runs_after_each_number_of_images():
    curves = [
        _point("GN", 4, 0, 1203, 70.0),
        _point("GN", 4, 1, 1203, 71.0),
        _point("GN", 4, 0, 4800, 85.0),
        _point("GN", 4, 1, 4800, 86.0),
        _point("BN", 8, 0, 2400, 84.0),
    ]
    (section,) = curve_tables(curves)
    assert section.startswith("### mask AP learning curves")
    assert _rows(section) == [
        ["BN", "8", "epochs_x2", "1", "19,200", "84.0"],
        ["GN", "4", "epochs_x2", "2", "4,812 / 19,200", "70.5 / 85.5"],
    ]


def test_curves_by_epoch_are_left_to_the_plots():
    curves = [
        _point("GN", 32, s, 100 * e, 10.0 - e, epoch=float(e)) for s in (0, 1) for e in (1, 2)
    ]
    assert curve_tables(curves) == []
