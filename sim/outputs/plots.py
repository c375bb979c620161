"""Figures for the report and the EIA document: plain-English titles, £ axes, Okabe-Ito colours.

Every function returns a matplotlib Figure at most FIGURE_WIDTH inches wide with text of at
least MIN_FONT_PT points (style.py), shown at its drawn size.  Options are numbered as in
the report's tables.  Labels that come from input files (policy names) are shown literally,
never as mathtext.  `save_all` writes every figure as PNG.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.atomic import atomic_path
from sim.outputs import describe
from sim.outputs.equalities import disparity_table, eia_table, winners_losers_table
from sim.outputs.finance import finance_savings
from sim.outputs.formats import pounds
from sim.outputs.plots_groups import change_by_group, disparity_chart, txt, winners_losers, wrap
from sim.outputs.roles import featured_policy, ras_policies
from sim.outputs.settings import settings
from sim.outputs.style import FIGURE_DPI, FIGURE_WIDTH, GREY, OKABE_ITO
from sim.study.finance_section import BASELINES
from sim.study.results import StudyResults

POUNDS = FuncFormatter(pounds)
PERCENT = FuncFormatter(lambda x, _p: f"{x:.0%}")
MARKERS = "osD^vP*Xh<>"


def _unique(results: StudyResults, key: str) -> list[str]:
    return list(dict.fromkeys(results.policies[i][key] for i in ras_policies(results)))


def fan_chart(results: StudyResults) -> Figure:
    """Monthly community spend: the status quo's 90% band and median, and each option's
    median, one panel per calibration, the axis from £0."""
    ras = ras_policies(results) or [results.baseline_index]
    cals, trs = _unique(results, "calibration") or ["status_quo"], _unique(results, "transition")
    ncol = 2 if len(cals) > 1 else 1
    nrow = -(-len(cals) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(FIGURE_WIDTH, 2.5 * nrow + 1.6), sharex=True,
                             sharey=True, squeeze=False, layout="constrained")
    x = np.arange(len(results.months))
    base = np.percentile(results.spend_month_total[:, results.baseline_index], [5, 50, 95], axis=0)
    for k, cal in enumerate(cals):
        ax = axes.flat[k]
        ax.fill_between(x, base[0], base[2], color=GREY, alpha=0.35, lw=0,
                        label="status quo, 90% of futures")
        ax.plot(x, base[1], color="black", lw=1, ls="--", label="status quo, median")
        for i in (i for i in ras if results.policies[i]["calibration"] == cal):
            t = results.policies[i]["transition"]
            ax.plot(x, np.median(results.spend_month_total[:, i], axis=0), lw=1.5,
                    color=OKABE_ITO[trs.index(t) % len(OKABE_ITO)] if t in trs else OKABE_ITO[0],
                    label=f"transition: {txt(t)}")
        ax.axvline(results.go_live_month, color=OKABE_ITO[5], lw=1, ls=":", label="go-live")
        ax.set_title(f"calibration: {txt(cal)}")
        ax.yaxis.set_major_formatter(POUNDS)
    axes.flat[0].set_ylim(bottom=0)   # shared: from £0, up to the highest line of any panel
    for ax in axes.flat[len(cals):]:
        ax.set_visible(False)
    ticks = [m for m in range(len(results.months)) if str(results.months[m]).endswith("-04")]
    fy = np.asarray(results.month_fy)
    for ax in axes[-1]:
        ax.set_xticks(ticks, [txt(results.financial_years[fy[m]]) for m in ticks], rotation=45)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1:len(cals)]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncol=2)
    last = np.median(results.spend_month_total[:, :, -1], axis=0)
    spread = "" if not ras_policies(results) else (
        f"; the options {pounds(min(last[i] for i in ras))} to {pounds(max(last[i] for i in ras))}")
    fig.suptitle(wrap(f"By {txt(results.months[-1])} the status quo spends "
                      f"{pounds(last[results.baseline_index])} a month{spread} (medians of the "
                      "simulated futures)"))
    fig.supylabel("Community spend per month")
    return fig


def savings_distribution(results: StudyResults, target: float | None = None,
                         year: str | None = None) -> Figure:
    """Savings per option against the target, with the chance of meeting it."""
    s = settings(results)
    target = s.target if target is None else target
    year = s.first_full_year if year is None else year
    save = finance_savings(results)[:, :, results.financial_years.index(year)]
    order = ras_policies(results)[::-1]  # first option at the top
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 0.3 * len(order) + 1.9), layout="constrained")
    if not order:
        _empty(ax, "No options besides the status quo")
        return fig
    ax.boxplot([save[:, i] for i in order], orientation="horizontal", whis=(5, 95),
               showfliers=False, medianprops={"color": OKABE_ITO[5]},
               boxprops={"color": OKABE_ITO[0]})
    ax.set_yticks(range(1, len(order) + 1), [txt(describe.label(results, i)) for i in order])
    ax.axvline(target, color=OKABE_ITO[2], lw=1.5, label=f"savings target {pounds(target)}")
    ax.axvline(0, color=GREY, lw=0.8)
    chance = ax.twinx()
    chance.set_ylim(ax.get_ylim())
    chance.set_yticks(range(1, len(order) + 1),
                      [f"{np.mean(save[:, i] >= target):.0%}" for i in order])
    chance.set_ylabel("chance of meeting the target")
    ax.xaxis.set_major_formatter(POUNDS)
    ax.set_xlabel(f"Savings against {BASELINES[s.finance_baseline]}, {txt(year)} (negative = "
                  "extra cost)\nbox: middle half of simulated futures; whiskers: 90%")
    meets = sum(s.meets(np.mean(save[:, i] >= target)) for i in order)
    ax.set_title(wrap(f"In {txt(year)}, {meets} of {len(order)} options meet the "
                      f"{pounds(target)} savings target", 60))
    ax.legend(loc="lower left")
    return fig


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def _place_labels(ax, xs: np.ndarray, ys: np.ndarray, labels: list[str]) -> None:
    """Numbers beside their points, each moved to the first of eight spots where it does not
    sit on a number already placed (in display points)."""
    spots = [(5, 4), (5, -11), (-12, 4), (-12, -11), (0, 8), (0, -15), (9, -3), (-16, -3)]
    to_px = ax.transData.transform
    placed: list[tuple[float, float]] = []
    for x, y, text in zip(xs, ys, labels):
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        px, py = to_px((x, y)) * 72 / ax.figure.dpi
        for dx, dy in spots:
            if all(abs(px + dx - qx) > 13 or abs(py + dy - qy) > 10 for qx, qy in placed):
                break
        placed.append((px + dx, py + dy))
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=9.5)


def policy_map(results: StudyResults, eia: pd.DataFrame) -> Figure:
    """Each option as a numbered point: mean first-full-year savings against the share of
    users (at go-live and new) losing more than 10%."""
    s = settings(results)
    year = results.financial_years.index(s.first_full_year)
    mean_save = finance_savings(results)[:, :, year].mean(axis=0)
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")["share_lose10"]
    ras = ras_policies(results)
    cals, trs = _unique(results, "calibration"), _unique(results, "transition")
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 6.2), layout="constrained")
    xs = np.array([everyone.get(results.policies[i]["name"], np.nan) for i in ras], dtype=float)
    ys = mean_save[ras]
    for i, x, y in zip(ras, xs, ys):
        pol = results.policies[i]
        ax.scatter(x, y, s=45, color=OKABE_ITO[cals.index(pol["calibration"]) % len(OKABE_ITO)],
                   marker=MARKERS[trs.index(pol["transition"]) % len(MARKERS)], zorder=3)
    fig.canvas.draw()  # positions in display units for the labels
    _place_labels(ax, xs, ys, [str(describe.number(results, i)) for i in ras])
    for i, c in enumerate(cals):
        ax.scatter([], [], color=OKABE_ITO[i % len(OKABE_ITO)], label=f"calibration: {txt(c)}")
    for i, t in enumerate(trs):
        ax.scatter([], [], color=GREY, marker=MARKERS[i % len(MARKERS)],
                   label=f"transition: {txt(t)}")
    ax.axhline(s.target, color=OKABE_ITO[2], lw=1, ls="--", label=f"target {pounds(s.target)}")
    ax.axhline(0, color=GREY, lw=0.8)
    ax.yaxis.set_major_formatter(POUNDS)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.set_xlabel("Share of existing users losing more than 10% of their own budget\n"
                  "in cash (one year after go-live, against just before it)")
    ax.set_ylabel(f"Mean savings, {txt(s.first_full_year)} (negative = extra cost)")
    ax.set_title(wrap(_map_finding(results, ras, xs, ys, s.target), 70)
                 + "\n(numbers: the options as numbered in the report)")
    fig.legend(loc="outside lower center", ncol=2)
    return fig


def _map_finding(results: StudyResults, ras: list[int], xs: np.ndarray, ys: np.ndarray,
                 target: float) -> str:
    """The policy map's finding: which option meeting the target on average leaves the
    fewest people losing more than 10%."""
    ok = [k for k in range(len(ras)) if ys[k] >= target and np.isfinite(xs[k])]
    if not ok:
        return "No option saves the target on average"
    k = min(ok, key=lambda j: xs[j])
    return (f"Of the options saving the target on average, {txt(describe.label(results, ras[k]))} "
            f"leaves the fewest losing more than 10% ({xs[k]:.0%})")


GROUPS_KEY = "Groups shown"   # PNG text entry: the groups a figure plots, one per line


def _groups(fig: Figure) -> dict[str, str]:
    shown = getattr(fig, "groups_shown", None)
    return {} if shown is None else {GROUPS_KEY: "\n".join(shown)}


def save_all(results: StudyResults, folder: str | Path, *, eia: pd.DataFrame | None = None,
             disparity: pd.DataFrame | None = None,
             bands: pd.DataFrame | None = None) -> list[Path]:
    """Write every figure as PNG into folder/figures/; returns the paths.  The group charts
    show the featured (recommended) option, as the EIA document does."""
    eia = eia_table(results) if eia is None else eia
    disparity = disparity_table(results) if disparity is None else disparity
    bands = winners_losers_table(results) if bands is None else bands
    out = Path(folder) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    featured = featured_policy(results)
    figs = {
        "spend_fan.png": lambda: fan_chart(results),
        "savings_distribution.png": lambda: savings_distribution(results),
        "policy_map.png": lambda: policy_map(results, eia),
        "change_by_group.png": lambda: change_by_group(results, featured, eia),
        "winners_losers.png": lambda: winners_losers(bands, results.policies[featured]["name"]),
        "disparity.png": lambda: disparity_chart(results, disparity),
    }
    paths = []
    for name, make in figs.items():
        fig = make()
        try:
            with atomic_path(out / name) as tmp:   # a group chart names its groups inside
                fig.savefig(tmp, dpi=FIGURE_DPI, format="png", metadata=_groups(fig))
        finally:
            plt.close(fig)
        paths.append(out / name)
    return paths
