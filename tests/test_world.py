"""The demographic engine against results nobody here wrote: M/M/inf, Little's law, survival."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.inputs.population import Population
from sim.model.draws import draw
from sim.model.params import load_parameters, monthly_hazard
from sim.model.streams import ReviewStream, thinned
from sim.model.world import age_at, age_bands, simulate

ANNUAL_EXIT = 0.6
MU = float(monthly_hazard(ANNUAL_EXIT))


def queue_params(rate: float | None, annual_exit: float = ANNUAL_EXIT):
    """Only one constant exit hazard; arrivals constant Poisson (or off); nothing else."""
    flat = [annual_exit] * 8
    ones = {"older_people": 1.0, "physical_sensory": 1.0, "mental_health": 1.0,
            "learning_disability": 1.0}
    ov = {
        "death.by_age_band": flat, "death.client_group_multiplier": ones,
        "residential.enabled": False, "other_exit.enabled": False, "need.enabled": False,
        "demand.enabled": rate is not None, "demand.mode": "constant",
        "demand.rate_per_month": rate or 0.0,
    }
    return load_parameters(overrides=ov)


def tiny_population(n: int) -> Population:
    z = np.zeros(n, np.int8)
    return Population(
        id=np.array([f"x{i}" for i in range(n)], dtype=object), age=np.full(n, 50.0), sex=z,
        ethnicity=z, client_group=z, team=np.zeros(n, np.int16), teams=("t",), facs_band=z,
        ras_points=np.full(n, 30.0), pb_type=z, annual_budget=np.full(n, 10_000.0),
        months_since_review=np.zeros(n, np.int16),
    )


def counts(pop, params, T, reps, seed=7):
    out = []
    for r in range(reps):
        d = draw(pop, params, np.random.SeedSequence(seed, spawn_key=(r,)), T)
        w = simulate(pop, params, d, T, go_live=T)
        out.append((w, np.array([w.present(m).sum() for m in range(T)])))
    return out


def test_mm_infinity_settles_at_lambda_over_mu_with_poisson_spread():
    lam, T = 40.0, 120
    runs = counts(tiny_population(1), queue_params(lam), T, reps=30)
    late = np.concatenate([c[60:] for _, c in runs])
    # arrivals face the hazard in their first month too: mean = lam (1 - mu) / mu
    expected = lam * (1 - MU) / MU
    assert late.mean() == pytest.approx(expected, rel=0.03)
    # Poisson spread: variance / mean close to 1 (one value per replicate to avoid autocorrelation)
    one = np.array([c[-1] for _, c in runs], dtype=float)
    ends = np.concatenate([c[[70, 90, 119]] for _, c in runs]).astype(float)
    assert ends.var(ddof=1) / ends.mean() == pytest.approx(1.0, abs=0.35)
    assert stats.kstest(one, stats.poisson(expected).cdf).pvalue > 0.001


def test_littles_law_population_equals_arrival_rate_times_stay():
    lam, T = 25.0, 150
    runs = counts(tiny_population(1), queue_params(lam), T, reps=20, seed=11)
    L = np.mean([c[50:100].mean() for _, c in runs])
    stays, arrivals = [], []
    for w, _ in runs:
        cohort = (w.arrival >= 20) & (w.arrival < 100) & (w.exit_month < T)
        stays.append(w.exit_month[cohort] - w.arrival[cohort])
        arrivals.append(((w.arrival >= 50) & (w.arrival < 100)).sum() / 50)
    W = np.concatenate(stays).mean()
    assert L == pytest.approx(np.mean(arrivals) * W, rel=0.04)


def test_survival_follows_the_configured_hazard_without_arrivals():
    pop, T = tiny_population(20_000), 36
    (_, c), = counts(pop, queue_params(None), T, reps=1)
    m = np.arange(T)
    expected = len(pop) * (1 - MU) ** (m + 1)
    assert np.abs(c - expected).max() < 4 * np.sqrt(expected.max())
    # the survivors at the end are Binomial(n, (1 - mu)^T)
    assert stats.binomtest(int(c[-1]), len(pop), (1 - MU) ** T).pvalue > 0.001


def test_switching_a_process_off_removes_its_events(population):
    params = load_parameters(overrides={"death.enabled": False, "other_exit.enabled": False})
    d = draw(population, params, np.random.SeedSequence(3), 24)
    w = simulate(population, params, d, 24, go_live=12)
    assert (w.exit_month == 24).all()


def test_world_is_deterministic_for_a_seed(small_population, params):
    a = simulate(small_population, params,
                       draw(small_population, params, np.random.SeedSequence(5), 30), 30, 10)
    b = simulate(small_population, params,
                       draw(small_population, params, np.random.SeedSequence(5), 30), 30, 10)
    for field in ("points", "review", "pb_type", "practice_budget", "exit_month", "assessed",
                  "assessed_practice", "assessed_count"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_old_style_packages_are_all_converted_by_the_deadline(population, params):
    d = draw(population, params, np.random.SeedSequence(9), 24)
    w = simulate(population, params, d, 24, go_live=9)
    assert (w.pb_type[12][w.present(12)] != 3).all()
    assert (w.pb_type[0][w.present(0)] == 3).sum() > 0


def test_review_stream_is_the_same_whatever_the_request_sizes():
    """The fast path reads a month's reviews at once, the reference one at a time."""
    a, b = ReviewStream(np.random.SeedSequence(1)), ReviewStream(np.random.SeedSequence(1))
    sizes = [0, 5, 10_000, 1, ReviewStream.BLOCK - 1, 3, 3 * ReviewStream.BLOCK, 7]
    batched = [np.concatenate(parts) for parts in zip(*(a.take(k) for k in sizes))]
    single = [np.concatenate(parts) for parts in zip(*(b.take(1) for _ in range(sum(sizes))))]
    for x, y in zip(batched, single):
        np.testing.assert_array_equal(x, y)


