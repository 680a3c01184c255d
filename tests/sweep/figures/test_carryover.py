"""The carry-over figure: variants and their paired differences."""

from gn_det.sweep.claims import RunIndex
from gn_det.sweep.figures import carryover_figure

from ..runs import run, study_rows


def test_carryover_figure_pairs_the_variants():
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
    assert carryover_figure(RunIndex(study_rows()), "top1_error") is None
