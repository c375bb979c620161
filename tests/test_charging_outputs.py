"""Charging in the outputs, on hand-built results with known numbers (results_fixture):
spend gross and net, net savings, the EIA of the net change, and the report's sections."""
from __future__ import annotations

import re

import built_report
import numpy as np
import pytest
from results_fixture import constructed

from sim.outputs.charging import charging_table, eia_net_table


@pytest.fixture(scope="module")
def page():
    return (built_report.built()[0] / "report.html").read_text(encoding="utf-8")


def section(text: str, start: str, end: str) -> str:
    i = text.index(start)
    return text[i:text.index(end, i)]


def test_net_spend_is_gross_minus_contributions_and_net_savings_add_the_extra_contributions():
    res = constructed()
    t = charging_table(res).set_index(["policy", "financial_year"])
    np.testing.assert_allclose(t["net_spend_mean"], t["gross_spend_mean"] - t["contributions_mean"])
    row = t.loc[("a+immediate", "2013/14")]
    assert row["gross_spend_mean"] == pytest.approx(885.0)
    assert row["contributions_mean"] == pytest.approx(80.0)
    assert row["net_spend_mean"] == pytest.approx(805.0)
    # gross savings (community and residential, as spend.csv) 105; the option collects 20 less
    assert row["savings_mean"] == pytest.approx(105.0)
    assert row["net_savings_mean"] == pytest.approx(85.0)
    assert row["net_savings_p5"] <= row["net_savings_mean"] <= row["net_savings_p95"]
    base = t.loc[("status_quo", "2013/14")]
    assert base["net_savings_mean"] == 0.0 and base["dre"] == "team practice"


def test_the_eia_of_the_net_change_reports_means_and_shares_per_group():
    res = constructed()
    t = eia_net_table(res)
    everyone = t[(t["characteristic"] == "all") & (t["snapshot"] == "first_year")]
    assert list(everyone["policy"]) == ["a+immediate", "a+phased", "=SUM(1,2)+b"]
    r = everyone.iloc[0]
    assert r["count"] == 100 and r["mean_net_change_gbp"] == pytest.approx(-1.5)
    assert r["share_pay_more"] == pytest.approx(0.2) and r["share_pay_less"] == pytest.approx(0.1)
    assert r["mean_contribution_before"] == pytest.approx(5.0)
    assert r["mean_contribution_after"] == pytest.approx(6.5)
    # a group nobody is in is suppressed, its statistics blank
    empty = t[t["characteristic"] == "client_group"].iloc[0]
    assert empty["suppressed"] and np.isnan(empty["mean_net_change_gbp"])


def test_the_report_has_a_charging_section_after_finance(page):
    assert page.index("<h2 id='finance'>") < page.index("<h2 id='charging'>") \
        < page.index("<h2 id='equalities'>")
    part = section(page, "<h2 id='charging'>", "<h2 id='equalities'>")
    assert "Spend gross and net of contributions in 2013/14" in part
    assert re.search(r'<td data-label="[^"]+">£805</td>', part)
    assert re.search(r'<td data-label="[^"]+">£85</td>', part)
    assert "Change in net position by client group and team" in part


def test_each_option_shows_admissions_to_residential_care_by_group(page):
    phased = section(page, 'id="eia-2"', "</section>")
    assert "Admissions to residential care by group" in phased
    # learning disability: 9 of 60 admitted under the status quo, 10 under the option: the
    # change within the group is 10/9 = 1.11, one extra admission per future
    table = section(phased, "Admissions to residential care by group", "</table>")
    ld = next(row for row in table.split("<tr>") if ">Learning difficulties</td>" in row)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", ld)
    assert cells[1:5] == ["60", "15%", "17%", "1.11"], cells
