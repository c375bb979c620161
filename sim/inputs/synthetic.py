"""Synthetic B&NES 2012 baseline population, calibrated to the seed reports' aggregates.

Counts by PB type are hit exactly and each type's total cost exactly (a price per
point is solved per type); everything else is drawn from documented assumptions
in populations/synthetic_targets.toml.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.categories import (
    AGE_BAND_EDGES,
    CLIENT_GROUP,
    ETHNICITY,
    FACS_BAND,
    FUNDED_BANDS,
    OLDER_AGE,
    PB_TYPE,
)
from sim.inputs.disparity import younger_older_ratio
from sim.inputs.facs import facs_from_points, funded_edge
from sim.inputs.param_records import LeafRecord, RecordError, split_records
from sim.inputs.population import Population
from sim.inputs.toml_file import read_toml
from sim.paths import DEFAULT_TARGETS

# What the report and the EIA document say about a population this module built.
DESCRIPTION = ("No real person's record: built by "
               "'run-sim synthesize' to the aggregates published in the B&NES Wellbeing Policy "
               "Development and Scrutiny Panel reports (March and September 2012) plus documented "
               "assumptions (populations/synthetic_targets.toml). Read its results as the "
               "mechanics of each option, not a forecast for real people.")
# Drawn from census shares by age band with no link to the person's needs or budget
# (synthetic_targets.toml [ethnicity]): a difference between these groups is noise.
SYNTHETIC_ATTRIBUTES: tuple[str, ...] = ("ethnicity",)


def read_targets(path: str | Path | None = None) -> tuple[dict[str, Any], dict[str, LeafRecord]]:
    """The targets' plain values (records unwrapped) and their leaf records by dotted path."""
    path = path or DEFAULT_TARGETS
    raw = read_toml(path, "synthetic targets file")[0]
    try:
        return split_records(raw)
    except RecordError as exc:
        raise RecordError(f"{path}: {exc}") from None


def load_targets(path: str | Path | None = None) -> dict[str, Any]:
    return read_targets(path)[0]


def _draw_ages(rng: np.random.Generator, shares: list[float], oldest: float, n: int) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    band = rng.choice(len(p), size=n, p=p / p.sum())
    lo = np.asarray(AGE_BAND_EDGES, dtype=float)[band]
    hi = np.append(np.asarray(AGE_BAND_EDGES[1:], dtype=float), oldest)[band]
    return rng.uniform(lo, hi)


def _draw_ethnicity(rng: np.random.Generator, census: dict[str, Any],
                    age: np.ndarray) -> np.ndarray:
    """Ethnic group drawn from the census counts of residents in the person's broad age band."""
    eth = np.empty(len(age), dtype=np.int64)
    for band, sel in (("age_18_64", age < OLDER_AGE), ("age_65_plus", age >= OLDER_AGE)):
        p = np.array([census[band][e] for e in ETHNICITY.codes], dtype=float)
        eth[sel] = rng.choice(len(ETHNICITY), size=int(sel.sum()), p=p / p.sum())
    return eth


def _funded_points(rng: np.random.Generator, mean: np.ndarray, shape: float, top: float,
                   least: np.ndarray) -> np.ndarray:
    """Whole RAS points from the gamma law, each person's drawn again until their team bands
    them funded (points >= `least`, the lowest funded band's edge less the team's offset):
    the population is the people the council funds."""
    points = np.zeros(len(mean))
    todo = np.arange(len(mean))
    while len(todo):
        draw = np.minimum(rng.gamma(shape, mean[todo] / shape), top)
        points[todo] = np.maximum(np.round(draw), 1.0)
        todo = todo[points[todo] < least[todo]]
    return points


