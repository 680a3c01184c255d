"""The batch-size figure: CI bands, every run a dot, schedules by line style, the paper beside."""

from matplotlib.collections import PathCollection, PolyCollection

from gn_det.sweep.claims import RunIndex
from gn_det.sweep.figures import batch_figure
from gn_det.sweep.summary import summarize

from ..runs import study_rows


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
