"""Figures for the report: plain-English titles, £ axes, a colour-blind-safe palette (Okabe-Ito).

Every function returns a matplotlib Figure; `save_all` writes them as PNGs.  Labels
that come from input files (policy names) are shown literally, never as mathtext.
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
from sim.inputs.categories import CATEGORIES, EIA_CHARACTERISTICS, OLDER_AGE, TITLES
from sim.outputs.equalities import disparity_table, eia_table
from sim.outputs.finance import savings
from sim.outputs.formats import pounds
from sim.outputs.roles import featured_policy, ras_policies
from sim.outputs.settings import settings
from sim.study.results import StudyResults

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#999999"
# Charted by group: the characteristics with fixed categories (teams are open labels).
CHARTED = tuple(c for c in EIA_CHARACTERISTICS if c in CATEGORIES)
POUNDS = FuncFormatter(pounds)
PERCENT = FuncFormatter(lambda x, _p: f"{x:.0%}")


def _txt(label: object) -> str:
    """Input text shown literally: a '$' must not switch matplotlib into mathtext."""
    return str(label).replace("$", r"\$")


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_xticks([])
    ax.set_yticks([])


def fan_chart(res: StudyResults) -> Figure:
    """Monthly community spend: each policy's 5-95% band and median against the status quo."""
    ras = ras_policies(res) or [res.baseline_index]
    cals = list(dict.fromkeys(res.policies[i]["calibration"] for i in ras))
    trs = list(dict.fromkeys(res.policies[i]["transition"] for i in ras))
    fig, axes = plt.subplots(len(cals), len(trs), figsize=(3.2 * len(trs) + 1, 2.4 * len(cals) + 1),
                             sharex=True, sharey=True, squeeze=False, layout="constrained")
    x = np.arange(len(res.months))
    base = np.median(res.spend_month_total[:, res.baseline_index], axis=0)
    for i in ras:
        pol = res.policies[i]
        ax = axes[cals.index(pol["calibration"]), trs.index(pol["transition"])]
        q = np.percentile(res.spend_month_total[:, i], [5, 50, 95], axis=0)
        ax.fill_between(x, q[0], q[2], color=OKABE_ITO[0], alpha=0.3, lw=0,
                        label="policy, 90% range")
        ax.plot(x, q[1], color=OKABE_ITO[0], lw=1.2, label="policy, median")
        ax.plot(x, base, color=GREY, lw=1, ls="--", label="status quo, median")
        ax.axvline(res.go_live_month, color=OKABE_ITO[5], lw=0.8, label="go-live")
        ax.set_title(_txt(pol["name"]), fontsize=8)
        ax.yaxis.set_major_formatter(POUNDS)
    for ax in axes.ravel():
        if not ax.has_data():
            ax.set_visible(False)
    ticks = [m for m in range(len(res.months)) if str(res.months[m]).endswith("-04")]
    fy = np.asarray(res.month_fy)
    for ax in axes[-1]:
        ax.set_xticks(ticks, [_txt(res.financial_years[fy[m]]) for m in ticks], fontsize=7,
                      rotation=45)
    axes[0, 0].legend(fontsize=6, loc="upper left")
    fig.suptitle("Forecast community spend per month by policy "
                 "(shaded: 90% of simulated futures; dashed: status quo)")
    fig.supylabel("Community spend per month")
    fig.supxlabel("Financial year (ticks at April)")
    return fig


