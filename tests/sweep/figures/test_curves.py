"""Learning curves: seed bands, epochs on x, a log axis for errors only."""

from matplotlib.collections import PolyCollection

from gn_det.sweep.figures import curves_figure

from ..runs import study_rows


def test_learning_curves_have_seed_bands_and_a_log_error_axis():
    rows = study_rows()
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
