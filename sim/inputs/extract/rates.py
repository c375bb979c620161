"""The council's own rates from its event history, with 95% intervals, as a parameter overlay.

Deaths, admissions to residential care and other exits are rates per person-year by age
band and client group: a Poisson regression (statsmodels GLM, log link, log person-years
as offset) on age band and client group, which is the model's own shape (an annual
probability by age band times a client group multiplier, scenarios/parameters.toml).  An age
band with fewer than `min_events` events is pooled with its neighbour, and a client group
with fewer is pooled with older people (multiplier 1), so every estimate is finite.
Reviews are a rate per user-year, with a quasi-Poisson interval (reviews of one person
cluster).  The overlay is a TOML file of parameter records (status "estimated", the
extract as source, a distribution from the interval) that a study names under
`parameter_overlays`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP
from sim.inputs.extract.events import EXITS, AtRisk

# outcome -> (parameter section, what it is)
SECTIONS = {"death": ("death", "deaths"), "admission": ("residential",
            "admissions to residential care"), "exit": ("other_exit", "other exits")}
Z95 = 1.959963984540054
TAILS = 4.0  # a distribution is truncated this many standard deviations out (well inside bounds)


@dataclass
class Estimate:
    """One outcome's estimates: annual probability by band (older people) and multipliers."""

    outcome: str
    events: int
    years: float
    by_band: np.ndarray                 # annual probability, reference group
    band_ci: np.ndarray                 # (bands, 2)
    pooled: list[list[int]]             # band indices estimated together
    multiplier: dict[str, float]
    multiplier_ci: dict[str, tuple[float, float]]
    sigma: float                        # log-scale s.e. of the overall level


def pool_bands(events: np.ndarray, min_events: int) -> list[list[int]]:
    """Adjacent age bands merged, young to old, until each group has min_events events
    (a short last group joins the one before)."""
    groups, current, count = [], [], 0
    for b, n in enumerate(events):
        current.append(b)
        count += n
        if count >= min_events:
            groups.append(current)
            current, count = [], 0
    if current:
        if groups:
            groups[-1] += current
        else:
            groups.append(current)
    return groups


def estimate(risk: AtRisk, outcome: str, min_events: int) -> Estimate:
    """Poisson regression of one exit kind on age band and client group."""
    hit = risk.left == outcome
    cells = np.zeros((len(CLIENT_GROUP), len(AGE_BAND)))
    np.add.at(cells, (risk.group[hit], risk.left_band[hit]), 1)
    years = np.zeros_like(cells)
    for g in range(len(CLIENT_GROUP)):
        years[g] = risk.years[risk.group == g].sum(axis=0)
    pooled = pool_bands(cells.sum(axis=0), min_events)
    level = np.empty(len(AGE_BAND), dtype=int)
    for i, bands in enumerate(pooled):
        level[bands] = i
    own = [g for g in range(1, len(CLIENT_GROUP)) if cells[g].sum() >= min_events]
    frame = _design(cells, years, level, len(pooled), own)
    fit = sm.GLM(frame["events"], frame.drop(columns=["events", "years"]),
                 family=sm.families.Poisson(), exposure=frame["years"]).fit()
    ref = _design(np.zeros((1, len(AGE_BAND))), np.ones((1, len(AGE_BAND))), level,
                  len(pooled), own, groups=[0]).drop(columns=["events", "years"])
    pred = fit.get_prediction(ref).summary_frame(alpha=0.05)
    rate, lo, hi = (pred[c].to_numpy() for c in ("mean", "mean_ci_lower", "mean_ci_upper"))
    mult, mult_ci = {CLIENT_GROUP.codes[0]: 1.0}, {CLIENT_GROUP.codes[0]: (1.0, 1.0)}
    ci = fit.conf_int(alpha=0.05)
    for g in range(1, len(CLIENT_GROUP)):
        name = f"g{g}"
        code = CLIENT_GROUP.codes[g]
        mult[code] = float(np.exp(fit.params[name])) if g in own else 1.0
        mult_ci[code] = tuple(np.exp(ci.loc[name]).tolist()) if g in own else (1.0, 1.0)
    total = int(cells.sum())
    return Estimate(outcome, total, float(years.sum()), 1 - np.exp(-rate),
                    np.column_stack([1 - np.exp(-lo), 1 - np.exp(-hi)]), pooled, mult, mult_ci,
                    1 / np.sqrt(max(total, 1)))


def _design(cells, years, level, n_levels, own, groups=None) -> pd.DataFrame:
    """Long table of (group, band) cells with exposure: dummies for pooled band and group."""
    rows = []
    for gi, g in enumerate(groups if groups is not None else range(cells.shape[0])):
        for b in range(cells.shape[1]):
            if years[gi, b] <= 0:
                continue
            row = {f"b{i}": float(level[b] == i) for i in range(n_levels)}
            row.update({f"g{o}": float(g == o) for o in own})
            rows.append({**row, "events": cells[gi, b], "years": years[gi, b]})
    return pd.DataFrame(rows)


