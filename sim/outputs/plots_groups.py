"""Figures by group for the equalities readers: budget change by group, winners and losers in
five bands, and the younger/older disparity.  Same look as plots.py (style.py)."""
from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.inputs.categories import CATEGORIES, CHANGE_BAND, EIA_CHARACTERISTICS, OLDER_AGE, TITLES
from sim.outputs import describe
from sim.outputs.settings import settings
from sim.outputs.style import BAND_COLOURS, FIGURE_WIDTH, FONT_PT, GREY, MIN_FONT_PT, OKABE_ITO
from sim.study.results import StudyResults

matplotlib.rcParams.update({
    "font.size": FONT_PT, "axes.titlesize": FONT_PT + 1, "axes.labelsize": FONT_PT,
    "xtick.labelsize": MIN_FONT_PT, "ytick.labelsize": MIN_FONT_PT,
    "legend.fontsize": MIN_FONT_PT, "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT + 1.5, "figure.labelsize": FONT_PT,
})
# Charted by group: the characteristics with fixed categories (teams are open labels).
CHARTED = tuple(c for c in EIA_CHARACTERISTICS if c in CATEGORIES)
PERCENT = FuncFormatter(lambda x, _p: f"{x:.0%}")


def txt(label: object) -> str:
    """Input text shown literally: a '$' must not switch matplotlib into mathtext."""
    return str(label).replace("$", r"\$")


def wrap(title: str, width: int = 72) -> str:
    """A long title on several lines, so it never runs off a figure of FIGURE_WIDTH."""
    return "\n".join(textwrap.wrap(title, width))


def _person_changes(results: StudyResults, policy: int, char: str,
                    n_groups: int) -> list[np.ndarray]:
    """% change in existing users' own budgets in cash, one year after go-live against just
    before it, per group, pooled over the reservoir replicates."""
    out: list[list[np.ndarray]] = [[] for _ in range(n_groups)]
    for rec in results.persons:
        if not {"valid", "pre_go_live", "price_ratio", "after", char} <= set(rec):
            continue
        before = np.asarray(rec["pre_go_live"], dtype=float)
        ok = np.asarray(rec["valid"][0, policy], dtype=bool) & (before > 0)
        cash = np.asarray(rec["after"][0, policy], dtype=float) * float(rec["price_ratio"][0])
        pct = cash / np.where(before > 0, before, 1) - 1
        codes = np.asarray(rec[char])
        for g in range(n_groups):
            out[g].append(pct[ok & (codes == g)])
    return [np.concatenate(x) if x else np.zeros(0) for x in out]


def shown_groups(eia: pd.DataFrame, policy: str, char: str, codes: tuple[str, ...]) -> list[int]:
    """The groups a figure may show: those the equalities table does not suppress (fewer
    than the threshold per simulated future), so no figure shows a group the tables hide."""
    rows = eia[(eia["policy"] == policy) & (eia["characteristic"] == char)]
    shown = set(rows.loc[~rows["suppressed"].astype(bool), "group"].astype(str))
    return [g for g, code in enumerate(codes) if code in shown]


def change_by_group(results: StudyResults, policy: int, eia: pd.DataFrame | None = None) -> Figure:
    """Box plots of % budget change by group, from the person-level reservoir; a group the
    equalities table suppresses (`eia`, computed if not given) is left out, as in the tables.
    The figure's `groups_shown` lists the groups it plots ('characteristic: group')."""
    from sim.outputs.equalities import eia_table

    limit = settings(results).suppress_below
    eia = eia_table(results) if eia is None else eia
    name = results.policies[policy]["name"]
    plotted: list[str] = []
    heights = [len(CATEGORIES[c].codes) + 1.5 for c in CHARTED]
    fig, axes = plt.subplots(len(CHARTED), 1, figsize=(FIGURE_WIDTH, 0.22 * sum(heights) + 1.6),
                             sharex=True, layout="constrained",
                             gridspec_kw={"height_ratios": heights})
    for ax, char in zip(axes, CHARTED):
        cat = CATEGORIES[char]
        groups = _person_changes(results, policy, char, len(cat.codes))
        keep = [g for g in shown_groups(eia, name, char, cat.codes) if len(groups[g])][::-1]
        plotted += [f"{char}: {cat.codes[g]}" for g in keep]
        ax.set_title(TITLES[char], loc="left")
        ax.axvline(0, color=GREY, lw=0.8)
        if not keep:
            ax.text(0.5, 0.5, f"no group of {limit:g} or more people", ha="center", va="center",
                    transform=ax.transAxes, color=GREY)
            ax.set_yticks([])
            continue
        ax.boxplot([groups[g] for g in keep], orientation="horizontal", whis=(5, 95),
                   showfliers=False, medianprops={"color": OKABE_ITO[5]})
        ax.set_yticks(range(1, len(keep) + 1), [cat.labels[g] for g in keep])
    axes[-1].xaxis.set_major_formatter(PERCENT)
    axes[-1].set_xlabel("Change in own budget since just before go-live, in cash\n"
                        "(negative = gets less)")
    fig.suptitle(wrap(f"Budget change by group one year after go-live: "
                      f"{txt(results.policies[policy]['name'])} (box: middle half, whiskers: 90%; "
                      f"groups under {limit:g} people not shown)"))
    fig.groups_shown = plotted
    return fig


