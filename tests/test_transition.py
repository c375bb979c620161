"""Transition scenarios: the one rule on a handful of people over three reviews, by hand.

Unless a test says otherwise the three reviews are a year or more apart, so each opens a
new 12-month cap window (loss_base = the budget before it)."""
from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.policy.transition import NONE_TRANSITION, Transition, TransitionStack, load_transitions

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = load_transitions(tomllib.loads((ROOT / "scenarios" / "transitions.toml").read_text()))

# The five defaults, as specified (the shipped data file must say the same; see below).
DEFAULTS = {
    "immediate": Transition(name="immediate", covers="all", phases=1),
    "new_users_only": Transition(name="new_users_only", covers="new_and_changed",
                                 material_change=0.2),
    "capped_loss": Transition(name="capped_loss", covers="all", max_loss=0.10),
    "phased": Transition(name="phased", covers="all", phases=2, max_loss=0.10,
                         protect_critical=True, recommended=True),
    "capped_both": Transition(name="capped_both", covers="all", max_loss=0.05, max_gain=0.05),
}

# Three existing users: a big loser, a gainer, and a critical-band loser.
CURRENT0 = np.array([10_000.0, 4_000.0, 8_000.0])
INDICATIVE = np.array([6_000.0, 5_000.0, 4_000.0])
CRITICAL = np.array([False, False, True])


def three_reviews(t: Transition, points_change=(0.0, 0.0, 0.0)) -> list[np.ndarray]:
    cur, out = CURRENT0, []
    for k in (1, 2, 3):
        cur = t.apply(cur, INDICATIVE, loss_base=cur, review_number=np.full(3, k),
                      is_critical=CRITICAL,
                      points_change=np.asarray(points_change), is_new=np.zeros(3, bool), months_since_go_live=0)
        out.append(cur)
    return out


def test_immediate_is_the_indicative_after_one_review():
    r = three_reviews(DEFAULTS["immediate"])
    for budgets in r:
        np.testing.assert_allclose(budgets, INDICATIVE)


def test_new_users_only_leaves_existing_users_unless_need_changes():
    t = DEFAULTS["new_users_only"]
    for budgets in three_reviews(t):
        np.testing.assert_allclose(budgets, CURRENT0)
    moved = three_reviews(t, points_change=(0.25, -0.2, 0.1))
    # a change of exactly 20% is material; the 3rd person's 10% is not, at any review
    for budgets in moved:
        np.testing.assert_allclose(budgets, [6_000.0, 5_000.0, 8_000.0])
    new = t.apply(CURRENT0, INDICATIVE, loss_base=CURRENT0, review_number=np.ones(3),
                  is_critical=CRITICAL, points_change=np.zeros(3), is_new=np.ones(3, bool), months_since_go_live=0)
    np.testing.assert_allclose(new, INDICATIVE)


def test_capped_loss_by_hand():
    r = three_reviews(DEFAULTS["capped_loss"])
    # loser: 10,000 -> 9,000 -> 8,100 -> 7,290 (10% a review); gainer in full: 5,000
    # critical loser (not protected here): 8,000 -> 7,200 -> 6,480 -> 5,832
    np.testing.assert_allclose(r[0], [9_000.0, 5_000.0, 7_200.0])
    np.testing.assert_allclose(r[1], [8_100.0, 5_000.0, 6_480.0])
    np.testing.assert_allclose(r[2], [7_290.0, 5_000.0, 5_832.0])


def test_phased_by_hand():
    t = DEFAULTS["phased"]
    assert t.recommended
    r = three_reviews(t)
    # review 1: half the gap, loss capped at 10%: 10,000 - min(2,000, 1,000) = 9,000;
    #   gainer +500 = 4,500; critical protected: 8,000
    # review 2: all the remaining gap, capped: 9,000 - 900 = 8,100; gainer 5,000; 8,000
    # review 3: 8,100 - 810 = 7,290
    np.testing.assert_allclose(r[0], [9_000.0, 4_500.0, 8_000.0])
    np.testing.assert_allclose(r[1], [8_100.0, 5_000.0, 8_000.0])
    np.testing.assert_allclose(r[2], [7_290.0, 5_000.0, 8_000.0])


