"""Contract checks every registered calibration and every shipped transition must pass.

As scikit-learn checks every estimator: a new calibration family (one class in
`CALIBRATIONS`) or a new block in scenarios/calibrations.toml or transitions.toml gets these
tests without writing any.  Each check states behaviour a user relies on: `__init__` only
stores parameters, `fit` returns the fitted estimator, the target total is met to the penny,
the same data gives the same budgets, inputs are never changed, a bad parameter is refused
by name.
"""
from __future__ import annotations

import tomllib

import numpy as np
import pytest
from conftest import ROOT

from sim.policy.calibration import CALIBRATIONS, NotFittedError, make_calibration
from sim.policy.transition import NONE_TRANSITION, TransitionStack, load_transitions

SAVINGS = 250_000.0
BLOCKS = tomllib.loads((ROOT / "scenarios" / "calibrations.toml").read_text())
TRANSITIONS = load_transitions(tomllib.loads((ROOT / "scenarios" / "transitions.toml")
                                             .read_text()))
ALL_TRANSITIONS = {**TRANSITIONS, "none": NONE_TRANSITION}


def calibration_cases() -> dict[str, tuple[str, dict]]:
    """Every registered kind with its defaults, and every shipped block as a study passes it."""
    cases = {f"kind:{kind}": (kind, {}) for kind in CALIBRATIONS}
    for name, block in BLOCKS.items():
        spec = {k: v for k, v in block.items() if k not in ("description", "recommended")}
        if spec.get("target") == "savings":
            spec["savings"] = SAVINGS
        cases[f"block:{name}"] = (spec.pop("kind"), spec)
    return cases


CASES = calibration_cases()


@pytest.fixture(scope="module")
def cohort(population):
    """The shipped population's go-live cohort as plain arrays, and a cash share per person."""
    rng = np.random.default_rng(7)
    cash = rng.uniform(0.7, 1.0, len(population))
    return (population.ras_points.astype(np.float64), population.annual_budget.astype(np.float64),
            population.client_group.astype(np.int64), population.age.astype(np.float64), cash)


def fitted(kind: str, params: dict, cohort):
    points, cost, group, age, cash = cohort
    return make_calibration(kind, **params).fit(points, cost, client_group=group, age=age,
                                                cash_share=cash)


@pytest.mark.parametrize("case", CASES)
def test_init_only_stores_parameters(case):
    kind, params = CASES[case]
    est = make_calibration(kind, **params)
    got = est.get_params()
    assert all(got[k] is v or got[k] == v for k, v in params.items())
    assert not [a for a in vars(est) if a.endswith("_")], "fitted attributes before fit"
    with pytest.raises(NotFittedError):
        est.allocate(np.array([10.0, 20.0]), client_group=np.array([0, 1]))


@pytest.mark.parametrize("case", CASES)
def test_fit_returns_self_and_allocates_one_finite_budget_a_person(case, cohort):
    kind, params = CASES[case]
    est = make_calibration(kind, **params)
    points, cost, group, age, cash = cohort
    assert est.fit(points, cost, client_group=group, age=age, cash_share=cash) is est
    out = est.allocate(points, client_group=group, age=age)
    assert out.shape == points.shape and out.dtype == np.float64
    assert np.all(np.isfinite(out)) and np.all(out >= est.floor - 1e-9)
    summary = est.fitted_summary()
    assert summary["kind"] == kind and summary["n_fitted"] == len(points)


@pytest.mark.parametrize("case", CASES)
def test_the_target_total_is_met_to_the_penny_in_expected_cash(case, cohort):
    kind, params = CASES[case]
    est = fitted(kind, params, cohort)
    points, cost, group, age, cash = cohort
    total = float(est.allocate(points, client_group=group, age=age) @ cash)
    current = float(cost @ cash)
    want = {"savings": current - SAVINGS, "cost_neutral": current}.get(est.target)
    if want is None:                                     # target "none": nothing to meet
        assert est.scale_ == 1.0
    else:
        assert abs(total * 1.0 - want * est.scale) < 0.01 * max(1.0, est.scale)