def _draw_pb_type(rng: np.random.Generator, t: dict[str, Any], ptype: str,
                  teams_all: list[str], least_by_team: np.ndarray) -> dict[str, np.ndarray]:
    """The people of one PB type: attributes drawn, costs scaled to the type's total."""
    n = int(t["counts"][ptype])
    mix = np.array([t["client_group_mix"][ptype][g] for g in CLIENT_GROUP.codes])
    group = rng.choice(len(CLIENT_GROUP), size=n, p=mix / mix.sum())
    age = np.empty(n)
    team = np.empty(n, dtype=np.int16)
    female = np.empty(n, dtype=bool)
    for gi, g in enumerate(CLIENT_GROUP.codes):
        sel = group == gi
        k = int(sel.sum())
        age[sel] = _draw_ages(rng, t["age_band_mix"][g], t["age_band_mix"]["oldest_age"], k)
        names = list(t["teams"][g])
        share = np.array([t["teams"][g][x] for x in names])
        team[sel] = [teams_all.index(names[j]) for j in rng.choice(len(names), k, p=share / share.sum())]
        female[sel] = rng.random(k) < t["female_share"][g]
    eth = _draw_ethnicity(rng, t["ethnicity"], age)
    mean_pts = np.array([t["points"]["mean"][g] for g in CLIENT_GROUP.codes])[group]
    mean_pts = mean_pts * t["points"]["pb_type_multiplier"][ptype]
    points = _funded_points(rng, mean_pts, t["points"]["shape"], t["points"]["max_points"],
                            least_by_team[team])
    factor = np.where(age < OLDER_AGE, t["cost"]["younger_factor"], 1.0)
    factor = factor * np.array([t["cost"]["team_factor"][x] for x in teams_all])[team]
    raw = points * factor * rng.lognormal(0.0, t["cost"]["noise_sd"], n)
    cost = raw * (t["annual_cost"][ptype] / raw.sum())  # solve the type's price per point
    return {"age": age, "sex": np.where(female, 0, 1), "ethnicity": eth, "client_group": group,
            "team": team, "points": points, "pb_type": np.full(n, PB_TYPE.code_of(ptype)),
            "cost": cost}


def generate(
    targets: dict[str, Any] | None = None,
    *,
    facs_thresholds: dict[str, float],
    facs_team_offsets: dict[str, float],
    seed: int | None = None,
) -> Population:
    """Build the synthetic baseline (deterministic for a seed).

    `facs_thresholds` and `facs_team_offsets` are the model's (parameters
    `need.facs_thresholds` and `facs.team_offset_points`), so the synthetic FACS bands follow
    the same rule as reviews: points plus the team's offset.  Everyone is funded, so banded
    in one of the funded bands ([facs] funded_bands) by their team; by points alone some are
    not (the team inconsistency, March 2012 report, 4.8(2)).  Points are the gamma law of
    [points] drawn again, person by person, until funded.
    """
    t = targets or load_targets()
    rng = np.random.default_rng(t["seed"] if seed is None else seed)
    teams_all = sorted({team for g in CLIENT_GROUP.codes for team in t["teams"][g]})
    offsets = np.array([facs_team_offsets.get(x, 0.0) for x in teams_all])
    edge = funded_edge(facs_thresholds)
    parts = [_draw_pb_type(rng, t, ptype, teams_all, edge - offsets) for ptype in PB_TYPE.codes]
    c = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(c["age"])
    order = rng.permutation(n)
    c = {k: v[order] for k, v in c.items()}
    facs = facs_from_points(c["points"] + offsets[c["team"]], facs_thresholds)
    overdue = rng.random(n) < t["reviews"]["overdue_share"]
    msr = np.where(overdue, rng.integers(12, 24, n), rng.integers(0, 12, n)).astype(np.int16)
    return Population(
        id=np.array([f"P{i:05d}" for i in range(1, n + 1)], dtype=object),
        age=np.round(c["age"], 1),
        sex=c["sex"].astype(np.int8),
        ethnicity=c["ethnicity"].astype(np.int8),
        client_group=c["client_group"].astype(np.int8),
        team=c["team"].astype(np.int16),
        teams=tuple(teams_all),
        facs_band=facs,
        ras_points=c["points"],
        pb_type=c["pb_type"].astype(np.int8),
        annual_budget=np.round(c["cost"], 2),
        months_since_review=msr,
        source="synthetic",
        synthetic=True,
        description=DESCRIPTION,
        synthetic_attributes=SYNTHETIC_ATTRIBUTES,
    )