def test_capped_both_by_hand():
    r = three_reviews(DEFAULTS["capped_both"])
    # loser -5% a review: 9,500, 9,025, 8,573.75; gainer +5%: 4,200, 4,410, 4,630.5;
    # critical: 7,600, 7,220, 6,859
    np.testing.assert_allclose(r[0], [9_500.0, 4_200.0, 7_600.0])
    np.testing.assert_allclose(r[1], [9_025.0, 4_410.0, 7_220.0])
    np.testing.assert_allclose(r[2], [8_573.75, 4_630.5, 6_859.0])


def test_three_phases_close_thirds_of_the_gap():
    t = Transition(name="thirds", phases=3)
    r = three_reviews(t)
    np.testing.assert_allclose(r[0], CURRENT0 + (INDICATIVE - CURRENT0) / 3)
    np.testing.assert_allclose(r[2], INDICATIVE)


def test_rule_broadcasts_over_stacked_policies():
    t = DEFAULTS["capped_loss"]
    cur = np.vstack([CURRENT0, CURRENT0 * 2])
    ind = np.vstack([INDICATIVE, INDICATIVE])
    out = t.apply(cur, ind, loss_base=cur, review_number=np.ones(3), is_critical=CRITICAL,
                  points_change=np.zeros(3), is_new=np.zeros(3, bool), months_since_go_live=0)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[1], [18_000.0, 7_200.0, 14_400.0])


def test_validation_names_the_problem():
    with pytest.raises(ValueError, match="max_loss"):
        Transition(name="x", max_loss=1.5)
    with pytest.raises(ValueError, match="phases"):
        Transition(name="x", phases=0)
    with pytest.raises(ValueError, match="did you mean 'max_loss'"):
        load_transitions({"x": {"max_los": 0.1}})
    with pytest.raises(ValueError, match="covers"):
        Transition(name="x", covers="some")


def test_shipped_defaults_are_the_five_specified():
    assert list(SHIPPED) == list(DEFAULTS)
    for name, t in DEFAULTS.items():
        assert SHIPPED[name] == replace(t, description=SHIPPED[name].description), name
    assert [n for n, t in SHIPPED.items() if t.recommended] == ["phased"]


def test_protect_critical_alone_keeps_losses_off_critical_users_only():
    t = Transition(name="protect", protect_critical=True)
    out = t.apply(CURRENT0, INDICATIVE, loss_base=CURRENT0, review_number=np.ones(3),
                  is_critical=np.ones(3, bool), points_change=np.zeros(3),
                  is_new=np.zeros(3, bool), months_since_go_live=0)
    # all critical: the two losers keep 10,000 and 8,000; the gainer still gains to 5,000
    np.testing.assert_allclose(out, [10_000.0, 5_000.0, 8_000.0])
    new = t.apply(CURRENT0, INDICATIVE, loss_base=CURRENT0, review_number=np.ones(3),
                  is_critical=np.ones(3, bool), points_change=np.zeros(3),
                  is_new=np.ones(3, bool), months_since_go_live=0)
    np.testing.assert_allclose(new, INDICATIVE)  # a new user has nothing to protect


def test_none_is_the_status_quo():
    assert NONE_TRANSITION.name == "none" and NONE_TRANSITION.covers == "none"
    for budgets in three_reviews(NONE_TRANSITION):
        np.testing.assert_array_equal(budgets, CURRENT0)


def test_apply_is_pure():
    t = DEFAULTS["phased"]
    cur, ind = CURRENT0.copy(), INDICATIVE.copy()
    kw = dict(loss_base=CURRENT0 * 1.01, review_number=np.array([1, 2, 3]), is_critical=CRITICAL,
              points_change=np.zeros(3), is_new=np.zeros(3, bool), months_since_go_live=0)
    first = t.apply(cur, ind, **kw)
    np.testing.assert_array_equal(t.apply(cur, ind, **kw), first)
    np.testing.assert_array_equal(cur, CURRENT0)  # inputs untouched
    assert first.dtype == np.float64