def savings_distribution(res: StudyResults, target: float | None = None,
                         year: str | None = None) -> Figure:
    """Savings per policy against the target, with the probability of meeting it."""
    s = settings(res)
    target = s.target if target is None else target
    year = s.first_full_year if year is None else year
    f = res.financial_years.index(year)
    save = savings(res)[:, :, f]
    order = ras_policies(res)[::-1]  # first policy at the top
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(order) + 1.8))
    if not order:
        _empty(ax, "No policies besides the status quo")
        return fig
    ax.boxplot([save[:, i] for i in order], orientation="horizontal", whis=(5, 95),
               showfliers=False, medianprops={"color": OKABE_ITO[5]},
               boxprops={"color": OKABE_ITO[0]})
    ax.set_yticks(range(1, len(order) + 1), [_txt(res.policies[i]["name"]) for i in order],
                  fontsize=7)
    ax.axvline(target, color=OKABE_ITO[2], lw=1.5, label=f"savings target {pounds(target)}")
    ax.axvline(0, color=GREY, lw=0.8)
    for y, i in enumerate(order, start=1):
        p = float(np.mean(save[:, i] >= target))
        ax.text(1.01, y, f"{p:.0%} chance", transform=ax.get_yaxis_transform(), fontsize=7,
                va="center")
    ax.xaxis.set_major_formatter(POUNDS)
    ax.set_xlabel(f"Savings against the status quo in {_txt(year)} "
                  "(box: middle half of simulated futures, whiskers: 90%)")
    ax.set_title(f"Savings in {_txt(year)} and the chance of meeting the target")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def policy_map(res: StudyResults, eia: pd.DataFrame) -> Figure:
    """Each policy as a point: mean first-full-year savings against the share losing >10%."""
    s = settings(res)
    f = res.financial_years.index(s.first_full_year)
    mean_save = savings(res)[:, :, f].mean(axis=0)
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")["share_lose10"]
    ras = ras_policies(res)
    cals = list(dict.fromkeys(res.policies[i]["calibration"] for i in ras))
    trs = list(dict.fromkeys(res.policies[i]["transition"] for i in ras))
    markers = "osD^vP*Xh<>"
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for i in ras:
        pol = res.policies[i]
        ax.scatter(everyone.get(pol["name"], np.nan), mean_save[i], s=50,
                   color=OKABE_ITO[cals.index(pol["calibration"]) % len(OKABE_ITO)],
                   marker=markers[trs.index(pol["transition"]) % len(markers)])
    for i, c in enumerate(cals):
        ax.scatter([], [], color=OKABE_ITO[i % len(OKABE_ITO)], label=f"calibration: {_txt(c)}")
    for i, t in enumerate(trs):
        ax.scatter([], [], color=GREY, marker=markers[i % len(markers)],
                   label=f"transition: {_txt(t)}")
    ax.axhline(s.target, color=OKABE_ITO[2], lw=1, ls="--", label=f"target {pounds(s.target)}")
    ax.axhline(0, color=GREY, lw=0.8)
    ax.yaxis.set_major_formatter(POUNDS)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.set_xlabel("Share of current users losing more than 10% (one year after go-live)")
    ax.set_ylabel(f"Mean savings, {_txt(s.first_full_year)}")
    ax.set_title("Policy map: savings against the number of people losing out")
    ax.legend(fontsize=6, ncol=2, loc="best")
    fig.tight_layout()
    return fig


def _person_changes(res: StudyResults, policy: int, char: str, n_groups: int) -> list[np.ndarray]:
    """% change one year after go-live per group, pooled over the reservoir replicates."""
    out: list[list[np.ndarray]] = [[] for _ in range(n_groups)]
    for rec in res.persons:
        if not {"valid", "before", "after", char} <= set(rec):
            continue
        before = np.asarray(rec["before"][0], dtype=float)
        ok = np.asarray(rec["valid"][0, policy], dtype=bool) & (before > 0)
        pct = np.asarray(rec["after"][0, policy], dtype=float) / np.where(before > 0, before, 1) - 1
        codes = np.asarray(rec[char])
        for g in range(n_groups):
            out[g].append(pct[ok & (codes == g)])
    return [np.concatenate(x) if x else np.zeros(0) for x in out]


