"""eia.docx laid out as a council Equality Impact Assessment for committee: A4 pages with
margins, a header naming the assessment and a footer numbering the pages, and the template's
sections the model cannot fill (the public sector equality duty, carers and socio-economic
impact, outcome, consultation, action plan and monitoring, sign-off) set out for officers,
each with what the model can say.

The section headings are the usual ones of a council EIA template (purpose and who it
affects; data and gaps; the three aims of the duty in the Equality Act 2010, section 149;
each protected characteristic; outcome; consultation; action plan; sign-off)."""
from __future__ import annotations

import pandas as pd
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from sim import __version__
from sim.outputs.formats import fmt, percent

A4_MM = (210, 297)
MARGIN_MM = 20
# The three aims of the public sector equality duty (Equality Act 2010, s.149(1)).
DUTY_AIMS = (
    "Eliminate discrimination, harassment, victimisation and any other conduct prohibited "
    "by the Act",
    "Advance equality of opportunity between people who share a protected characteristic "
    "and people who do not",
    "Foster good relations between people who share a protected characteristic and people "
    "who do not")
OUTCOMES = (
    ("Proceed", "no major change: the evidence shows no potential for discrimination and "
     "every opportunity to advance equality has been taken"),
    ("Adjust", "change the proposal (for example a different transition or protection) to "
     "remove barriers or better advance equality"),
    ("Continue despite adverse impact", "justify the proposal against the adverse impact "
     "found, setting out the mitigation"),
    ("Stop", "the proposal shows actual or potential unlawful discrimination"))


def page_setup(doc: DocxDocument, header: str) -> None:
    """A4 portrait, MARGIN_MM margins, `header` at the top of every page and 'Page N of M'
    at the foot."""
    for section in doc.sections:
        section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
        section.left_margin = section.right_margin = Mm(MARGIN_MM)
        section.top_margin = section.bottom_margin = Mm(MARGIN_MM)
        section.header_distance = section.footer_distance = Mm(10)
        head = section.header.paragraphs[0]
        head.text = header
        head.runs[0].font.size = Pt(9)
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for piece in ("Page ", "PAGE", " of ", "NUMPAGES"):
            if piece.isupper():
                _field(foot, piece)
            else:
                foot.add_run(piece).font.size = Pt(9)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    run = paragraph.add_run()
    run.font.size = Pt(9)
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def text_width(doc: DocxDocument):
    """The width between the margins (figures are sized to it)."""
    s = doc.sections[0]
    return s.page_width - s.left_margin - s.right_margin


def who_it_affects(doc: DocxDocument, eia: pd.DataFrame, chosen: str) -> None:
    """Who the proposal affects: everyone on a personal budget, by client group."""
    mine = eia[(eia["policy"] == chosen)]
    everyone = mine[mine["characteristic"] == "all"]
    people = fmt(everyone["count"].iloc[0], "count") if len(everyone) else "–"
    groups = mine[(mine["characteristic"] == "client_group") & ~mine["suppressed"]]
    split = "; ".join(f"{r.group_label} {fmt(r.count, 'count')}" for r in groups.itertuples())
    doc.add_paragraph(
        f"Who it affects: every adult with a personal budget from the council's social care "
        f"services, current users at go-live and people arriving after: about {people} people "
        f"a year after go-live in the simulated futures ({split}). Their carers and families "
        "are affected through the support the budget buys (section 6).")


def data_sources(doc: DocxDocument, caveat: str | None, limit: float) -> None:
    doc.add_heading("2. Data sources and gaps", level=1)
    for text in (
            "Population: " + (caveat or "the council's records of people on a personal "
                              "budget (an anonymised extract).")
            + " Age, sex, ethnicity, client group (the primary support reason), team, FACS "
            "(Fair Access to Care Services) band, RAS (Resource Allocation System) points, "
            "budget and budget type are recorded for each person.",
            "Model assumptions: every rate not taken from the scrutiny panel's March and "
            "September 2012 reports is a documented assumption with its source (report.html, "
            "appendix; results.xlsx, assumptions sheet).",
            f"Small groups: a group of fewer than {limit:g} people (per simulated future) is "
            "suppressed in every table and figure, so that no person can be identified.",
            "Gaps: the records hold nothing on gender reassignment, marriage and civil "
            "partnership, pregnancy and maternity, religion or belief, sexual orientation, "
            "carers or household income (sections 4.5 and 6); engagement and casework "
            "evidence must cover them."):
        doc.add_paragraph(text, style="List Bullet")