def test_thinned_draws_have_the_law_of_a_full_matrix_of_uniforms():
    """Events below the bound: Binomial(T x cap, bound) of them, uniform over positions and values."""
    rng = np.random.default_rng(4)
    T, cap, bound = 60, 5_000, 0.02
    ev = thinned(rng, T, cap, bound)
    n = len(ev.u)
    assert stats.binomtest(n, T * cap, bound).pvalue > 0.001
    assert stats.kstest(ev.u / bound, "uniform").pvalue > 0.001
    assert stats.chisquare(np.bincount(ev.month, minlength=T)).pvalue > 0.001
    flat = ev.month.astype(np.int64) * cap + ev.slot
    assert (np.diff(flat) > 0).all()                      # distinct, in (month, slot) order
    for m in (0, 17, T - 1):
        sl = ev.of_month(m)
        assert (ev.month[sl] == m).all() and sl.stop - sl.start == (ev.month == m).sum()


def test_facs_band_from_points_follows_the_thresholds_one_by_one():
    from sim.inputs.facs import facs_from_points

    th = {"critical": 60.1, "substantial": 40.3, "moderate": 20.7}
    pts = np.float32([0, 20.7, np.nextafter(np.float32(20.7), 0), 40.3, 60.1, 99])
    expected = np.full(len(pts), 3)
    for code, edge in ((2, th["moderate"]), (1, th["substantial"]), (0, th["critical"])):
        expected[pts >= np.float32(edge)] = code
    np.testing.assert_array_equal(facs_from_points(pts, th), expected)
    np.testing.assert_array_equal(expected, [3, 2, 3, 1, 0, 0])


def test_age_bands_equal_the_age_formula_month_by_month():
    """Bands come from crossing months; they must be the band of the age in every month."""
    from sim.inputs.categories import AGE_BAND_EDGES, age_band_index

    rng = np.random.default_rng(8)
    T, n = 150, 20_000
    edges = np.asarray(AGE_BAND_EDGES, dtype=float)
    near = rng.choice(edges, n // 2) - rng.integers(0, 40, n // 2) / 12.0 + rng.normal(0, 1e-9, n // 2)
    age0 = np.maximum(np.concatenate([rng.uniform(18, 100, n // 2), near]), 18.0)
    arrival = np.sort(rng.integers(0, T, n)).astype(np.int32)
    bands = age_bands(age0, arrival, T)
    for m in range(T):
        np.testing.assert_array_equal(bands[m], age_band_index(age_at(age0, arrival, m)))


def test_assessment_records_follow_the_rules(small_population, params):
    """Sparse records: arrivals assessed in their arrival month, FACS from points plus the
    team's offset at each one, and the dense views carry the latest value forward."""
    from sim.inputs.facs import facs_from_points

    offset = np.array([params.facs.team_offset_points[t] for t in small_population.teams],
                      np.float32)

    T = 30
    w = simulate(small_population, params,
                       draw(small_population, params, np.random.SeedSequence(6), T), T, 10)
    for m in (0, 5, 17, T - 1):
        sl = w.assessments(m)
        slots, is_review = w.assessed[sl], w.assessed_review[sl]
        np.testing.assert_array_equal(np.sort(slots[~is_review]), np.flatnonzero(w.arrival == m)
                                      if m > 0 else [])
        assessed = w.points[m, slots] + offset[w.team[slots]]
        np.testing.assert_array_equal(w.assessed_facs[sl],
                                      facs_from_points(assessed, params.need.facs_thresholds))
        np.testing.assert_array_equal(w.facs[m, slots], w.assessed_facs[sl])
        np.testing.assert_array_equal(w.practice_budget[m, slots], w.assessed_practice[sl])
        assert w.review[m].sum() == is_review.sum() > 0
        if m >= 10:
            assert (w.assessed_count[sl][is_review] >= 1).all()


def test_reviews_only_reach_people_already_in_the_community(small_population, params):
    """A review needs someone who arrived in an earlier month (the starting population from
    month 0) and has not died or left; nobody is assessed twice in a month."""
    T = 30
    w = simulate(small_population, params,
                 draw(small_population, params, np.random.SeedSequence(11), T), T, 10)
    month = np.repeat(np.arange(T), np.diff(w.assessed_start))
    slots, is_review = w.assessed, w.assessed_review
    arrived_earlier = (w.arrival[slots] < month) | ((w.arrival[slots] == 0) & (month == 0))
    assert arrived_earlier[is_review].all()
    assert (month[is_review] < w.exit_month[slots[is_review]]).all()
    assert len(np.unique(month.astype(np.int64) * w.cap + slots)) == len(slots)
    assert is_review.sum() > 100
    # the PB type history is zero before arrival and set from the arrival month on
    later = np.flatnonzero(w.arrival > 0)
    before = np.arange(T)[:, None] < w.arrival[None, later]
    assert (w.pb_type[:, later][before] == 0).all()
