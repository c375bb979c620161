"""Caps hold over any 12 months (issue 21, item 5).

The rule, stated observably: under a cap of x a year, for every person and every pair of
months go-live - 1 <= t1 < t2 with t2 - t1 <= 12, the budget held at the end of t2 is at
least (1 - x) times the budget held at the end of t1 (to the half penny of rounding), and
under a gain cap y at most (1 + y) times it.  A budget that rose inside a year cannot then
fall more than the cap below its level at any time in that year (the case that broke the
per-window rule: 511 -> 2,301 -> 780 within 7 months under a 10% cap).
"""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.cap_window import CapWindow
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.params import load_parameters
from sim.model.world import simulate
from sim.policy.calibration import make_calibration
from sim.policy.policy import Policy
from sim.policy.transition import CAP_MONTHS, Transition, TransitionStack

RULES = [Transition(name="capped_loss", max_loss=0.10),
         Transition(name="capped_both", max_loss=0.05, max_gain=0.05),
         Transition(name="phased", phases=2, max_loss=0.10, protect_critical=True)]
HALF_PENNY = 0.005 + 1e-9


def assert_caps_hold(held: np.ndarray, rules: list[Transition], first: int) -> None:
    """held: (rows, months) budget at the end of each month, from month `first` on."""
    T = held.shape[1]
    for row, rule in zip(held, rules):
        for t1 in range(first, T):
            later = row[t1 + 1:t1 + CAP_MONTHS + 1]
            if rule.max_loss is not None:
                floor = (1 - rule.max_loss) * row[t1] - HALF_PENNY
                assert (later >= floor).all(), (rule.name, t1, row)
            if rule.max_gain is not None:
                ceiling = (1 + rule.max_gain) * row[t1] + HALF_PENNY
                assert (later <= ceiling).all(), (rule.name, t1, row)


review_histories = st.lists(
    st.tuples(st.integers(1, 14), st.floats(100.0, 50_000.0), st.booleans()),
    min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(start=st.floats(100.0, 50_000.0), history=review_histories)
def test_no_budget_falls_more_than_the_cap_within_any_12_months(start, history):
    """Random review histories (gaps of 1-14 months, any indicative budget, critical or not)
    through the model's own window and rule: every pair of months within 12 passes."""
    stack, rows = TransitionStack(RULES), len(RULES)
    window, idx = CapWindow(rows, 1, CAP_MONTHS), np.array([0])
    current = np.full((rows, 1), np.rint(start * 100.0) / 100.0)
    m, k, T = 0, 0, sum(g for g, _, _ in history) + 1
    held = np.empty((rows, T))
    held[:, 0] = current[:, 0]          # month 0 = go-live - 1: the budget before go-live
    for gap, indicative, critical in history:
        held[:, m + 1:m + gap] = current
        m, k = m + gap, k + 1
        high, low = window.bounds(idx, m, current)
        new = stack.apply(current, np.full((rows, 1), indicative), loss_base=high,
                          gain_base=low, review_number=np.array([k]),
                          is_critical=np.array([critical]), points_change=np.zeros(1),
                          is_new=np.zeros(1, bool), months_since_go_live=np.array([m - 1]))
        new = np.rint(new * 100.0) / 100.0
        window.record(idx, m, current, new)
        current = new
        held[:, m] = current[:, 0]
    held[:, m + 1:] = current
    assert_caps_hold(held, RULES, 0)


def test_the_issue_case_cannot_happen():
    """511 -> 2,301 (a gain in full) -> 780 seven months later under a 10% loss cap: the
    second review may cut at most to 0.9 x 2,301."""
    t, idx = Transition(name="capped_loss", max_loss=0.10), np.array([0])
    window = CapWindow(1, 1, CAP_MONTHS)
    kw = dict(is_critical=np.zeros(1, bool), points_change=np.zeros(1), is_new=np.zeros(1, bool),
              months_since_go_live=0)
    cur = np.array([[511.0]])
    high, low = window.bounds(idx, 1, cur)
    up = t.apply(cur, np.array([[2_301.0]]), loss_base=high, gain_base=low,
                 review_number=np.ones(1), **kw)
    window.record(idx, 1, cur, up)
    high, low = window.bounds(idx, 8, up)
    down = t.apply(up, np.array([[780.0]]), loss_base=high, gain_base=low,
                   review_number=np.full(1, 2), **kw)
    np.testing.assert_allclose(down, [[0.9 * 2_301.0]])


def test_caps_hold_over_any_12_months_in_the_model(small_population):
    """The whole model, a fitted calibration whose indicative budgets cross people's budgets
    as their need moves: no person's budget under a capped transition falls more than the
    cap (or rises more than the gain cap) between any two months within 12 after go-live."""
    params = load_parameters(overrides={"residential.enabled": False})
    pop, T, go_live = small_population, 48, 6
    cal = make_calibration("percentile", percentile=50.0)
    cal.fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    policies = [Policy("sq")] + [Policy(r.name, "pct", r) for r in RULES]
    checked = 0
    for seed in (3, 4):
        d = draw(pop, params, np.random.SeedSequence(seed), T)
        w = simulate(pop, params, d, T, go_live)
        model = CareModel(world=w, policies=policies, calibrations={"pct": cal}, params=params)
        B = np.zeros((len(policies), T, w.cap))
        for m in range(T):
            model.step()
            B[:, m] = model.budget
        existing = np.flatnonzero((w.arrival < go_live) & (w.exit_month > go_live))
        for s in existing:
            end = int(w.exit_month[s])
            assert_caps_hold(B[1:, go_live - 1:end, s], RULES, 0)
            checked += 1
    assert checked > 300
