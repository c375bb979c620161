"""The report from a hand-built results folder: complete, readable, and safe to open."""
from __future__ import annotations

import html
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook
from results_fixture import POLICIES, TEAMS, constructed

from sim.errors import InputError
from sim.outputs.equalities import eia_table
from sim.outputs.formats import pounds
from sim.outputs.plots import change_by_group, save_all, winners_losers
from sim.outputs.report import write_outputs
from sim.outputs.roles import featured_policy

TABLES = ("spend.csv", "spend_monthly.csv", "target.csv", "eia.csv", "eia_horizon.csv",
          "disparity.csv", "summary.csv", "activity.csv", "users.csv")
FIGURES = ("spend_fan.png", "savings_distribution.png", "policy_map.png", "change_by_group.png",
           "winners_losers.png", "disparity.png")
SHEETS = ("summary", "spend", "target", "eia", "eia_horizon", "disparity", "assumptions")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    constructed(with_persons=True).save(folder)
    (folder / "manifest.json").write_text('{"seed": 7, "note": "<i>run</i>"}', encoding="utf-8")
    return folder, write_outputs(folder)


def test_every_output_is_written_and_no_temporary_file_is_left(built):
    folder, paths = built
    names = {p.name for p in paths}
    assert names == {*TABLES, "report.html", "results.xlsx", *FIGURES}
    assert all(p.exists() for p in paths)
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    eia = pd.read_csv(folder / "eia.csv")
    assert set(eia["snapshot"]) == {"first_year"} and eia["suppressed"].any()


def test_without_the_report_every_table_is_still_written(tmp_path):
    constructed().save(tmp_path)
    paths = write_outputs(tmp_path, report=False)
    assert sorted(p.name for p in paths) == sorted(TABLES)
    assert all(p.exists() for p in paths)
    assert not (tmp_path / "report.html").exists() and not (tmp_path / "results.xlsx").exists()
    assert not (tmp_path / "figures").exists()


def test_results_without_a_target_write_nothing(tmp_path):
    res = constructed()
    del res.meta["study"]["target"]
    res.save(tmp_path)
    with pytest.raises(InputError, match="savings target"):
        write_outputs(tmp_path)
    assert not list(tmp_path.glob("*.csv")) and not (tmp_path / "report.html").exists()


def test_report_leads_with_the_summary_and_names_every_policy(built):
    page = (built[0] / "report.html").read_text(encoding="utf-8")
    order = [page.index(h) for h in ("<h2>Summary", "<h2>Finance", "<h2>Equalities", "<h2>Method")]
    assert order == sorted(order)
    summary = page[order[0]:order[1]]
    for pol in POLICIES[1:]:
        assert html.escape(pol["name"]) in summary
    assert "disability: Learning difficulties" in summary and "75%" in summary
    method = page[order[3]:]
    for text in ("death", "life tables", "seed", "<td>4</td>", "&lt;i&gt;run&lt;/i&gt;"):
        assert text in method
    assert page.count("data:image/png;base64,") == len(FIGURES)


def test_input_labels_are_inert_in_html(built):
    page = (built[0] / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<i>" not in page
    assert "http://x" not in page.replace(html.escape(TEAMS[0]), "")  # only as escaped text
    assert 'src="http' not in page and "<link" not in page


def test_workbook_has_every_table_and_no_formula(built):
    folder = built[0]
    sheets = pd.read_excel(folder / "results.xlsx", sheet_name=None)
    assert set(SHEETS) | {"manifest"} <= set(sheets)
    assert TEAMS[0] in set(sheets["eia"]["group"])
    assert "=SUM(1,2)+b" in set(sheets["summary"]["policy"])
    wb = load_workbook(folder / "results.xlsx")
    risky = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= {TEAMS[0], "=SUM(1,2)+b", "=cmd|' /C calc'!A0"}
    assert all(c.data_type != "f" for c in risky)
    with zipfile.ZipFile(folder / "results.xlsx") as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("xl/worksheets/"))


def test_stale_tables_are_replaced_and_persons_are_optional(tmp_path):
    res = constructed()
    res.meta.pop("assumptions")
    res.save(tmp_path)
    (tmp_path / "spend.csv").write_text("stale\n", encoding="utf-8")
    paths = write_outputs(tmp_path)
    assert tmp_path / "spend.csv" in paths
    assert len(pd.read_csv(tmp_path / "spend.csv")) == 4 * 2   # recomputed from the aggregates
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;i&gt;abc&lt;/i&gt;" in page  # manifest stored with the results, escaped
    assert "spend" in pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)


def test_the_featured_policy_is_the_recommended_one(built):
    page = (built[0] / "report.html").read_text(encoding="utf-8")
    assert "<h3>Every group for a+phased " in page
    res = constructed()
    assert featured_policy(res) == 2
    res.policies[2]["recommended"] = False
    assert featured_policy(res) == 1                 # none recommended: the first RAS policy
    for pol in res.policies:
        pol.pop("recommended")
    assert featured_policy(res) == 1                 # results from before the flag
    res.policies = res.policies[:1]
    assert featured_policy(res) == 0                 # only the status quo


def test_protection_note_names_the_unprotected_transition_from_the_data(built):
    page = (built[0] / "report.html").read_text(encoding="utf-8")
    finance = page[page.index("<h2>Finance"):page.index("<h2>Equalities")]
    assert "the same calibration under the &#x27;immediate&#x27; transition" in finance


def test_group_chart_uses_the_study_suppression_threshold():
    res = constructed(with_persons=True)             # 120 people, 2-60 per group
    shown = change_by_group(res, 2)
    assert "groups under 10 people" in shown._suptitle.get_text()
    assert all(ax.get_xticklabels() for ax in shown.axes)
    res.meta["study"]["suppress_below"] = 500
    hidden = change_by_group(res, 2)
    assert "groups under 500 people" in hidden._suptitle.get_text()
    assert all([t.get_text() for t in ax.texts] == ["no group of 500 or more people"]
               for ax in hidden.axes)


def test_winners_and_losers_are_labelled_by_protected_characteristic():
    fig = winners_losers(eia_table(constructed()), "a+phased")
    labels = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert {"Disability: Learning difficulties", "Sex: Male", "Age: 85 and over"} <= labels
    assert not any("Direct payment" in label or "PB" in label for label in labels)


def test_save_all_on_its_own(tmp_path):
    paths = save_all(constructed(), tmp_path)
    assert [p.name for p in paths] == list(FIGURES)
    assert all(p.stat().st_size > 1000 for p in paths)


def test_pounds():
    assert [pounds(x) for x in (776_000, 1_050_000, -4e6, 12, float("nan"))] == \
        ["£776k", "£1.05m", "-£4m", "£12", "–"]


def test_csv_labels_cannot_become_formulas(built):
    """Team and policy names come from input files; in CSV they open as text, not formulas."""
    import csv

    folder = built[0]
    summary = pd.read_csv(folder / "summary.csv")
    assert "'=SUM(1,2)+b" in set(summary["policy"])
    for name in ("summary.csv", "eia.csv", "target.csv", "spend.csv"):
        with open(folder / name, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for value in row:
                    if value.startswith(("=", "+", "@")) or (value.startswith("-") and not
                                                             _is_number(value)):
                        raise AssertionError(f"{name}: {value!r} would run as a formula")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