def winners_losers(bands: pd.DataFrame, policy: str) -> Figure:
    """Each protected-characteristic group (and everyone) split into the five bands of budget
    change, losers left: shares of the group, summing to 100%."""
    sub = bands[(bands["policy"] == policy) & ((bands["protected_characteristic"] != "")
                                               | (bands["characteristic"] == "all"))
                & ~bands["suppressed"].astype(bool)]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.28 * len(sub) + 2.0), layout="constrained")
    if sub.empty:
        ax.text(0.5, 0.5, "no group large enough to show", ha="center", va="center",
                transform=ax.transAxes, color=GREY)
        fig.groups_shown = []
        return fig
    y = np.arange(len(sub))[::-1]
    labels = ["Everyone" if c == "all" else f"{p.capitalize()}: {g}" for c, p, g in
              zip(sub["characteristic"], sub["protected_characteristic"], sub["group_label"])]
    left = np.zeros(len(sub))
    for code, name, colour in zip(CHANGE_BAND.codes, CHANGE_BAND.labels, BAND_COLOURS):
        width = sub[f"share_{code}"].to_numpy(dtype=float)
        ax.barh(y, width, left=left, color=colour, label=name, edgecolor="white", lw=0.5)
        left += np.nan_to_num(width)
    ax.set_yticks(y, [txt(v) for v in labels])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, len(sub) - 0.4)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.set_xlabel("Share of the group")
    worst = sub.assign(label=labels)[sub["characteristic"] != "all"]
    worst = (worst.loc[worst["share_lose_over10"].idxmax()]
             if worst["share_lose_over10"].notna().any() else None)
    found = "" if worst is None else (f": {txt(worst['label'])} most often lose more than 10% "
                                      f"({worst['share_lose_over10']:.0%})")
    fig.suptitle(wrap(f"Winners and losers one year after go-live under {txt(policy)}{found} "
                      "(existing users' own budgets, cash, against just before go-live)"))
    fig.legend(loc="outside lower center", ncol=3)
    fig.groups_shown = [f"{c}: {g}" for c, g in zip(sub["characteristic"], sub["group"])]
    return fig


def disparity_chart(results: StudyResults, table: pd.DataFrame) -> Figure:
    """Younger/older allocation per point before and after, with 95% intervals."""
    sub = table[(table["snapshot"] == "first_year")].iloc[::-1]
    names = [p["name"] for p in results.policies]
    labels = [n if results.policies[names.index(n)]["is_baseline"]
              else describe.label(results, names.index(n)) for n in sub["policy"]]
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.3 * len(sub) + 2.0), layout="constrained")
    y = np.arange(len(sub))
    for col, colour, label, dy in (("ratio_before", GREY, "status quo", -0.15),
                                   ("ratio_after", OKABE_ITO[0], "option", 0.15)):
        mid = sub[col].to_numpy(dtype=float)
        lo = np.clip(mid - sub[f"{col}_lo"].to_numpy(dtype=float), 0, None)
        hi = np.clip(sub[f"{col}_hi"].to_numpy(dtype=float) - mid, 0, None)
        ax.errorbar(mid, y + dy, xerr=np.nan_to_num([lo, hi]), fmt="o", color=colour,
                    label=label, ms=4, capsize=2)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_yticks(y, [txt(v) for v in labels])
    ax.set_xlabel(wrap(f"Allocation per point, under {OLDER_AGE} / {OLDER_AGE} and over, at "
                       "equal need (95% interval; 1 = equal treatment)", 60))
    ax.set_title("Younger/older disparity one year after go-live")
    fig.legend(loc="outside lower center", ncol=2)
    return fig