def test_loading_refuses_bad_tables_clearly():
    with pytest.raises(ValueError, match="max_loss"):
        load_transitions({"x": {"max_loss": -0.1}})
    with pytest.raises(ValueError, match="max_gain"):
        load_transitions({"x": {"max_gain": "lots"}})
    with pytest.raises(ValueError, match="phases"):
        load_transitions({"x": {"phases": 1.5}})
    with pytest.raises(ValueError, match="protect_critical"):
        load_transitions({"x": {"protect_critical": "yes"}})
    with pytest.raises(ValueError, match="material_change"):
        load_transitions({"x": {"material_change": float("nan")}})
    with pytest.raises(ValueError, match="did you mean 'covers'"):
        load_transitions({"x": {"cover": "all"}})
    with pytest.raises(ValueError, match="table"):
        load_transitions({"x": 3})


def test_stack_gives_each_rule_exactly_its_own_result():
    """The model applies every policy's rule in one pass; it must equal rule by rule."""
    rng = np.random.default_rng(3)
    rules = [*DEFAULTS.values(), NONE_TRANSITION,
             Transition(name="thirds", phases=3, max_gain=0.2, protect_critical=True),
             Transition(name="changed", covers="new_and_changed", material_change=0.05,
                        max_loss=0.3),
             Transition(name="gains_at_once", phases=3, max_loss=0.1, phase_gains=False,
                        protect_critical=True, protect_years=1.5),
             Transition(name="gains_capped_at_once", phases=2, max_gain=0.2, phase_gains=False)]
    n = 2_000
    current = rng.uniform(0.0, 20_000.0, (len(rules), n)).round(2)
    indicative = rng.uniform(0.0, 20_000.0, (len(rules), n))
    # the window's base is the current budget, or an earlier one within 30% either side
    base = np.where(rng.random(n) < 0.5, current, current * rng.uniform(0.7, 1.3, n))
    kw = dict(review_number=rng.integers(0, 5, n), is_critical=rng.random(n) < 0.3,
              points_change=rng.normal(0.0, 0.2, n), is_new=rng.random(n) < 0.1,
              months_since_go_live=rng.integers(0, 30, n))
    stacked = TransitionStack(rules).apply(current, indicative, loss_base=base, **kw)
    for i, rule in enumerate(rules):
        np.testing.assert_array_equal(
            stacked[i], rule.apply(current[i], indicative[i], loss_base=base[i], **kw),
            err_msg=rule.name)


def review(t: Transition, current, loss_base, indicative=INDICATIVE, k=1):
    return t.apply(np.asarray(current, float), indicative, loss_base=np.asarray(loss_base, float),
                   review_number=np.full(3, k), is_critical=np.zeros(3, bool),
                   points_change=np.zeros(3), is_new=np.zeros(3, bool), months_since_go_live=0)


def test_a_second_review_within_twelve_months_cannot_cut_again():
    """Caps count per 12 months: a review triggered inside the window keeps the window's base."""
    t = DEFAULTS["capped_loss"]
    first = review(t, CURRENT0, loss_base=CURRENT0)          # opens the window
    np.testing.assert_allclose(first, [9_000.0, 5_000.0, 7_200.0])
    again = review(t, first, loss_base=CURRENT0, k=2)        # triggered, same window
    np.testing.assert_allclose(again, first)                 # 10% of the year is used up
    assert (again >= 0.9 * CURRENT0 - 1e-9).all()
    later = review(t, again, loss_base=again, k=3)            # 12 months on: a new window
    np.testing.assert_allclose(later, [8_100.0, 5_000.0, 6_480.0])


def test_gains_are_capped_per_twelve_months_the_same_way():
    t = Transition(name="gain_cap", max_gain=0.10)
    low = np.array([4_000.0, 1_000.0, 4_000.0])
    first = review(t, low, loss_base=low)
    np.testing.assert_allclose(first, [4_400.0, 1_100.0, 4_000.0])
    again = review(t, first, loss_base=low, k=2)
    np.testing.assert_allclose(again, first)
    later = review(t, again, loss_base=again, k=3)
    np.testing.assert_allclose(later, [4_840.0, 1_210.0, 4_000.0])


