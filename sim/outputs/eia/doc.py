"""eia.docx: the model's evidence laid out as a council Equality Impact Assessment.

For the recommended option (else the first option) and its comparators (the same
calibration under the other transitions): the purpose and who it affects, with the savings;
data sources and gaps; the three aims of the equality duty; the rating rule, then for each
protected characteristic the model sees (age, disability, sex, race) the evidence table, the
comparators, the rating and the mitigations the model can show (each once); the
characteristics it cannot see, and why; the figures; carers and socio-economic impact; and
the sections officers complete (sim.outputs.eia.template: A4 layout and the template's sections).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Pt

from sim.atomic import atomic_path
from sim.inputs.categories import PROTECTED, TITLES
from sim.outputs import describe
from sim.outputs.eia.rating import (
    ADVERSE,
    POSSIBLE,
    SYNTHETIC,
    mitigation,
    rated,
    rule_of,
    worst,
)
from sim.outputs.eia.template import (
    carers_and_income,
    data_sources,
    duty,
    for_officers,
    page_setup,
    text_width,
    who_it_affects,
)
from sim.outputs.eia.template import table as _table
from sim.outputs.formats import fmt, missing, percent, pounds
from sim.outputs.roles import featured_policy, ras_policies
from sim.outputs.settings import settings
from sim.study.results import StudyResults

NOT_MODELLED = ("gender reassignment", "marriage and civil partnership", "pregnancy and maternity",
                "religion or belief", "sexual orientation")
# How the population file records each protected characteristic the model sees.
MEASURED_BY = {"age_band": "by age band", "client_group": "by client group (the primary "
               "support reason)", "sex": "by sex", "ethnicity": "by ethnicity"}


def write_eia_doc(results: StudyResults, tables: dict[str, pd.DataFrame], figures: list[Path],
                  path: Path) -> Path:
    """Build the document and write it atomically; returns its path."""
    doc = build(results, tables, {p.name: p for p in figures})
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


def build(results: StudyResults, tables: dict[str, pd.DataFrame],
          figures: dict[str, Path]) -> DocxDocument:
    s, rule = settings(results), rule_of(results)
    chosen = featured_policy(results)
    name = results.policies[chosen]["name"]
    comparators = [results.policies[i]["name"] for i in ras_policies(results) if i != chosen and
                   results.policies[i]["calibration"] == results.policies[chosen]["calibration"]]
    year = tables["target"][tables["target"]["financial_year"] == s.first_full_year]
    savings = year.set_index("policy")["savings_mean"]
    bands = rated(tables["winners_losers"], rule, describe.synthetic_attributes(results)).merge(
        tables["eia"][["policy", "characteristic", "group", "mean_change_gbp",
                       "pct_change_of_mean"]],
        on=["policy", "characteristic", "group"], how="left")
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = f"Equality Impact Assessment evidence: {name}"
    page_setup(doc, f"Equality Impact Assessment: {describe.label(results, chosen)} (draft "
                    "evidence for committee)")
    _opening(doc, results, s.name, chosen)
    _proposal(doc, results, chosen, [name, *comparators], year)
    who_it_affects(doc, tables["eia"], name)
    data_sources(doc, describe.population_caveat(results), s.suppress_below)
    overall = worst(bands[(bands["policy"] == name) & bands["characteristic"].isin(PROTECTED)]
                    ["rating"])
    duty(doc, overall, _disparity(tables["disparity"], name))
    doc.add_heading("4. Evidence by protected characteristic", level=1)
    doc.add_heading("How impact is rated", level=2)
    doc.add_paragraph(rule.text())
    mitigations = []
    for n, char in enumerate(PROTECTED, start=1):
        mitigations += _characteristic(doc, f"4.{n}", char, bands, name, comparators, savings)
    _not_assessed(doc, f"4.{len(PROTECTED) + 1}")
    _figures(doc, results, figures, name)
    carers_and_income(doc, tables["eia"], name)
    for_officers(doc, overall, mitigations)
    return doc


def _disparity(disparity: pd.DataFrame, chosen: str) -> str:
    """The younger/older allocation per point, before and under the option: direct evidence
    on age discrimination in services."""
    d = disparity[(disparity["policy"] == chosen) & (disparity["snapshot"] == "first_year")]
    if d.empty or missing(d["ratio_after"].iloc[0]):
        return ""
    r = d.iloc[0]
    return (f"At equal need, adults under 65 get {r['ratio_before']:.2f} times as much per RAS "
            f"point as older adults under the status quo and {r['ratio_after']:.2f} times under "
            f"{chosen}; a ratio away from 1 needs objective justification (age discrimination "
            "in services has been unlawful since 1 October 2012).")


def _opening(doc: DocxDocument, results: StudyResults, study: str, chosen: int) -> None:
    doc.add_heading("Equality Impact Assessment: evidence from the personal budgets model", 0)
    finished = ((results.meta or {}).get("manifest") or {}).get("finished") or "not recorded"
    doc.add_paragraph(f"Study '{study}'; {results.n_replicates} simulated futures; results of "
                      f"{finished}. Option assessed: {describe.label(results, chosen)}.")
    caveat = describe.population_caveat(results)
    if caveat:
        para = doc.add_paragraph()
        para.add_run("Read first: ").bold = True
        para.add_run(caveat)
    doc.add_paragraph(
        "This document holds the evidence the model can give, in the sections of the "
        "council's Equality Impact Assessment. Officers complete the outcome, consultation, "
        "action plan and sign-off (sections 7 to 10) before it goes to committee. "
        f"{describe.SIGN_CONVENTION}")


def _proposal(doc: DocxDocument, results: StudyResults, chosen: int, names: list[str],
              year: pd.DataFrame) -> None:
    s = settings(results)
    doc.add_heading("1. Purpose of the policy and who it affects", level=1)
    role = "the option the study files recommend" if results.policies[chosen].get("recommended") \
        else "the first option of the study (none is marked recommended)"
    doc.add_paragraph("Purpose: to set each adult's personal budget by a Resource Allocation "
                      "System (RAS: assessed need scored in points, priced by a calibration) "
                      "and to move current users to it at their reviews, so that the council "
                      "meets its savings target while treating people with equal needs "
                      "equally.")
    doc.add_paragraph(f"Assessed: {describe.label(results, chosen)}, {role}: "
                      f"{describe.description(results, chosen)}. Comparators: the same calibration "
                      "under the other transitions, so that the difference is the transition "
                      "alone. Savings are against the status quo (current practice continued) "
                      "on the same simulated future; budget changes are each existing user's "
                      "own budget against their budget just before go-live, in cash, the change "
                      "people feel (eia.csv adds real terms and the change against the status "
                      "quo; new users, with no budget before go-live, are in new_users.csv).")
    doc.add_paragraph(describe.target_sentence(s, results))
    by_name = year.set_index("policy")
    all_names = [p["name"] for p in results.policies]
    rows = [[describe.label(results, all_names.index(n)), pounds(by_name.loc[n, "savings_mean"]),
             f"{pounds(by_name.loc[n, 'savings_p5'])} to {pounds(by_name.loc[n, 'savings_p95'])}",
             percent(by_name.loc[n, "prob_meet_target"])] for n in names if n in by_name.index]
    _table(doc, f"Savings in {s.first_full_year}",
           ["Option", "Mean savings", "90% of futures", "Chance of meeting target"], rows)


def _characteristic(doc: DocxDocument, number: str, char: str, bands: pd.DataFrame,
                    chosen: str, comparators: list[str], savings: pd.Series) -> list[str]:
    """The characteristic's evidence, rating and mitigations; returns the mitigations (each
    once: groups no comparator helps share one line)."""
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
    found = {r.group_label: mitigation(rows, r.group, chosen, comparators, savings, everyone)
             for r in flagged.itertuples()}
    lines = [f"{g}: {m}" for g, m in found.items() if m]
    unhelped = [g for g, m in found.items() if not m]
    if unhelped:
        whose = "this group's" if len(unhelped) == 1 else "these groups'"
        lines.append(f"{', '.join(unhelped)}: no comparator transition lowers {whose} risk "
                     "without more people losing; a different calibration, or protection "
                     "outside the RAS, would be needed.")
    for line in lines:
        doc.add_paragraph(line, style="List Bullet")
    if flagged.empty:
        doc.add_paragraph("None needed by the rule: no group is rated adverse or possible "
                          "adverse.", style="List Bullet")
    return [f"{PROTECTED[char].capitalize()}: {line}" for line in lines]


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


def _not_assessed(doc: DocxDocument, number: str) -> None:
    doc.add_heading(f"{number} Protected characteristics the model does not assess", level=2)
    doc.add_paragraph(
        "The population file records age, sex, ethnicity and client group (the primary support "
        "reason, read here for disability) and nothing else about protected characteristics, "
        "and the seed reports publish no figures by any other. The model can therefore show "
        "no effect, adverse or not, on the characteristics below; assess them from engagement "
        "and casework evidence.")
    for c in NOT_MODELLED:
        doc.add_paragraph(f"{c.capitalize()}: not assessed by the model (not recorded in the "
                          "population data).", style="List Bullet")


def _figures(doc: DocxDocument, results: StudyResults, figures: dict[str, Path],
             chosen: str) -> None:
    doc.add_heading("5. Figures", level=1)
    width = text_width(doc)
    for name, alt, caption in (
            ("winners_losers.png", (f"Stacked bars: each protected-characteristic group under "
                                    f"{chosen} split into five bands of budget change"),
             ("Winners and losers by group: shares losing more than 10%, 5-10%, within 5%, "
              "gaining 5-10% and more than 10%.")),
            ("change_by_group.png", f"Box plots of the % budget change by group under {chosen}",
             "Budget change by group: middle half of people (box) and 90% (whiskers).")):
        if name in figures:
            shape = doc.add_picture(str(figures[name]), width=width)
            shape._inline.docPr.set("descr", alt)
            doc.add_paragraph(caption, style="Caption")
    doc.add_paragraph("Every group and every option: eia.csv, winners_losers.csv and "
                      "results.xlsx in the same results folder; report.html explains the method.")
