"""Figures for the report: plain-English titles, £ axes, a colour-blind-safe palette (Okabe-Ito)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sim.categories import CATEGORIES  # noqa: E402
from sim.finance import savings  # noqa: E402
from sim.results import StudyResults  # noqa: E402

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GREY = "#999999"
TITLES = {"age_band": "Age band", "client_group": "Client group (disability)", "sex": "Sex",
          "ethnicity": "Ethnicity", "pb_type": "PB type"}


def pounds(x: float, _pos: int | None = None) -> str:
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e6:
        return f"{sign}£{x / 1e6:.1f}m"
    if x >= 1e3:
        return f"{sign}£{x / 1e3:.0f}k"
    return f"{sign}£{x:.0f}"


POUNDS = FuncFormatter(pounds)
PERCENT = FuncFormatter(lambda x, _p: f"{x:.0%}")


def _featured(res: StudyResults) -> int:
    """The policy featured in group charts: the seed's recommendation if present."""
    names = [p["name"] for p in res.policies]
    for want in ("percentile+phased",):
        if want in names:
            return names.index(want)
    return next(i for i, p in enumerate(res.policies) if not p["is_baseline"])


def fan_chart(res: StudyResults) -> Figure:
    """Monthly spend: each policy's 5-95% band and median against the status quo's median."""
    ras = [i for i, p in enumerate(res.policies) if not p["is_baseline"]]
    cals = list(dict.fromkeys(res.policies[i]["calibration"] for i in ras))
    trs = list(dict.fromkeys(res.policies[i]["transition"] for i in ras))
    fig, axes = plt.subplots(len(cals), len(trs), figsize=(3.2 * len(trs), 2.4 * len(cals)),
                             sharex=True, sharey=True, squeeze=False)
    x = np.arange(len(res.months))
    base = np.median(res.spend_month_total[:, res.baseline_index], axis=0) * 12
    for i in ras:
        pol = res.policies[i]
        ax = axes[cals.index(pol["calibration"]), trs.index(pol["transition"])]
        q = np.percentile(res.spend_month_total[:, i] * 12, [5, 50, 95], axis=0)
        ax.fill_between(x, q[0], q[2], color=OKABE_ITO[0], alpha=0.3, lw=0, label="policy 5-95%")
        ax.plot(x, q[1], color=OKABE_ITO[0], lw=1.2, label="policy median")
        ax.plot(x, base, color=GREY, lw=1, ls="--", label="status quo median")
        ax.axvline(res.go_live_month, color=OKABE_ITO[5], lw=0.8)
        ax.set_title(f"{pol['calibration']} + {pol['transition']}", fontsize=8)
        ax.yaxis.set_major_formatter(POUNDS)
    ticks = [m for m in range(len(res.months)) if res.months[m].endswith("-04")]
    for ax in axes[-1]:
        ax.set_xticks(ticks, [res.months[m][:4] for m in ticks], fontsize=7)
    axes[0, 0].legend(fontsize=6, loc="upper left")
    fig.suptitle("Community spend forecast, annualised (vertical line: go-live)")
    fig.supylabel("Annual spend rate")
    fig.tight_layout()
    return fig


