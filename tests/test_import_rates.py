"""Rates from a council's event history: Poisson estimates with intervals that recover the
hazards a history was made with, written as an overlay a study uses."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.inputs.categories import AGE_BAND_EDGES, CLIENT_GROUP
from sim.inputs.extract.events import at_risk, band_years
from sim.inputs.extract.importer import estimate_rates
from sim.inputs.extract.mapping import load_mapping
from sim.inputs.extract.rates import estimates, pool_bands, review_rate
from sim.study.study_file import StudyError, load_study
from tests.conftest import ROOT

EXAMPLE = ROOT / "populations" / "extract_example"
DEATH = np.array([0.01, 0.01, 0.01, 0.015, 0.02, 0.04, 0.08, 0.16])     # a year, by band
GROUP = np.array([1.0, 1.3, 0.8, 1.6])                                  # by client group
REVIEWS = 0.7


def _history(n: int = 12_000, seed: int = 5) -> pd.DataFrame:
    """People aged 20-95 at the window's start in every group, followed month by month for
    two years under DEATH x GROUP and REVIEWS (constant within a month), one row per event."""
    rng = np.random.default_rng(seed)
    start, months = dt.date(2010, 4, 1), 24
    age0, group = rng.uniform(20, 95, n), rng.integers(0, 4, n)
    rows, alive = [], np.ones(n, dtype=bool)
    codes = ["OP", "PD", "MH", "LD"]
    for t in range(months):
        band = np.searchsorted(AGE_BAND_EDGES, age0 + t / 12, "right") - 1
        rate = DEATH[band] * GROUP[group] / 12
        died = alive & (rng.random(n) < -np.expm1(-rate))
        reviewed = alive & ~died & (rng.random(n) < -np.expm1(-REVIEWS / 12))
        for j, kind in [*((j, "DIED") for j in np.flatnonzero(died)),
                        *((j, "REVIEW") for j in np.flatnonzero(reviewed))]:
            rows.append((j, t, kind))
        alive &= ~died
    rows += [(j, -3, "REVIEW") for j in range(n)]  # open at the start: a review before it
    out = []
    for j, t, kind in rows:
        y, m = divmod(2010 * 12 + 3 + t, 12)
        day = dt.date(y, m + 1, 1) + dt.timedelta(days=int(rng.integers(0, 28)))
        born = start - dt.timedelta(days=round(age0[j] * 365.25))
        out.append({"Client ID": f"E{j}", "DOB": born.strftime("%d/%m/%Y"),
                    "Primary Support Reason": codes[group[j]], "Event": kind,
                    "Event Date": min(day, dt.date(2012, 3, 31)).strftime("%d/%m/%Y")})
    return pd.DataFrame(out).astype(str)


@pytest.fixture(scope="module")
def fitted():
    m = load_mapping(EXAMPLE / "mapping.toml")
    risk = at_risk(_history(), m, "history")
    return risk, estimates(risk, 5), review_rate(risk)


def test_estimates_recover_the_hazards_the_history_was_made_with(fitted):
    """Each death probability by band and each group multiplier lies within its 95% interval
    of the truth's neighbourhood (the truth inside the interval, or within 3 s.e.)."""
    _, ests, _ = fitted
    death = ests[0]
    assert death.outcome == "death" and death.pooled == [[b] for b in range(8)]
    truth = 1 - np.exp(-DEATH)
    lo, hi = death.band_ci[:, 0], death.band_ci[:, 1]
    covered = (lo <= truth) & (truth <= hi)
    assert covered.sum() >= 7, (death.by_band, truth)
    assert np.all(np.abs(np.log(death.by_band / truth)) < 3 * np.log(hi / lo) / (2 * 1.96))
    for g, code in enumerate(CLIENT_GROUP.codes):
        low, high = death.multiplier_ci[code]
        assert low <= GROUP[g] / GROUP[0] <= high, (code, death.multiplier[code])
    assert [e.outcome for e in ests] == ["death"]  # no admission or exit: not estimated


def test_review_rate_and_interval_cover_the_truth(fitted):
    """At most one review a month in the made-up history: 12 x P(review in a month) a year."""
    truth = 12 * -np.expm1(-REVIEWS / 12)
    rate, lo, hi, se = fitted[2]
    assert lo < truth < hi and 0 < se < 0.05
    assert rate == pytest.approx(truth, rel=0.05)


def test_person_years_are_split_at_band_edges():
    years = band_years(np.array([23.0, 60.0]), np.array([26.0, 60.5]))
    np.testing.assert_allclose(years[0, :2], [2.0, 1.0])
    np.testing.assert_allclose(years[1], [0, 0, 0, 0, 0.5, 0, 0, 0])


def test_sparse_bands_are_pooled_with_their_neighbours():
    assert pool_bands(np.array([0, 1, 2, 6, 0, 9, 3, 1]), 5) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert pool_bands(np.array([5, 5, 5, 5, 5, 5, 5, 5]), 5) == [[b] for b in range(8)]


def _study(tmp_path, overlay: str) -> str:
    text = (ROOT / "tests" / "data" / "small_study.toml").read_text(encoding="utf-8")
    for key in ("parameters", "calibrations_file", "transitions_file"):
        text = text.replace(f'{key} = "../../scenarios/', f'{key} = "{ROOT.as_posix()}/scenarios/')
    text = text.replace('population = "../../', f'population = "{ROOT.as_posix()}/')
    text = text.replace('name = "small"', f'name = "small"\nparameter_overlays = ["{overlay}"]')
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_study_naming_the_overlay_runs_on_the_councils_rates(tmp_path):
    """The example's overlay replaces the death, admission, exit and review parameters (as
    records with status 'estimated' and a distribution a probabilistic run can draw)."""
    rates = estimate_rates(EXAMPLE / "events.csv", load_mapping(EXAMPLE / "mapping.toml"))
    (tmp_path / "rates.toml").write_text(rates.overlay, encoding="utf-8")
    study = load_study(_study(tmp_path, "rates.toml"), uncertainty=True)
    row = rates.table.set_index("parameter")
    assert study.params.death.by_age_band[7] == pytest.approx(
        row.loc["death.by_age_band [85 and over]", "estimate"], abs=1e-5)
    assert study.params.reviews.per_user_per_year == pytest.approx(
        row.loc["reviews.per_user_per_year", "estimate"], abs=1e-4)
    for name in ("death.by_age_band", "residential.client_group_multiplier",
                 "other_exit.by_age_band", "reviews.per_user_per_year"):
        assert study.records[name].status == "estimated"
        assert "events.csv" in study.records[name].source
    assert "death.by_age_band" in study.uncertainty.names
    default = load_study(ROOT / "tests" / "data" / "small_study.toml")
    assert default.params.death.by_age_band != study.params.death.by_age_band


def test_an_overlay_key_that_names_no_parameter_is_refused_with_a_hint(tmp_path):
    (tmp_path / "bad.toml").write_text('[deaht.by_age_band]\nvalue = [0.1]\nunit = "x"\n'
                                       'status = "estimated"\nsource = "s"\n', encoding="utf-8")
    with pytest.raises(StudyError, match="did you mean 'death'"):
        load_study(_study(tmp_path, "bad.toml"))
    with pytest.raises(StudyError, match="file not found"):
        load_study(_study(tmp_path, "missing.toml"))