def review_rate(risk: AtRisk) -> tuple[float, float, float, float]:
    """Reviews a user a year, its 95% interval and the log-scale s.e. (quasi-Poisson)."""
    keep = risk.years.sum(axis=1) > 0
    fit = sm.GLM(risk.reviews[keep], np.ones((int(keep.sum()), 1)),
                 family=sm.families.Poisson(),
                 exposure=risk.years.sum(axis=1)[keep]).fit(scale="X2")
    lo, hi = np.exp(fit.conf_int(alpha=0.05)[0])
    return float(np.exp(fit.params[0])), float(lo), float(hi), float(fit.bse[0])


def estimates(risk: AtRisk, min_events: int) -> list[Estimate]:
    """Every exit kind with at least min_events events (the others keep the base file's)."""
    return [estimate(risk, o, min_events) for o in EXITS
            if int((risk.left == o).sum()) >= min_events]


def table(ests: list[Estimate], reviews: tuple[float, float, float, float]) -> pd.DataFrame:
    """Every estimate with its interval, one row each (the quality report's rates table)."""
    rows = []
    for e in ests:
        section = SECTIONS[e.outcome][0]
        for b, band in enumerate(AGE_BAND.labels):
            rows.append({"parameter": f"{section}.by_age_band [{band}]",
                         "estimate": e.by_band[b], "low_95": e.band_ci[b, 0],
                         "high_95": e.band_ci[b, 1], "events": e.events})
        for code, v in e.multiplier.items():
            rows.append({"parameter": f"{section}.client_group_multiplier [{code}]",
                         "estimate": v, "low_95": e.multiplier_ci[code][0],
                         "high_95": e.multiplier_ci[code][1], "events": e.events})
    rate, lo, hi, _ = reviews
    rows.append({"parameter": "reviews.per_user_per_year", "estimate": rate, "low_95": lo,
                 "high_95": hi, "events": np.nan})
    return pd.DataFrame(rows)


def overlay_text(risk: AtRisk, ests: list[Estimate], reviews: tuple[float, float, float, float],
                 source: str) -> str:
    """The overlay file: one record per estimated parameter (TOML)."""
    w0, w1 = risk.window
    where = f"estimated from {source} ({w0} to {w1}, {risk.people:,} people)"
    out = [f"# Parameter overlay: the council's own rates, {where}.",
           "# Written by `run-sim import --events`; name it in a study: "
           "parameter_overlays = [\"<this file>\"]", ""]
    for e in ests:
        out += _hazard_records(e, where)
    rate, lo, hi, se = reviews
    text = (f"{where}: {int(risk.reviews.sum()):,} reviews in {risk.years.sum():,.0f} "
            f"person-years, 95% interval {lo:.3f} to {hi:.3f} (quasi-Poisson, statsmodels "
            "GLM). Distribution: lognormal around the estimate with its standard error")
    out += ["[reviews.per_user_per_year]", f"value = {rate:.4f}",
            'unit = "scheduled reviews a user a year"', 'status = "estimated"',
            f"source = {json.dumps(text)}", _lognormal(rate, se, 12.0), ""]
    return "\n".join(out)


def _hazard_records(e: Estimate, where: str) -> list[str]:
    section, what = SECTIONS[e.outcome]
    bands = "; ".join(f"{AGE_BAND.labels[b]} {e.by_band[b]:.4f} ({e.band_ci[b, 0]:.4f} to "
                      f"{e.band_ci[b, 1]:.4f})" for b in range(len(AGE_BAND)))
    pooled = ", ".join("+".join(AGE_BAND.labels[b] for b in p) for p in e.pooled if len(p) > 1)
    mults = "; ".join(f"{c} {v:.2f} ({e.multiplier_ci[c][0]:.2f} to {e.multiplier_ci[c][1]:.2f})"
                      for c, v in e.multiplier.items())
    values = ", ".join(f"{v:.5f}" for v in e.by_band)
    groups = ", ".join(f"{c} = {v:.4f}" for c, v in e.multiplier.items())
    text = (f"{where}: {e.events} {what} in {e.years:,.0f} person-years; Poisson regression "
            "on age band and client group (statsmodels GLM, log person-years offset); annual "
            f"probability 1 - exp(-rate) for older people, 95% intervals: {bands}"
            + (f"; bands pooled: {pooled}" if pooled else "")
            + ". Distribution: the schedule scaled by a factor with the overall rate's spread "
            "(lognormal, sigma 1/sqrt(events))")
    mult_text = (f"{where}: rate ratio against older people, 95% intervals: {mults} (a group "
                 "with fewer than the minimum events is pooled with older people, 1)")
    return [f"[{section}.by_age_band]", f"value = [{values}]", 'unit = "annual probability"',
            'status = "estimated"', f"source = {json.dumps(text)}", 'varies = "multiplier"',
            _lognormal(1.0, e.sigma, 1.0 / max(e.by_band.max(), 1e-9)), "",
            f"[{section}.client_group_multiplier]", f"value = {{ {groups} }}",
            'unit = "multiplier on the age band\'s probability"', 'status = "estimated"',
            f"source = {json.dumps(mult_text)}", ""]


def _lognormal(median: float, sigma: float, most: float) -> str:
    """A lognormal distribution around median, truncated TAILS s.e. out and within most."""
    low, high = median * np.exp(-TAILS * sigma), min(median * np.exp(TAILS * sigma), most)
    return (f'distribution = {{ kind = "lognormal", median = {median:.4f}, sigma = {sigma:.4f}, '
            f"low = {low:.4f}, high = {high:.4f} }}")
