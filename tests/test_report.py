"""Finance and equalities tables on constructed inputs, and a report that is safe to open."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from sim.equalities import disparity_table, eia_table, hist_median
from sim.finance import target_table
from sim.report import build_report
from sim.results import EIA_REP_STATS, EIA_STATS, PCT_EDGES, StudyResults, eia_groups

TEAMS = ('=HYPERLINK("http://x","click")', "<script>alert(1)</script>")
R, F, T = 4, 2, 24


def constructed() -> StudyResults:
    """Baseline, 'a+immediate', 'a+phased'; numbers chosen so every figure is known by hand."""
    pols = [{"name": "status_quo", "calibration": "status_quo", "transition": "none", "is_baseline": True},
            {"name": "a+immediate", "calibration": "a", "transition": "immediate", "is_baseline": False},
            {"name": "a+phased", "calibration": "a", "transition": "phased", "is_baseline": False}]
    J = len(eia_groups(TEAMS))
    res = StudyResults(policies=pols, months=[f"2012-{m:02d}" for m in range(1, T + 1)],
                       financial_years=["2012/13", "2013/14"], month_fy=np.repeat([0, 1], 12),
                       go_live_month=3, teams=TEAMS, n_replicates=R,
                       meta={"study": {"name": "t", "target": 100.0, "first_full_year": "2013/14",
                                       "suppress_below": 10, "seed": 1, "runs": R},
                             "assumptions": [{"section": "x", "source": "assumption: <b>bold</b>"}]})
    base = np.full((R, F), 1000.0)
    # savings of immediate: 150, 50, 120, 100 -> P(meet 100) = 3/4; phased: 20 each
    imm = base - np.array([150.0, 50.0, 120.0, 100.0])[:, None]
    ph = base - 20.0
    res.spend_fy = np.stack([base, imm, ph], axis=1)
    res.res_spend_fy = np.zeros((R, 3, F))
    res.admissions_fy = np.zeros((R, 3, F))
    res.spend_month_total = np.ones((R, 3, T))
    res.spend_month_group_sum = np.ones((3, T, 17))
    res.people_month_sum = np.ones((3, T))
    K = len(EIA_STATS)
    k = {n: i for i, n in enumerate(EIA_STATS)}
    eia = np.zeros((2, 3, J, K))
    rep = np.zeros((R, 2, 3, J, len(EIA_REP_STATS)))
    cols = eia_groups(TEAMS)
    older = cols.index(("client_group", "older_people"))
    ld = cols.index(("client_group", "learning_disability"))
    # per replicate: 100 people: 40 older (4 lose >5%), 60 LD (30 lose); 5 in team 0 (tiny)
    per_rep = {0: (100, 34), older: (40, 4), ld: (60, 30), cols.index(("team", TEAMS[0])): (5, 1)}
    for j, (n, lose) in per_rep.items():
        for p in (1, 2):
            eia[:, p, j, k["n"]] = n * R
            eia[:, p, j, k["n_lose5"]] = lose * R
            eia[:, p, j, k["n_lose10"]] = lose * R
            eia[:, p, j, k["sum_before"]] = 1000.0 * n * R
            eia[:, p, j, k["sum_after"]] = 900.0 * n * R
            eia[:, p, j, k["sum_points"]] = 10.0 * n * R
            rep[:, :, p, j, 0] = n
            rep[:, :, p, j, 1] = lose
    rep[0, :, 1, ld, 1] = 45  # one replicate with 15 more LD losers widens the interval
    rep[0, :, 1, 0, 1] = 49
    res.eia_sum, res.eia_rep = eia, rep.astype(np.float32)
    hist = np.zeros((2, 3, J, len(PCT_EDGES) + 1))
    hist[..., 40] = 10  # every change in [-2.5%, 0): median inside that bin
    res.eia_hist = hist
    res.disparity = np.stack([np.full((R, 2, 3), 1.8), np.full((R, 2, 3), 1.2)], axis=-1)
    return res


def test_target_probability_standard_error_and_protection_cost():
    t = target_table(constructed()).set_index(["policy", "financial_year"])
    row = t.loc[("a+immediate", "2013/14")]
    assert row["prob_meet_target"] == pytest.approx(0.75)
    assert row["prob_meet_target_se"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert row["savings_mean"] == pytest.approx(105.0)
    assert t.loc[("a+phased", "2013/14"), "protection_cost"] == pytest.approx(105.0 - 20.0)
    assert t.loc[("a+immediate", "2013/14"), "protection_cost"] == pytest.approx(0.0)
    assert bool(t.loc[("status_quo", "2013/14"), "cost_neutral"])


def test_relative_risk_interval_and_suppression():
    e = eia_table(constructed())
    row = e[(e.policy == "a+phased") & (e.group == "learning_disability")].iloc[0]
    # LD risk 30/60 = 0.5; everyone else 4/40 = 0.1 -> RR 5
    assert row["rr_lose"] == pytest.approx(5.0)
    assert row["share_lose10"] == pytest.approx(0.5)
    assert row["alloc_per_point_before"] == pytest.approx(100.0)
    assert row["alloc_per_point_after"] == pytest.approx(90.0)
    imm = e[(e.policy == "a+immediate") & (e.group == "learning_disability")].iloc[0]
    # replicate 0: LD 45/60 = 0.75 vs (34+15-45)/40... computed from per-replicate tallies
    assert imm["rr_lose_lo"] <= 5.0 <= imm["rr_lose_hi"] and imm["rr_lose_hi"] > 5.0
    tiny = e[(e.characteristic == "team") & (e.group == TEAMS[0])].iloc[0]
    assert tiny["suppressed"] and np.isnan(tiny["rr_lose"]) and tiny["count"] == 5
    assert not row["suppressed"]


def test_histogram_median_is_interpolated():
    h = np.zeros(len(PCT_EDGES) + 1)
    h[40] = 10  # [-2.5%, 0%)
    assert hist_median(h) == pytest.approx(-0.0125)
    assert np.isnan(hist_median(np.zeros_like(h)))


def test_disparity_before_and_after():
    d = disparity_table(constructed())
    r = d[(d.policy == "a+phased") & (d.snapshot == "first_year")].iloc[0]
    assert r["ratio_before"] == pytest.approx(1.8) and r["ratio_after"] == pytest.approx(1.2)


def test_report_builds_and_labels_come_out_inert(tmp_path):
    res = constructed()
    res.persons = []
    res.save(tmp_path)
    paths = build_report(tmp_path)
    names = {p.name for p in paths}
    for want in ("report.html", "results.xlsx", "target.csv", "eia.csv", "spend_fan.png",
                 "policy_map.png", "disparity.png"):
        assert want in names
    page = (tmp_path / "report.html").read_text()
    for pol in ("a+immediate", "a+phased"):
        assert pol in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page
    sheets = pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)
    assert {"summary", "spend", "target", "eia", "eia_horizon", "disparity",
            "assumptions", "manifest"} <= set(sheets)
    wb = load_workbook(tmp_path / "results.xlsx")
    found = [c for row in wb["eia"].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert found and all(c.data_type != "f" for c in found)
