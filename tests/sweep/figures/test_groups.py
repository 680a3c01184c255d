"""The group-count figure: groups, channels per group and the paper panel."""

from gn_det.sweep.claims import RunIndex
from gn_det.sweep.figures import groups_figure
from gn_det.sweep.summary import summarize

from ..runs import study_rows


def test_group_figure_has_both_axes_and_the_paper_panel():
    rows = study_rows()
    fig = groups_figure(summarize(rows), RunIndex(rows), "top1_error")
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "GN groups per layer",
        "channels per group",
        "GN groups per layer",
    ]
    assert "paper" in fig.axes[-1].get_title()
