"""Tornado figures of a sensitivity analysis: which assumptions move a policy's savings.

Drawn from the sensitivity table (sensitivity.csv's rows), in the report's style: at most
FIGURE_WIDTH wide, text of at least MIN_FONT_PT, Okabe-Ito colours, parameter names shown
literally.  Each figure comes with alt text and a caption that states its finding.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.atomic import atomic_path
from sim.outputs.formats import pounds
from sim.outputs.plots import POUNDS
from sim.outputs.plots_groups import txt, wrap
from sim.outputs.style import FIGURE_DPI, FIGURE_WIDTH, OKABE_ITO

TOP = 10   # parameters shown in a tornado


def rank_column(indices: pd.DataFrame) -> str:
    """What ranks the parameters: the total index (Sobol) or mu* (Morris)."""
    return "ST" if "ST" in indices.columns else "mu_star"


def ranked(indices: pd.DataFrame, policy: str, output: str) -> pd.DataFrame:
    """One policy's and output's rows, most influential first."""
    rows = indices[(indices["policy"] == policy) & (indices["output"] == output)]
    return rows.sort_values(rank_column(indices), ascending=False, kind="stable")


def tornado(indices: pd.DataFrame, policy: str, output: str, what: str) -> Figure:
    """Horizontal bars of the TOP most influential parameters for one policy and output:
    total and first-order indices with their 95% intervals (Sobol), or mu* (Morris)."""
    rows = ranked(indices, policy, output).head(TOP).iloc[::-1]
    col = rank_column(indices)
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(FIGURE_WIDTH, 1.6 + 0.38 * max(len(rows), 1)),
                           layout="constrained")
    if col == "ST":
        ax.barh(y + 0.18, rows["ST"], 0.36, xerr=rows["ST_conf"], color=OKABE_ITO[0],
                label="total index (with interactions)", capsize=2)
        ax.barh(y - 0.18, rows["S1"], 0.36, xerr=rows["S1_conf"], color=OKABE_ITO[1],
                label="first-order index (alone)", capsize=2)
        ax.set_xlabel("Share of the variance of the output")
        reach = pd.concat([rows["ST"] + rows["ST_conf"], rows["S1"] + rows["S1_conf"]])
        ax.set_xlim(0, max(1.0, float(reach.max() if len(reach) else 0)))
        ax.legend(loc="lower right")
    else:
        ax.barh(y, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], color=OKABE_ITO[0],
                capsize=2)
        ax.set_xlabel("Mean absolute elementary effect, mu* (output units)")
        if output == "savings":
            ax.xaxis.set_major_formatter(POUNDS)
    ax.set_yticks(y, [txt(p) for p in rows["parameter"]])
    fig.suptitle(wrap(f"{txt(policy)}: what drives the {what}", 80))
    return fig


def finding(indices: pd.DataFrame, policy: str, output: str, what: str) -> tuple[str, str]:
    """Alt text and caption for a tornado."""
    rows = ranked(indices, policy, output)
    col = rank_column(indices)
    top = rows.head(3)
    shown = ", ".join(f"{p} ({_value(col, v, output)})" for p, v in zip(top["parameter"], top[col]))
    alt = (f"Horizontal bar chart for {policy}: the {min(TOP, len(rows))} uncertain parameters "
           f"with the largest {_name(col)} for the {what}, largest at the top.")
    caption = (f"For {policy}, the {what} depends most on {shown} ({_name(col)})."
               if len(top) else f"No sensitivity indices for {policy}.")
    return alt, caption


def _name(col: str) -> str:
    return "total Sobol index" if col == "ST" else "Morris mu*"


def _value(col: str, v: float, output: str) -> str:
    if col == "ST":
        return f"{v:.2f}"
    return pounds(v) if output == "savings" else f"{v:.3g}"


def save_tornados(indices: pd.DataFrame, folder: Path, output: str,
                  what: str) -> dict[str, Path]:
    """figures/tornado_<n>.png for each policy (in table order); returns them by policy."""
    out = folder / "figures"
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for n, policy in enumerate(dict.fromkeys(indices["policy"]), start=1):
        if indices[(indices["policy"] == policy) & (indices["output"] == output)].empty:
            continue
        fig = tornado(indices, policy, output, what)
        try:
            with atomic_path(out / f"tornado_{n}.png") as tmp:
                fig.savefig(tmp, dpi=FIGURE_DPI, format="png")
        finally:
            plt.close(fig)
        paths[policy] = out / f"tornado_{n}.png"
    return paths
