"""eia.docx: the model's evidence laid out as a council Equality Impact Assessment.

For the recommended option (else the first option) and its comparators (the same
calibration under the other transitions): the proposal and its savings, the rating rule,
then for each protected characteristic the model sees (age, disability, sex, race) the
evidence table, the comparators, the rating and the mitigations the model can show; the
characteristics it cannot see, and why; the figures; and the sections officers complete.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt

from sim.atomic import atomic_path
from sim.inputs.categories import PROTECTED, TITLES
from sim.outputs import describe
from sim.outputs.eia_rating import (
    ADVERSE,
    POSSIBLE,
    SYNTHETIC,
    load_rule,
    mitigation,
    rated,
    worst,
)
from sim.outputs.formats import pounds
from sim.outputs.markup import fmt, missing, percent
from sim.outputs.roles import featured_policy, ras_policies
from sim.outputs.settings import settings
from sim.study.results import StudyResults

NOT_MODELLED = ("gender reassignment", "marriage and civil partnership", "pregnancy and maternity",
                "religion or belief", "sexual orientation")
# How the population file records each protected characteristic the model sees.
MEASURED_BY = {"age_band": "by age band", "client_group": "by client group (the primary "
               "support reason)", "sex": "by sex", "ethnicity": "by ethnicity"}
FIGURE_WIDTH_IN = 6.3
TABLE_PT = 9.5


def write_eia_doc(res: StudyResults, tables: dict[str, pd.DataFrame], figures: list[Path],
                  path: Path) -> Path:
    """Build the document and write it atomically; returns its path."""
    doc = build(res, tables, {p.name: p for p in figures})
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


def build(res: StudyResults, tables: dict[str, pd.DataFrame],
          figures: dict[str, Path]) -> DocxDocument:
    s, rule = settings(res), load_rule()
    chosen = featured_policy(res)
    name = res.policies[chosen]["name"]
    comparators = [res.policies[i]["name"] for i in ras_policies(res) if i != chosen and
                   res.policies[i]["calibration"] == res.policies[chosen]["calibration"]]
    year = tables["target"][tables["target"]["financial_year"] == s.first_full_year]
    savings = year.set_index("policy")["savings_mean"]
    bands = rated(tables["winners_losers"], rule, describe.synthetic_attributes(res)).merge(
        tables["eia"][["policy", "characteristic", "group", "mean_change_gbp",
                       "pct_change_of_mean"]],
        on=["policy", "characteristic", "group"], how="left")
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = f"Equality Impact Assessment evidence: {name}"
    _opening(doc, res, s.name, chosen)
    _proposal(doc, res, chosen, [name, *comparators], year)
    doc.add_heading("2. How impact is rated", level=1)
    doc.add_paragraph(rule.text())
    doc.add_heading("3. Evidence by protected characteristic", level=1)
    for n, char in enumerate(PROTECTED, start=1):
        _characteristic(doc, f"3.{n}", char, bands, name, comparators, savings)
    _not_assessed(doc)
    _figures(doc, res, figures, name)
    _for_officers(doc)
    return doc


def _opening(doc: DocxDocument, res: StudyResults, study: str, chosen: int) -> None:
    doc.add_heading("Equality Impact Assessment: evidence from the personal budgets model", 0)
    finished = ((res.meta or {}).get("manifest") or {}).get("finished") or "not recorded"
    doc.add_paragraph(f"Study '{study}'; {res.n_replicates} simulated futures; results of "
                      f"{finished}. Option assessed: {describe.label(res, chosen)}.")
    caveat = describe.population_caveat(res)
    if caveat:
        para = doc.add_paragraph()
        para.add_run("Read first: ").bold = True
        para.add_run(caveat)
    doc.add_paragraph(
        "This document holds the evidence the model can give. Officers complete the "
        "engagement, decision and monitoring sections (section 6) before it is signed off. "
        f"{describe.SIGN_CONVENTION}")


def _proposal(doc: DocxDocument, res: StudyResults, chosen: int, names: list[str],
              year: pd.DataFrame) -> None:
    s = settings(res)
    doc.add_heading("1. The proposal and its comparators", level=1)
    role = "the option the study files recommend" if res.policies[chosen].get("recommended") \
        else "the first option of the study (none is marked recommended)"
    doc.add_paragraph(f"Assessed: {describe.label(res, chosen)}, {role}: "
                      f"{describe.description(res, chosen)}. Comparators: the same calibration "
                      "under the other transitions, so that the difference is the transition "
                      "alone. Savings are against the status quo (current practice continued) "
                      "on the same simulated future; budget changes are each existing user's "
                      "own budget against their budget just before go-live, in cash, the change "
                      "people feel (eia.csv adds real terms and the change against the status "
                      "quo; new users, with no budget before go-live, are in new_users.csv).")
    doc.add_paragraph(describe.target_sentence(s, res))
    by_name = year.set_index("policy")
    all_names = [p["name"] for p in res.policies]
    rows = [[describe.label(res, all_names.index(n)), pounds(by_name.loc[n, "savings_mean"]),
             f"{pounds(by_name.loc[n, 'savings_p5'])} to {pounds(by_name.loc[n, 'savings_p95'])}",
             percent(by_name.loc[n, "prob_meet_target"])] for n in names if n in by_name.index]
    _table(doc, f"Savings in {s.first_full_year}",
           ["Option", "Mean savings", "90% of futures", "Chance of meeting target"], rows)


def _characteristic(doc: DocxDocument, number: str, char: str, bands: pd.DataFrame,
                    chosen: str, comparators: list[str], savings: pd.Series) -> None:
    rows = bands[bands["characteristic"] == char]
    everyone = bands[bands["characteristic"] == "all"]
    mine = rows[rows["policy"] == chosen]
    doc.add_heading(f"{number} {PROTECTED[char].capitalize()}, {MEASURED_BY.get(char, char)}",
                    level=2)
    rating = worst(mine["rating"])
    para = doc.add_paragraph()
    para.add_run(f"Impact rating for {chosen}: {rating}.").bold = True
    if rating == SYNTHETIC:
        para.add_run(" The population file made this attribute up with no link to people's "
                     "needs or budgets, so a difference between its groups is chance, not "
                     "evidence of an impact; assess it from real records.")
    flagged = mine[mine["rating"].isin([ADVERSE, POSSIBLE])]
    for r in flagged.itertuples():
        para.add_run(f" {r.group_label}: {percent(r.share_lose_over10)} lose more than 10% of "
                     f"their own budget in cash ({r.people_lose10:.0f} people and "
                     f"{pounds(r.lost_gbp)} a year lost per future), {r.rr_lose10:.2f} times as "
                     f"likely as everyone else (95% interval {r.rr_lose10_lo:.2f}–"
                     f"{r.rr_lose10_hi:.2f}), rated {r.rating}.")
    _table(doc, f"Evidence for {chosen}: budget change one year after go-live by "
           f"{TITLES[char].lower()}",
           ["Group", "People", "Change in mean own budget, £ a year (cash, since just before "
            "go-live)", "Change in mean own budget, % (cash)", "Lose >10% (95%)",
            "Within 5%", "Gain >10%", "RR losing >10% (95%)", "Rating"],
           [_evidence_row(r) for r in mine.itertuples()])
    options = [chosen, *comparators]
    grid = rows.set_index(["group", "policy"])
    _table(doc, "Relative risk of losing more than 10% (95% interval) under each comparator",
           ["Group", *options],
           [[g.group_label, *(_rr(grid, g.group, o) for o in options)] for g in mine.itertuples()])
    doc.add_paragraph("Mitigation the model can show:", style="Heading 3")
    for r in flagged.itertuples():
        found = mitigation(rows, r.group, chosen, comparators, savings, everyone)
        doc.add_paragraph(f"{r.group_label}: " + (found or "no comparator transition lowers this "
                          "group's risk without more people losing; a different calibration, or "
                          "protection outside the RAS, would be needed."), style="List Bullet")
    if flagged.empty:
        doc.add_paragraph("None needed by the rule: no group is rated adverse or possible "
                          "adverse.", style="List Bullet")


def _evidence_row(r) -> list[str]:
    if r.suppressed:
        return [r.group_label, "fewer than the threshold: suppressed", "", "", "", "", "", "",
                r.rating]
    return [r.group_label, fmt(r.count, "count"), pounds(r.mean_change_gbp),
            fmt(r.pct_change_of_mean, "pct"),
            (f"{percent(r.share_lose_over10)} ({_pct(r.share_lose_over10_lo)}–"
             f"{_pct(r.share_lose_over10_hi)})"), percent(r.share_within5),
            percent(r.share_gain_over10), _ratio(r.rr_lose10, r.rr_lose10_lo, r.rr_lose10_hi),
            r.rating]


def _pct(x: float) -> str:
    return "–" if missing(x) else percent(x)


def _ratio(rr: float, lo: float, hi: float) -> str:
    if missing(rr) or not np.isfinite(rr):
        return "–"
    return f"{rr:.2f}" + ("" if missing(lo) else f" ({lo:.2f}–{hi:.2f})")


def _rr(grid: pd.DataFrame, group: str, policy: str) -> str:
    if (group, policy) not in grid.index:
        return "–"
    r = grid.loc[(group, policy)]
    return "suppressed" if r["suppressed"] else _ratio(r["rr_lose10"], r["rr_lose10_lo"],
                                                       r["rr_lose10_hi"])


def _not_assessed(doc: DocxDocument) -> None:
    doc.add_heading("4. Protected characteristics the model does not assess", level=1)
    doc.add_paragraph(
        "The population file records age, sex, ethnicity and client group (the primary support "
        "reason, read here for disability) and nothing else about protected characteristics, "
        "and the seed reports publish no figures by any other. The model can therefore show "
        "no effect, adverse or not, on the characteristics below; assess them from engagement "
        "and casework evidence.")
    for c in NOT_MODELLED:
        doc.add_paragraph(f"{c.capitalize()}: not assessed by the model (not recorded in the "
                          "population data).", style="List Bullet")


def _figures(doc: DocxDocument, res: StudyResults, figures: dict[str, Path], chosen: str) -> None:
    doc.add_heading("5. Figures", level=1)
    for name, alt, caption in (
            ("winners_losers.png", (f"Stacked bars: each protected-characteristic group under "
                                    f"{chosen} split into five bands of budget change"),
             ("Winners and losers by group: shares losing more than 10%, 5-10%, within 5%, "
              "gaining 5-10% and more than 10%.")),
            ("change_by_group.png", f"Box plots of the % budget change by group under {chosen}",
             "Budget change by group: middle half of people (box) and 90% (whiskers).")):
        if name in figures:
            shape = doc.add_picture(str(figures[name]), width=Inches(FIGURE_WIDTH_IN))
            shape._inline.docPr.set("descr", alt)
            doc.add_paragraph(caption, style="Caption")
    doc.add_paragraph("Every group and every option: eia.csv, winners_losers.csv and "
                      "results.xlsx in the same results folder; report.html explains the method.")


def _for_officers(doc: DocxDocument) -> None:
    doc.add_heading("6. To be completed by officers", level=1)
    for heading in ("Engagement and consultation evidence", "Decision and justification",
                    "Actions, monitoring and review date", "Sign-off (name, role, date)"):
        doc.add_paragraph(heading, style="Heading 3")
        doc.add_table(rows=2, cols=1).style = "Table Grid"


def _table(doc: DocxDocument, caption: str, header: list[str], rows: list[list[str]]) -> None:
    """A captioned table, header row bold and repeated on every page."""
    doc.add_paragraph(caption, style="Caption")
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold, run.font.size = True, Pt(TABLE_PT)
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    t.rows[0]._tr.get_or_add_trPr().append(flag)
    for row in rows:
        for cell, text in zip(t.add_row().cells, row):
            cell.paragraphs[0].add_run(str(text)).font.size = Pt(TABLE_PT)