def change_by_group(res: StudyResults, policy: int) -> Figure:
    """Box plots of % budget change by group, from the person-level reservoir; groups
    smaller than the study's suppression threshold are left out, as in the tables."""
    limit = settings(res).suppress_below
    fig, axes = plt.subplots(1, len(CHARTED), figsize=(16, 4.5), sharey=True)
    for ax, char in zip(axes, CHARTED):
        cat = CATEGORIES[char]
        groups = _person_changes(res, policy, char, len(cat.codes))
        keep = [g for g in range(len(cat.codes)) if len(groups[g]) >= limit]
        ax.set_title(TITLES[char], fontsize=9)
        if not keep:
            _empty(ax, f"no group of {limit:g} or more people")
            continue
        ax.boxplot([groups[g] for g in keep], whis=(5, 95), showfliers=False,
                   medianprops={"color": OKABE_ITO[5]})
        ax.set_xticks(range(1, len(keep) + 1), [cat.labels[g] for g in keep],
                      rotation=60, ha="right", fontsize=7)
        ax.axhline(0, color=GREY, lw=0.8)
        ax.yaxis.set_major_formatter(PERCENT)
    axes[0].set_ylabel("Budget change against the status quo")
    fig.suptitle("Budget change by group one year after go-live: "
                 f"{_txt(res.policies[policy]['name'])} (box: middle half, whiskers: 90%; "
                 f"groups under {limit:g} people not shown)")
    fig.tight_layout()
    return fig


def winners_losers(eia: pd.DataFrame, policy: str) -> Figure:
    """Share losing more than 10% and share gaining, per protected-characteristic group."""
    sub = eia[(eia["policy"] == policy) & (eia["protected_characteristic"] != "")
              & ~eia["suppressed"].astype(bool)]
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(sub) + 1.8))
    if sub.empty:
        _empty(ax, "no group large enough to show")
        return fig
    y = np.arange(len(sub))[::-1]
    labels = [f"{c.capitalize()}: {g}"
              for c, g in zip(sub["protected_characteristic"], sub["group_label"])]
    ax.barh(y, -sub["share_lose10"].to_numpy(), color=OKABE_ITO[5], label="losing more than 10%")
    ax.barh(y, sub["share_gain"].to_numpy(), color=OKABE_ITO[2], label="gaining")
    ax.set_yticks(y, [_txt(v) for v in labels], fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{abs(x):.0%}"))
    ax.set_xlabel("Share of the group (losers left, gainers right)")
    ax.set_title(f"Winners and losers one year after go-live: {_txt(policy)}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def disparity_chart(table: pd.DataFrame) -> Figure:
    """Younger/older allocation per point before and after, with 95% intervals."""
    sub = table[(table["snapshot"] == "first_year")].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(sub) + 1.8))
    y = np.arange(len(sub))
    for col, colour, label, dy in (("ratio_before", GREY, "status quo", -0.15),
                                   ("ratio_after", OKABE_ITO[0], "policy", 0.15)):
        mid = sub[col].to_numpy(dtype=float)
        lo = np.clip(mid - sub[f"{col}_lo"].to_numpy(dtype=float), 0, None)
        hi = np.clip(sub[f"{col}_hi"].to_numpy(dtype=float) - mid, 0, None)
        ax.errorbar(mid, y + dy, xerr=np.nan_to_num([lo, hi]), fmt="o", color=colour,
                    label=label, ms=4, capsize=2)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_yticks(y, [_txt(v) for v in sub["policy"]], fontsize=7)
    ax.set_xlabel(f"Allocation per point: under {OLDER_AGE} / {OLDER_AGE} and over, "
                  "at equal need (95% interval)")
    ax.set_title("Younger/older disparity one year after go-live (1 = equal treatment)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def save_all(res: StudyResults, folder: str | Path, *, eia: pd.DataFrame | None = None,
             disparity: pd.DataFrame | None = None) -> list[Path]:
    """Write every figure as PNG into folder/figures/; returns the paths."""
    eia = eia_table(res) if eia is None else eia
    disparity = disparity_table(res) if disparity is None else disparity
    out = Path(folder) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    featured = featured_policy(res)
    figs = {
        "spend_fan.png": lambda: fan_chart(res),
        "savings_distribution.png": lambda: savings_distribution(res),
        "policy_map.png": lambda: policy_map(res, eia),
        "change_by_group.png": lambda: change_by_group(res, featured),
        "winners_losers.png": lambda: winners_losers(eia, res.policies[featured]["name"]),
        "disparity.png": lambda: disparity_chart(disparity),
    }
    paths = []
    for name, make in figs.items():
        fig = make()
        try:
            with atomic_path(out / name) as tmp:
                fig.savefig(tmp, dpi=110, format="png")
        finally:
            plt.close(fig)
        paths.append(out / name)
    return paths