def test_a_cap_limits_a_move_but_never_causes_one():
    """Below the window's floor (or above its ceiling) already: no forced move back."""
    t = DEFAULTS["capped_both"]
    base = np.full(3, 10_000.0)
    current = np.array([8_000.0, 12_000.0, 10_000.0])
    down = review(t, current, base, indicative=np.array([7_000.0, 11_000.0, 9_000.0]))
    np.testing.assert_allclose(down, [8_000.0, 11_000.0, 9_500.0])
    up = review(t, current, base, indicative=np.array([20_000.0, 20_000.0, 20_000.0]))
    np.testing.assert_allclose(up, [10_500.0, 12_000.0, 10_500.0])


BIG_GAIN = np.array([4_000.0, 8_000.0, 10_000.0])  # the gainer is due double


def by_review(t: Transition, windows=(True, True)) -> list[np.ndarray]:
    """Two reviews; each opens a new cap window unless `windows` says otherwise."""
    cur, base, out = CURRENT0, CURRENT0, []
    for k, opens in zip((1, 2), windows):
        base = cur if opens else base
        cur = t.apply(cur, np.array([6_000.0, 8_000.0, 4_000.0]), loss_base=base,
                      review_number=np.full(3, k), is_critical=np.zeros(3, bool),
                      points_change=np.zeros(3), is_new=np.zeros(3, bool), months_since_go_live=0)
        out.append(cur)
    return out


def test_phase_gains_closes_a_large_gain_over_the_same_reviews_as_losses():
    on = by_review(Transition(name="on", phases=2, phase_gains=True))
    # the gainer (4,000 due 8,000): half at the first review, all at the second, as the losers
    np.testing.assert_allclose(on[0], [8_000.0, 6_000.0, 6_000.0])
    np.testing.assert_allclose(on[1], [6_000.0, 8_000.0, 4_000.0])
    off = by_review(Transition(name="off", phases=2, phase_gains=False))
    np.testing.assert_allclose(off[0], [8_000.0, 8_000.0, 6_000.0])  # gain in full at once
    assert Transition(name="default").phase_gains  # default: gains phased like losses


def test_phased_gains_respect_max_gain_per_twelve_months():
    t = Transition(name="t", phases=2, phase_gains=True, max_gain=0.10)
    # the gainer: half the gap is +2,000, capped at +10% of 4,000 = 4,400; a second review
    # in the same 12-month window adds nothing; in a new window +10% of 4,400 = 4,840
    same = by_review(t, windows=(True, False))
    np.testing.assert_allclose([same[0][1], same[1][1]], [4_400.0, 4_400.0])
    fresh = by_review(t, windows=(True, True))
    np.testing.assert_allclose([fresh[0][1], fresh[1][1]], [4_400.0, 4_840.0])


def test_protect_years_ends_critical_protection():
    t = Transition(name="t", protect_critical=True, protect_years=1)

    def at(months):
        return t.apply(CURRENT0, INDICATIVE, loss_base=CURRENT0, review_number=np.ones(3),
                       is_critical=CRITICAL, points_change=np.zeros(3), is_new=np.zeros(3, bool),
                       months_since_go_live=months)

    np.testing.assert_allclose(at(0), [6_000.0, 5_000.0, 8_000.0])   # protected at go-live
    np.testing.assert_allclose(at(11), [6_000.0, 5_000.0, 8_000.0])  # and within the year
    np.testing.assert_allclose(at(12), INDICATIVE)                   # not after it
    forever = replace(t, protect_years=None)
    np.testing.assert_allclose(
        forever.apply(CURRENT0, INDICATIVE, loss_base=CURRENT0, review_number=np.ones(3),
                      is_critical=CRITICAL, points_change=np.zeros(3), is_new=np.zeros(3, bool),
                      months_since_go_live=600), [6_000.0, 5_000.0, 8_000.0])


def test_new_options_are_validated():
    with pytest.raises(ValueError, match="protect_years"):
        Transition(name="x", protect_critical=True, protect_years=0)
    with pytest.raises(ValueError, match="protect_years"):
        load_transitions({"x": {"protect_years": "two"}})
    with pytest.raises(ValueError, match="phase_gains"):
        load_transitions({"x": {"phase_gains": 1}})