def duty(doc: DocxDocument, worst_rating: str, disparity: str) -> None:
    """The three aims of the duty, each with what the model's evidence says about it."""
    doc.add_heading("3. The public sector equality duty", level=1)
    doc.add_paragraph("The council must have due regard to the need to:")
    said = (f"The model's ratings (section 4) find the worst impact on any group to be: "
            f"{worst_rating}. {disparity}",
            "Groups rated adverse or possible adverse lose out more often than everyone else; "
            "the mitigations in section 4 are the ways the model shows to narrow that gap.",
            "The model cannot show relations between groups: officers complete this from "
            "engagement (section 8).")
    for n, (aim, evidence) in enumerate(zip(DUTY_AIMS, said), start=1):
        p = doc.add_paragraph(style="List Number")
        p.add_run(f"{aim}. ").bold = True
        p.add_run(evidence)


def carers_and_income(doc: DocxDocument, eia: pd.DataFrame, chosen: str) -> None:
    """Carers (not in the records) and socio-economic impact, by status-quo budget decile
    (the model's nearest measure of need and means)."""
    doc.add_heading("6. Carers and socio-economic impact", level=1)
    doc.add_paragraph(
        "Carers: the records do not say who has an unpaid carer, so the model cannot show "
        "the effect on carers. A smaller budget usually means more unpaid care; officers "
        "should assess this from carers' assessments and engagement.")
    deciles = eia[(eia["policy"] == chosen) & (eia["characteristic"] == "budget_decile")]
    if deciles.empty:
        return
    doc.add_paragraph(
        "Socio-economic impact: the share of people losing more than 10% of their budget, by "
        "tenth of the status quo budget at go-live (decile 1: the smallest budgets). Household "
        "income is not recorded; the charging section of report.html shows contributions.")
    rows = [[r.group_label, "suppressed" if r.suppressed else fmt(r.count, "count"),
             "" if r.suppressed else percent(r.share_lose10)] for r in deciles.itertuples()]
    table(doc, f"Budget losses by budget decile under {chosen}",
          ["Status-quo budget decile", "People", "Losing more than 10%"], rows)


def for_officers(doc: DocxDocument, worst_rating: str, mitigated: list[str]) -> None:
    """Outcome, consultation, action plan and monitoring, sign-off: for officers to
    complete, with the model's evidence beside each."""
    doc.add_heading("7. Overall outcome (officers)", level=1)
    doc.add_paragraph(f"The model's worst rating for any group is '{worst_rating}'. Choose one "
                      "outcome and give the reasons:")
    table(doc, "Outcome of the assessment", ["Outcome", "When", "Chosen (tick) and why"],
          [[name, when, ""] for name, when in OUTCOMES])
    doc.add_heading("8. Consultation and engagement (officers)", level=1)
    doc.add_paragraph("Who was consulted (people on personal budgets, carers, advocacy and "
                      "provider organisations, staff), when, how, what they said and what "
                      "changed as a result.")
    table(doc, "Consultation", ["Who", "When and how", "What they said", "What changed"],
          [["", "", "", ""]] * 3)
    doc.add_heading("9. Action plan and monitoring (officers)", level=1)
    doc.add_paragraph("Each mitigation of section 4 once, with an owner and a date; and how "
                      "the impact will be monitored once the option is live (for example, "
                      "budget changes at review by group, rerunning this model on the "
                      "council's own records each quarter).")
    table(doc, "Action plan", ["Action", "Owner", "By when", "How it is monitored"],
          [[m, "", "", ""] for m in mitigated] + [["", "", "", ""]] * 2)
    doc.add_heading("10. Sign-off", level=1)
    table(doc, "Sign-off", ["", "Name and role", "Date"],
          [["Lead officer", "", ""], ["Equalities officer", "", ""],
           ["Director", "", ""]])
    doc.add_paragraph(f"Version: draft 0.1, model evidence from ras-sim {__version__}. "
                      "Review date: ______")


def table(doc: DocxDocument, caption: str, header: list[str], rows: list[list[str]]) -> None:
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


TABLE_PT = 9.5
