"""sensitivity.html: how much each headline result depends on the assumptions behind it.

Built from the tables the analysis writes (sensitivity.csv, thresholds.csv, the uncertain
parameters) so the page shows exactly their numbers: the three assumptions that matter
most for each output and policy, a tornado figure per policy, the thresholds, the method.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.sensitivity.figures import finding, rank_column, ranked
from sim.outputs.columns import GBP, RATIO, TEXT
from sim.outputs.describe import ACRONYMS, parameter_label
from sim.outputs.formats import missing, pounds
from sim.outputs.markup import box, esc, img, note, spell_out, table
from sim.outputs.style import CSS, LAYOUT_SCRIPT


def render(run: dict[str, Any], indices: pd.DataFrame, thresholds: pd.DataFrame,
           parameters: pd.DataFrame, figures: dict[str, Path], noise: pd.DataFrame) -> str:
    """The whole page.  `run`: study, method, samples, points, replicates, seed, year,
    target, outputs ({key: description}), skipped (texts); `noise`: noise.csv."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(run['study'])}: sensitivity analysis</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Sensitivity analysis of study '{esc(run['study'])}'</h1>",
        box([f"<p>{esc(s)}</p>" for s in headline_sentences(run, indices)]),
        "<h2 class='first'>The three assumptions that matter most</h2>",
        top_three_table(run, indices, noise),
        *[note(s) for s in (*noise_warnings(run, noise), *run.get("skipped", []))],
        "<h2>What drives the savings, policy by policy</h2>",
        *[img(path, *finding(indices, policy, "savings", _what(run)))
          for policy, path in figures.items()],
        "<h2>Thresholds</h2>",
        *[f"<p>{esc(s)}</p>" for s in threshold_sentences(run, thresholds)],
        table(_labelled(thresholds), "Where each policy's most influential assumption stops it "
              "meeting the target (thresholds.csv)", kinds=_THRESHOLD_KINDS),
        "<h2>Method</h2>",
        *[note(s) for s in method_sentences(run)],
        table(_labelled(parameters), "The uncertain parameters and their distributions",
              kinds={c: TEXT for c in [*parameters.columns, "in words"]}),
        f"<script>{LAYOUT_SCRIPT}</script></body></html>",
    ]
    return spell_out("\n".join(parts), ACRONYMS)


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    """The table with each parameter's plain label beside its dotted path."""
    if "parameter" not in df.columns or df.empty:
        return df
    at = list(df.columns).index("parameter") + 1
    out = df.copy()
    out.insert(at, "in words", [parameter_label(str(p)) for p in df["parameter"]])
    return out


_THRESHOLD_KINDS = {"level_gbp": GBP, "central_value": RATIO, "threshold_value": RATIO,
                    "savings_at_central": GBP, "support_low": RATIO, "savings_at_low": GBP,
                    "support_high": RATIO, "savings_at_high": GBP}


def _what(run: dict[str, Any]) -> str:
    return f"mean savings in {run['year']}"


NOISY = 0.2   # a noise share above this makes an output's indices unreliable


def noise_warnings(run: dict[str, Any], noise: pd.DataFrame) -> list[str]:
    """A sentence for each output whose variance across the design is largely noise."""
    out = []
    for r in noise[noise["noise_share"] > NOISY].itertuples(index=False):
        out.append(f"Caution: for {r.policy}, about {r.noise_share:.0%} of the variance of "
                   f"the {run['outputs'][r.output]} across the design is simulation noise "
                   f"(other replicate worlds at the central values give that much with "
                   f"{run['replicates']} replicate(s) an evaluation): its indices reflect "
                   "noise as well as the assumptions; rerun with more --replicates.")
    return out