def check_targets(pop: Population, targets: dict[str, Any] | None = None,
                  facs_thresholds: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Each seed/assumed target against the population's figure, with pass/fail (the FACS
    rows when the model's `facs_thresholds` are given)."""
    t = targets or load_targets()
    rows = [] if facs_thresholds is None else _facs_rows(pop, t, facs_thresholds)
    for ti, ptype in enumerate(PB_TYPE.codes):
        sel = pop.pb_type == ti
        rows.append(_row(f"people, {PB_TYPE.labels[ti]}", t["counts"][ptype], int(sel.sum()),
                         t["tolerances"]["count"], t["counts"]["basis"][ptype]))
        rows.append(_row(f"annual cost, {PB_TYPE.labels[ti]} (£)", t["annual_cost"][ptype],
                         float(pop.annual_budget[sel].sum()), t["tolerances"]["total"],
                         t["annual_cost"]["basis"][ptype]))
    pb_share = float(np.mean(pop.pb_type != PB_TYPE.code_of("old_style")))
    rows.append({"target": "share of community users with a PB", "expected": "> 0.60",
                 "actual": round(pb_share, 3), "ok": pb_share > 0.60, "source": "seed (4.2)"})
    rows += _ethnicity_rows(pop, t)
    everyone = np.ones((1, len(pop)), dtype=bool)
    ratio = float(younger_older_ratio(pop.annual_budget[None, :], pop.ras_points, pop.age,
                                      everyone)[0])
    rows.append({"target": "cost per point, under 65 / 65+ at equal points", "expected": "> 1",
                 "actual": round(ratio, 3), "ok": ratio > 1.0, "source": "seed (4.8(1))"})
    return rows


def inconsistency_share(pop: Population, t: dict[str, Any],
                        facs_thresholds: dict[str, float]) -> float:
    """Share of the people banded in a funded band whose points alone give a lower band."""
    funded = np.isin(pop.facs_band, [FACS_BAND.code_of(b) for b in FUNDED_BANDS])
    by_points = np.isin(facs_from_points(pop.ras_points, facs_thresholds),
                        [FACS_BAND.code_of(b) for b in FUNDED_BANDS])
    return float(np.mean(funded & ~by_points) / max(np.mean(funded), 1e-12))


def _facs_rows(pop: Population, t: dict[str, Any],
               facs_thresholds: dict[str, float]) -> list[dict[str, Any]]:
    """Everyone funded is banded in a funded band by their team; by points alone the team
    inconsistency is a residue, more than none and at most its stated share."""
    funded = float(np.mean(np.isin(pop.facs_band, [FACS_BAND.code_of(b)
                                                   for b in FUNDED_BANDS])))
    share = inconsistency_share(pop, t, facs_thresholds)
    most = t["facs"]["team_inconsistency_share"]
    return [{"target": "share banded " + " or ".join(FUNDED_BANDS) + " by their team",
             "expected": 1.0, "actual": round(funded, 3), "ok": funded == 1.0,
             "source": "seed (March 2012, 4.8(2))"},
            {"target": "share funded only by their team's banding (points alone: lower)",
             "expected": f"> 0, <= {most}", "actual": round(share, 3),
             "ok": 0.0 < share <= most, "source": "seed (March 2012, 4.8(2)) + assumption"}]


def _ethnicity_rows(pop: Population, t: dict[str, Any]) -> list[dict[str, Any]]:
    """White British share by broad age band against the census's."""
    rows = []
    wb = ETHNICITY.code_of("white_british")
    for band, sel, label in (("age_18_64", pop.age < OLDER_AGE, "under 65"),
                             ("age_65_plus", pop.age >= OLDER_AGE, "65+")):
        census = t["ethnicity"][band]
        expected = census["white_british"] / sum(census.values())
        rows.append(_row(f"White British share, {label}", round(expected, 4),
                         float(np.mean(pop.ethnicity[sel] == wb)),
                         t["tolerances"]["ethnicity_share"], "ONS 2011 Census DC2101EW", 4))
    return rows


def _row(name: str, expected: float, actual: float, tol: float, source: str,
         digits: int = 2) -> dict[str, Any]:
    ok = abs(actual - expected) <= tol * abs(expected)
    return {"target": name, "expected": expected, "actual": round(actual, digits),
            "ok": bool(ok), "tolerance": tol, "source": source}
