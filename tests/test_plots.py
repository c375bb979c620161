"""Figures legible at the size they are shown: A4 width at most, no text under 9 pt, every
label on the figure, the options numbered as in the report."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text
from results_fixture import constructed

from sim.outputs.equalities import disparity_table, eia_table, winners_losers_table
from sim.outputs.plots import fan_chart, policy_map, save_all, savings_distribution
from sim.outputs.plots_groups import change_by_group, disparity_chart, winners_losers

A4_PRINTABLE_IN = 180 / 25.4          # 210 mm less 15 mm margins each side


@pytest.fixture(scope="module")
def figures():
    res = constructed(with_persons=True)
    eia, bands = eia_table(res), winners_losers_table(res)
    figs = {"fan": fan_chart(res), "savings": savings_distribution(res),
            "map": policy_map(res, eia), "groups": change_by_group(res, 2),
            "winners": winners_losers(bands, "a+phased"),
            "disparity": disparity_chart(res, disparity_table(res))}
    yield figs
    for fig in figs.values():
        plt.close(fig)


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", ["fan", "savings", "map", "groups", "winners", "disparity"])
def test_every_figure_fits_a4_and_no_text_is_under_9_points(figures, name):
    fig = figures[name]
    assert fig.get_figwidth() <= A4_PRINTABLE_IN
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < 9]
    assert not small
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())   # inches, what is drawn
    assert drawn.x0 >= -0.01 and drawn.x1 <= fig.get_figwidth() + 0.01, "text runs off the figure"
    assert drawn.y0 >= -0.01 and drawn.y1 <= fig.get_figheight() + 0.01


def test_the_spend_fan_starts_at_zero_and_has_one_panel_per_calibration(figures):
    shown = [ax for ax in figures["fan"].axes if ax.get_visible()]
    assert len(shown) == 2 and all(ax.get_ylim()[0] == 0 for ax in shown)
    assert {ax.get_title() for ax in shown} == {"calibration: a", "calibration: b"}


def test_the_policy_map_numbers_every_option_and_says_share(figures):
    ax = figures["map"].axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "3"]
    assert "Share of existing users" in ax.get_xlabel() and "number of people" not in ax.get_title()


def test_savings_show_each_options_chance_on_the_right(figures):
    twin = figures["savings"].axes[1]
    assert [t.get_text() for t in twin.get_yticklabels()] == ["0%", "0%", "75%"]


def test_group_chart_uses_the_study_suppression_threshold():
    res = constructed(with_persons=True)             # 120 people, 2-60 per group
    shown = change_by_group(res, 2)
    assert "groups under 10 people" in shown._suptitle.get_text()
    # a group the equalities table suppresses (per simulated future) is not plotted
    assert all(ax.get_yticklabels() or [t.get_text() for t in ax.texts]
               == ["no group of 10 or more people"] for ax in shown.axes)
    assert any(ax.get_yticklabels() for ax in shown.axes)
    res.meta["study"]["suppress_below"] = 500
    hidden = change_by_group(res, 2)
    assert "groups under 500 people" in hidden._suptitle.get_text()
    assert all([t.get_text() for t in ax.texts] == ["no group of 500 or more people"]
               for ax in hidden.axes)
    plt.close(shown)
    plt.close(hidden)


def test_winners_and_losers_has_five_bands_for_protected_groups(figures):
    ax = figures["winners"].axes[0]
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert {"Everyone", "Disability: Learning difficulties", "Sex: Male", "Age: 85 and over"} \
        <= labels
    assert not any("direct payment" in label.lower() for label in labels)
    legend = [t.get_text() for t in figures["winners"].legends[0].get_texts()]
    assert legend == ["Lose more than 10%", "Lose 5-10%", "Within 5%", "Gain 5-10%",
                      "Gain more than 10%"]


def test_save_all_on_its_own(tmp_path):
    paths = save_all(constructed(), tmp_path)
    assert [p.name for p in paths] == ["spend_fan.png", "savings_distribution.png",
                                       "policy_map.png", "change_by_group.png",
                                       "winners_losers.png", "disparity.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_chart_titles_state_the_finding():
    """Each chart's title is its finding (a reader of the figure alone learns the result),
    not only what is plotted."""
    from sim.outputs.equalities import winners_losers_table
    from sim.outputs.plots import fan_chart, savings_distribution

    res = constructed(with_persons=True)
    figs = [savings_distribution(res), policy_map(res, eia_table(res)), fan_chart(res),
            winners_losers(winners_losers_table(res), "a+phased")]
    titles = [figs[0].axes[0].get_title(), figs[1].axes[0].get_title(),
              figs[2]._suptitle.get_text(), figs[3]._suptitle.get_text()]
    flat = [" ".join(t.split()) for t in titles]
    assert flat[0] == "In 2013/14, 0 of 3 options meet the £100 savings target"  # 75% < 9 in 10
    assert flat[1].startswith("Of the options saving the target on average, 1. a+immediate "
                              "leaves the fewest losing more than 10% (38%)")
    assert flat[2].startswith("By 2014-03 the status quo spends £83 a month; the options")
    assert "Disability: Learning difficulties most often lose more than 10% (50%)" in flat[3]
    for f in figs:
        plt.close(f)