def top_three_table(run: dict[str, Any], indices: pd.DataFrame, noise: pd.DataFrame) -> str:
    """A table per output: each policy's three most influential parameters with their index,
    and the share of the output's variance that is simulation noise."""
    col = rank_column(indices)
    share = noise.set_index(["output", "policy"])["noise_share"]
    name = "total Sobol index ST" if col == "ST" else "Morris mu*"
    tables = []
    for output, description in run["outputs"].items():
        rows = []
        for policy in dict.fromkeys(indices["policy"]):
            top = ranked(indices, policy, output).head(3)
            if top.empty:
                continue
            ranks = {f"rank_{k + 1}": f"{parameter_label(p)} ({v:.2f})" if col == "ST" else
                     f"{parameter_label(p)} ({v:.3g})"
                     for k, (p, v) in enumerate(zip(top["parameter"], top[col]))}
            if not (top[col] > 0).any():
                ranks = {"rank_1": "the same at every evaluation: no assumption moves it",
                         "rank_2": "", "rank_3": ""}
            noisy = share.get((output, policy), float("nan"))
            rows.append({"policy": policy, **ranks,
                         "noise_share": "–" if missing(noisy) else f"{noisy:.0%}"})
        if rows:
            df = pd.DataFrame(rows)
            tables.append(table(df, f"{description[0].upper()}{description[1:]}: the most "
                                f"influential parameters ({name})",
                                kinds={c: TEXT for c in df.columns}))
    return "\n".join(tables)


def headline_sentences(run: dict[str, Any], indices: pd.DataFrame) -> list[str]:
    """One sentence per policy: what its savings depend on most."""
    col = rank_column(indices)
    out = []
    for policy in dict.fromkeys(indices["policy"]):
        top = ranked(indices, policy, "savings").head(3)
        if top.empty:
            continue
        if col == "ST":
            shown = ", ".join(f"{parameter_label(p)} (total index {st:.2f}, alone {s1:.2f})"
                              for p, st, s1 in zip(top["parameter"], top["ST"], top["S1"]))
        else:
            shown = ", ".join(f"{parameter_label(p)} (mu* {pounds(m)})" for p, m in zip(
                top["parameter"],
                                                                      top["mu_star"]))
        out.append(f"{policy}: {_what(run)} depend most on {shown}.")
    return out


def threshold_sentences(run: dict[str, Any], thresholds: pd.DataFrame) -> list[str]:
    """A sentence per threshold row."""
    out = []
    for r in thresholds.itertuples(index=False):
        if missing(r.threshold_value):
            out.append(f"{r.policy}: varying {parameter_label(r.parameter)} alone over "
                       f"[{r.support_low:g}, {r.support_high:g}] (central {r.central_value:g}), "
                       f"the policy {r.direction}.")
            continue
        what = (f"meeting the {pounds(run['target'])} target" if r.level == "target"
                else "breaking even (it never meets the target in the support)")
        out.append(f"{r.policy}: its most influential assumption is "
                   f"{parameter_label(r.parameter)} ({r.parameter}; central "
                   f"{r.central_value:g}); the policy stops {what} at {r.threshold_value:.4g}, "
                   f"and {r.direction}. Mean savings in {run['year']}: "
                   f"{pounds(r.savings_at_central)} at the central value, "
                   f"{pounds(r.savings_at_low)} at {r.support_low:g} and "
                   f"{pounds(r.savings_at_high)} at {r.support_high:g}.")
    return out


def method_sentences(run: dict[str, Any]) -> list[str]:
    """How the numbers were made, in plain words."""
    design = (f"Sobol' variance-based design (Saltelli's scheme, {run['samples']} base samples, "
              f"{run['points']} model evaluations): the first-order index S1 is the share of an "
              "output's variance a parameter explains alone, the total index ST adds its "
              "interactions; a parameter with ST near 0 could be fixed anywhere in its range."
              if run["method"] == "sobol" else
              f"Morris screening ({run['samples']} trajectories, {run['points']} model "
              "evaluations): mu* is the mean absolute change of an output when one parameter "
              "moves across a quarter-step of its range of quantiles; sigma its spread "
              "(interactions or a curved effect).")
    return [
        design + " Sampling and estimators (with bootstrap 95% intervals) are SALib's.",
        (f"Each evaluation draws every uncertain parameter from its distribution (through its "
         f"inverse CDF) and runs the same {run['replicates']} replicate world(s) (seed "
         f"{run['seed']}, common random numbers across evaluations). The chance of meeting the "
         "target at one evaluation is the share of those replicates meeting it."),
        ("The calibrations are fitted once on the central parameters: the council sets its RAS "
         "before knowing which world it is in, so the analysis asks how a fixed policy fares "
         "when the assumptions are wrong."),
        ("Thresholds sweep the most influential assumption of each policy's savings over its "
         "distribution's support, the others at their central values and the same seeds: a "
         "grid of values brackets the crossing nearest the central value, and Brent's method "
         "finds where the simulated mean savings equal the target (or zero)."),
    ]
