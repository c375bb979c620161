"""The frontier figure: every trial in objective space, feasible and infeasible marked, the
confirmed front and the reference options (the shipped scenarios) from the confirmation run."""
from __future__ import annotations

from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.analysis.search.file import Search
from sim.analysis.search.metrics import METRICS
from sim.atomic import atomic_path
from sim.outputs.formats import pounds
from sim.outputs.style import FIGURE_DPI, FIGURE_WIDTH, GREY, OKABE_ITO


def _axes_pairs(search: Search) -> list[tuple[str, str]]:
    """The pairs of outputs drawn: each pair of objectives, or the single objective against
    the first constraint's output (or the trial number)."""
    outs = [o.output for o in search.objectives]
    if len(outs) > 1:
        return list(combinations(outs, 2))
    return [(outs[0], search.constraints[0].output if search.constraints else "trial")]


def frontier_figure(search: Search, trials: pd.DataFrame, confirmed: pd.DataFrame,
                    path: Path) -> Path:
    """Write frontier.png: one panel per pair of outputs."""
    pairs = _axes_pairs(search)
    fig, axes = plt.subplots(len(pairs), 1, figsize=(FIGURE_WIDTH, 4.2 * len(pairs)),
                             layout="constrained", squeeze=False)
    ok, bad = trials.loc[trials["feasible"]], trials.loc[~trials["feasible"]]
    options = confirmed.loc[confirmed["role"] == "option"]
    front = options.loc[options["on_frontier"].astype(bool)]
    refs = confirmed.loc[confirmed["role"] == "reference"]
    refs_ok = refs["feasible"].astype(bool)
    for ax, (x, y) in zip(axes[:, 0], pairs):
        ax.scatter(bad[x], bad[y], s=14, marker="x", color=GREY, label="trial: infeasible")
        ax.scatter(ok[x], ok[y], s=14, color=OKABE_ITO[4], label="trial: feasible")
        ax.scatter(options[x], options[y], s=60, facecolors="none", edgecolors=OKABE_ITO[1],
                   label="re-run (fresh seeds), dominated or infeasible")
        ax.scatter(front[x], front[y], s=60, color=OKABE_ITO[5], zorder=3,
                   label="confirmed frontier (fresh seeds)")
        ax.scatter(refs.loc[refs_ok, x], refs.loc[refs_ok, y], s=90, marker="*", zorder=3,
                   color=OKABE_ITO[7], label="shipped scenario (fresh seeds): feasible")
        ax.scatter(refs.loc[~refs_ok, x], refs.loc[~refs_ok, y], s=90, marker="*", zorder=3,
                   facecolors="none", edgecolors=OKABE_ITO[7],
                   label="shipped scenario (fresh seeds): infeasible")
        for _, r in pd.concat([front, refs]).iterrows():
            ax.annotate(str(r["label"]), (r[x], r[y]), xytext=(5, 4), textcoords="offset points",
                        fontsize=9.5)
        for axis, output in ((ax.xaxis, x), (ax.yaxis, y)):
            axis.set_label_text(_label(output))
            if "(£)" in getattr(METRICS.get(output), "description", ""):
                axis.set_major_formatter(FuncFormatter(pounds))
    axes[0, 0].set_title(f"Options search '{search.spec.name}': trials ({search.spec.runs} "
                         "replicates each),\nthe front re-run on fresh seeds", fontsize=10.5)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=9.5)
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=FIGURE_DPI, format="png")
    finally:
        plt.close(fig)
    return path


def _label(output: str) -> str:
    """The output's description when short enough for an axis, else its name."""
    m = METRICS.get(output)
    text = (m.label or m.description.removesuffix(" (£)")) if m else output
    return text[0].upper() + text[1:] if len(text) < 60 else output