def savings_distribution(res: StudyResults, target: float, year: str) -> Figure:
    f = res.financial_years.index(year)
    save = savings(res)[:, :, f]
    order = [i for i, p in enumerate(res.policies) if not p["is_baseline"]]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(order) + 1.5))
    data = [save[:, i] for i in order]
    ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False,
               medianprops={"color": OKABE_ITO[5]}, boxprops={"color": OKABE_ITO[0]})
    ax.set_yticks(range(1, len(order) + 1), [res.policies[i]["name"] for i in order], fontsize=7)
    ax.axvline(target, color=OKABE_ITO[2], lw=1.5, label=f"target {pounds(target)}")
    ax.axvline(0, color=GREY, lw=0.8)
    for y, i in enumerate(order, start=1):
        p = float(np.mean(save[:, i] >= target))
        ax.text(1.01, y, f"P(meet) {p:.0%}", transform=ax.get_yaxis_transform(), fontsize=7,
                va="center")
    ax.xaxis.set_major_formatter(POUNDS)
    ax.set_xlabel(f"Savings against the status quo in {year} (box: quartiles, whiskers: 5-95%)")
    ax.set_title(f"Savings in {year} and the probability of meeting the target")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def policy_map(summary: pd.DataFrame, target: float) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 5))
    cals = list(dict.fromkeys(summary["calibration"]))
    trs = list(dict.fromkeys(summary["transition"]))
    markers = "osD^vP*X"
    for _, r in summary.iterrows():
        c = OKABE_ITO[cals.index(r["calibration"]) % len(OKABE_ITO)]
        mk = markers[trs.index(r["transition"]) % len(markers)]
        ax.scatter(r["share_lose10"], r["savings_mean"], color=c, marker=mk, s=50)
    for i, c in enumerate(cals):
        ax.scatter([], [], color=OKABE_ITO[i % len(OKABE_ITO)], label=c)
    for i, t in enumerate(trs):
        ax.scatter([], [], color=GREY, marker=markers[i % len(markers)], label=t)
    ax.axhline(target, color=OKABE_ITO[2], lw=1, ls="--")
    ax.axhline(0, color=GREY, lw=0.8)
    ax.yaxis.set_major_formatter(POUNDS)
    ax.xaxis.set_major_formatter(PERCENT)
    ax.set_xlabel("Share of current users losing more than 10% (first year after go-live)")
    ax.set_ylabel("Mean savings, first full year")
    ax.set_title("Policy map: savings against the number of people losing out")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def change_by_group(res: StudyResults, policy: int) -> Figure:
    """Box plots of % budget change by group, from the person-level reservoir."""
    chars = ("age_band", "client_group", "sex", "ethnicity", "pb_type")
    fig, axes = plt.subplots(1, len(chars), figsize=(16, 4), sharey=True)
    for ax, char in zip(axes, chars):
        cat = CATEGORIES[char]
        groups: list[list[float]] = [[] for _ in cat.codes]
        for rec in res.persons:
            ok = rec["valid"][0, policy]
            before = rec["before"][0].astype(float)
            pct = rec["after"][0, policy] / np.where(before > 0, before, 1) - 1
            for g in range(len(cat.codes)):
                groups[g].extend(pct[ok & (rec[char] == g)].tolist())
        keep = [g for g in range(len(cat.codes)) if len(groups[g]) >= 10]
        if keep:
            ax.boxplot([groups[g] for g in keep], whis=(5, 95), showfliers=False,
                       medianprops={"color": OKABE_ITO[5]})
            ax.set_xticks(range(1, len(keep) + 1), [cat.labels[g] for g in keep],
                          rotation=60, ha="right", fontsize=7)
        ax.axhline(0, color=GREY, lw=0.8)
        ax.set_title(TITLES[char], fontsize=9)
        ax.yaxis.set_major_formatter(PERCENT)
    axes[0].set_ylabel("Budget change against status quo")
    fig.suptitle(f"Budget change by group one year after go-live: {res.policies[policy]['name']}"
                 " (groups under 10 people not shown)")
    fig.tight_layout()
    return fig


def winners_losers(eia: pd.DataFrame, policy: str) -> Figure:
    sub = eia[(eia["policy"] == policy) & eia["characteristic"].isin(["client_group", "age_band"])
              & ~eia["suppressed"]]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(sub) + 1.5))
    y = np.arange(len(sub))
    ax.barh(y, -sub["share_lose10"], color=OKABE_ITO[5], label="losing more than 10%")
    ax.barh(y, sub["share_gain"], color=OKABE_ITO[2], label="gaining")
    ax.set_yticks(y, sub["group_label"], fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{abs(x):.0%}"))
    ax.set_xlabel("Share of the group (losers left, gainers right)")
    ax.set_title(f"Winners and losers by disability and age: {policy}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def disparity_chart(table: pd.DataFrame) -> Figure:
    sub = table[table["snapshot"] == "first_year"]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(sub) + 1.5))
    y = np.arange(len(sub))
    for col, colour, label, dy in (("ratio_before", GREY, "status quo", -0.15),
                                   ("ratio_after", OKABE_ITO[0], "policy", 0.15)):
        lo, hi = sub[f"{col}_lo"].to_numpy(), sub[f"{col}_hi"].to_numpy()
        mid = sub[col].to_numpy()
        ax.errorbar(mid, y + dy, xerr=[mid - lo, hi - mid], fmt="o", color=colour, label=label,
                    ms=4, capsize=2)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_yticks(y, sub["policy"], fontsize=7)
    ax.set_xlabel("Allocation per point, under 65 / 65 and over, at equal need (95% interval)")
    ax.set_title("Younger/older disparity before and after (1 = equal treatment)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def save_all(res: StudyResults, folder: Path, eia: pd.DataFrame, summary: pd.DataFrame,
             disparity: pd.DataFrame, target: float, year: str) -> list[Path]:
    """Write every figure as PNG into folder/figures/; returns the paths."""
    out = Path(folder) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    featured = _featured(res)
    figs = {
        "spend_fan.png": lambda: fan_chart(res),
        "savings_distribution.png": lambda: savings_distribution(res, target, year),
        "policy_map.png": lambda: policy_map(summary, target),
        "change_by_group.png": lambda: change_by_group(res, featured),
        "winners_losers.png": lambda: winners_losers(eia, res.policies[featured]["name"]),
        "disparity.png": lambda: disparity_chart(disparity),
    }
    paths = []
    for name, make in figs.items():
        fig = make()
        tmp = out / f".{name}"
        fig.savefig(tmp, dpi=110, format="png")
        plt.close(fig)
        tmp.replace(out / name)
        paths.append(out / name)
    return paths