@pytest.mark.parametrize("case", CASES)
def test_same_data_same_budgets_and_inputs_untouched(case, cohort):
    kind, params = CASES[case]
    before = [a.copy() for a in cohort]
    a = fitted(kind, params, cohort).allocate(cohort[0], client_group=cohort[2], age=cohort[3])
    b = fitted(kind, params, cohort).allocate(cohort[0], client_group=cohort[2], age=cohort[3])
    assert np.array_equal(a, b)
    assert all(np.array_equal(x, y) for x, y in zip(before, cohort))


@pytest.mark.parametrize("kind", CALIBRATIONS)
def test_every_declared_parameter_refuses_a_bad_value_by_name(kind):
    cls = CALIBRATIONS[kind]
    for name in cls._param_defaults():
        with pytest.raises(ValueError, match=f"'{name}'"):
            make_calibration(kind, **{name: "not a value"})
    with pytest.raises(ValueError, match="unknown parameter 'flor'.*floor"):
        make_calibration(kind, flor=1.0)


# ---- transitions ----------------------------------------------------------------------------

def review_inputs(n: int = 400, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    current = rng.uniform(500, 60_000, n)
    return {"current": current, "indicative": current * rng.uniform(0.3, 2.0, n),
            # the highest and lowest budgets held in the trailing cap window
            "loss_base": current * rng.uniform(1.0, 1.3, n),
            "gain_base": current * rng.uniform(0.7, 1.0, n),
            "review_number": rng.integers(1, 4, n), "is_critical": rng.random(n) < 0.3,
            "points_change": rng.normal(0, 0.3, n), "is_new": rng.random(n) < 0.1,
            "months_since_go_live": rng.integers(0, 60, n).astype(np.float64)}


@pytest.mark.parametrize("name", ALL_TRANSITIONS)
def test_a_transition_is_pure_and_new_users_get_the_indicative_budget(name):
    t, x = ALL_TRANSITIONS[name], review_inputs()
    before = {k: v.copy() for k, v in x.items()}
    kw = {k: v for k, v in x.items() if k not in ("current", "indicative")}
    a = t.apply(x["current"], x["indicative"], **kw)
    assert np.array_equal(a, t.apply(x["current"], x["indicative"], **kw))
    assert all(np.array_equal(before[k], x[k]) for k in x)
    assert a.shape == x["current"].shape
    if t.covers != "none":
        assert np.array_equal(a[x["is_new"]], x["indicative"][x["is_new"]])


@pytest.mark.parametrize("name", ALL_TRANSITIONS)
def test_an_existing_user_moves_towards_the_indicative_budget_never_past_it(name):
    """A cap or protection only limits a move: the new budget lies between current and
    indicative (inclusive), whatever the rule."""
    t, x = ALL_TRANSITIONS[name], review_inputs(seed=11)
    kw = {k: v for k, v in x.items() if k not in ("current", "indicative")}
    new = t.apply(x["current"], x["indicative"], **kw)
    old = ~x["is_new"]
    lo = np.minimum(x["current"], x["indicative"])[old]
    hi = np.maximum(x["current"], x["indicative"])[old]
    assert np.all(new[old] >= lo - 1e-9) and np.all(new[old] <= hi + 1e-9)


def test_the_stack_of_every_transition_agrees_with_each_rule_exactly():
    rules = list(ALL_TRANSITIONS.values())
    x = review_inputs(seed=5)
    kw = {k: v for k, v in x.items() if k not in ("current", "indicative")}
    stacked = TransitionStack(rules).apply(np.tile(x["current"], (len(rules), 1)),
                                           np.tile(x["indicative"], (len(rules), 1)), **kw)
    for row, t in zip(stacked, rules):
        assert np.array_equal(row, t.apply(x["current"], x["indicative"], **kw)), t.name


@pytest.mark.parametrize("name", TRANSITIONS)
@pytest.mark.parametrize("field,bad", [("phases", 0), ("max_loss", 1.5), ("max_gain", -0.1),
                                       ("covers", "everyone"), ("protect_critical", "yes")])
def test_a_shipped_transition_with_a_bad_parameter_is_refused_by_name(name, field, bad):
    block = {f: getattr(TRANSITIONS[name], f) for f in ("covers", "phases")}
    with pytest.raises(ValueError, match=f"'{name}'.*'{field}'"):
        load_transitions({name: {**block, field: bad}})
