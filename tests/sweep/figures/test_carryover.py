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


def test_a_schedule_without_the_first_comparison_is_still_in_the_legend():
    def variant(name, norm, base, schedule, pretrained=True):
        return [
            run(norm, 2, s, base + s, metric="bbox_ap", variant=name, schedule=schedule,
                pretrain_seed=0 if pretrained else None)
            for s in range(3)
        ]  # fmt: skip

    rows = variant("a_gn", "GN", 50.0, "epochs") + variant("c_bn", "FrozenBN", 48.0, "epochs")
    rows += variant("b_gn", "GN", 30.0, "epochs", pretrained=False)
    rows += variant("a_gn", "GN", 55.0, "epochs_x4")  # (c) not run at 4x: no (a)-(c) there
    rows += variant("b_gn", "GN", 50.0, "epochs_x4", pretrained=False)
    variants_ax, diff_ax = carryover_figure(RunIndex(rows), "bbox_ap").axes
    assert variants_ax.get_legend_handles_labels()[1] == ["epochs", "epochs_x4"]
    assert diff_ax.get_legend_handles_labels()[1] == ["epochs", "epochs_x4"]
