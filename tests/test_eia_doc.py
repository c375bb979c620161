"""eia.docx read back as an equalities officer would: laid out as a council EIA, every
protected characteristic covered, the rating rule stated and applied, mitigations shown."""
from __future__ import annotations

import io

import built_report
import pandas as pd
import pytest
from docx import Document
from PIL import Image
from results_fixture import constructed

from sim.errors import InputError
from sim.outputs.eia import rating as eia_rating
from sim.outputs.eia.doc import build
from sim.outputs.eia.rating import load_rule, rate
from sim.outputs.plots import GROUPS_KEY
from sim.outputs.write import result_tables


@pytest.fixture(scope="module")
def doc():
    return Document(str(built_report.built()[0] / "eia.docx"))


def _text(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


def _headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]


TEMPLATE = ("1. Purpose of the policy and who it affects", "2. Data sources and gaps",
            "3. The public sector equality duty", "4. Evidence by protected characteristic",
            "How impact is rated", "4.1 Age, by age band",
            "4.2 Disability, by client group (the primary support reason)", "4.3 Sex, by sex",
            "4.4 Race, by ethnicity", "4.5 Protected characteristics the model does not assess",
            "5. Figures", "6. Carers and socio-economic impact", "7. Overall outcome (officers)",
            "8. Consultation and engagement (officers)",
            "9. Action plan and monitoring (officers)", "10. Sign-off")


def test_laid_out_as_a_council_equality_impact_assessment(doc):
    heads = [h for h in _headings(doc) if not h.startswith("Mitigation")]
    assert heads[0] == "Equality Impact Assessment: evidence from the personal budgets model"
    assert tuple(heads[1:]) == TEMPLATE
    assert doc.core_properties.title == "Equality Impact Assessment evidence: a+phased"
    text = _text(doc)
    for aim in ("Eliminate discrimination", "Advance equality of opportunity",
                "Foster good relations"):
        assert aim in text
    for outcome in ("Proceed", "Adjust", "Continue despite adverse impact", "Stop"):
        assert any(r.cells[0].text == outcome for t in doc.tables for r in t.rows)
    signed = next(t for t in doc.tables if t.rows[0].cells[1].text == "Name and role")
    assert [r.cells[0].text for r in signed.rows[1:]] == ["Lead officer", "Equalities officer",
                                                          "Director"]
    assert "Version: draft" in text


def test_a4_pages_with_margins_header_and_numbered_footer(doc):
    for s in doc.sections:
        assert round(s.page_width.mm) == 210 and round(s.page_height.mm) == 297
        assert min(s.left_margin.mm, s.right_margin.mm, s.top_margin.mm,
                   s.bottom_margin.mm) >= 15
        assert s.header.paragraphs[0].text.startswith("Equality Impact Assessment: 2. a+phased")
        footer = s.footer.paragraphs[0]._p.xml
        assert "PAGE" in footer and "NUMPAGES" in footer and 'fldCharType="begin"' in footer
    text_width = s.page_width - s.left_margin - s.right_margin
    assert doc.inline_shapes and all(p.width <= text_width for p in doc.inline_shapes)
    assert any(p.width == text_width for p in doc.inline_shapes)


def test_no_figure_shows_a_group_the_tables_suppress(doc):
    """The tables suppress a group of fewer than 10 people per simulated future; the figures'
    groups (written into each PNG) must leave out every one of them -- pooling the
    reservoir's people over futures would show several age bands here."""
    folder = built_report.built()[0]
    hidden = set()
    for name in ("eia.csv", "winners_losers.csv"):
        t = pd.read_csv(folder / name)
        t = t[(t["policy"] == "a+phased") & t["suppressed"]]
        hidden |= {f"{c}: {g}" for c, g in zip(t["characteristic"], t["group"])}
    assert "age_band: 18-24" in hidden
    shown = []
    for rel in doc.part.rels.values():
        if "image" in rel.reltype:
            groups = Image.open(io.BytesIO(rel.target_part.blob)).text[GROUPS_KEY]
            shown.append(set(groups.splitlines()))
    assert len(shown) == 2 and all(shown)
    assert all(not (s & hidden) for s in shown), [s & hidden for s in shown]


def test_each_mitigation_is_written_once(doc):
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    mitigations = [b for b in bullets if "comparator" in b or "lowers the relative risk" in b]
    assert mitigations and len(mitigations) == len(set(mitigations))
    plan = next(t for t in doc.tables if t.rows[0].cells[0].text == "Action")
    assert [r.cells[0].text.split(": ", 1)[1] for r in plan.rows[1:] if r.cells[0].text] \
        == mitigations


def test_the_assessed_option_its_comparators_and_the_synthetic_caveat(doc):
    text = _text(doc)
    assert "Assessed: 2. a+phased, the option the study files recommend: One price per point; " \
           "scenario 4: over two reviews." in text
    assert "Read first: Synthetic population" in text and "Made up for the <b>tests</b>." in text
    savings = doc.tables[0]
    assert [c.text for c in savings.rows[0].cells] == ["Option", "Mean savings",
                                                       "90% of futures", "Chance of meeting target"]
    assert [r.cells[0].text for r in savings.rows[1:]] == ["2. a+phased", "1. a+immediate"]


def test_the_rule_and_its_thresholds_are_stated_from_the_data_file(doc):
    rule = load_rule()
    text = _text(doc)
    assert f"Adverse: the whole interval is above {rule.adverse_rr:g}" in text
    assert rule.source in text


def test_disability_is_rated_adverse_with_the_evidence(doc):
    # learning disability: 30 of 60 lose more than 10%, everyone else 4 of 40: RR 5, every
    # replicate alike, so the whole interval (5-5) is above the threshold
    text = _text(doc)
    assert "Learning difficulties: 50% lose more than 10% of their own budget in cash (30 " \
           "people and £3k a year lost per future), 5.00 times as likely as everyone else (95% " \
           "interval 5.00–5.00), rated adverse." in text
    evidence = next(t for t in doc.tables if t.rows[0].cells[0].text == "Group"
                    and "Learning difficulties" in [r.cells[0].text for r in t.rows])
    ld = next(r for r in evidence.rows if r.cells[0].text == "Learning difficulties")
    assert [c.text for c in ld.cells][1:] == ["60", "-£100", "-10%", "50% (50%–50%)", "25%",
                                              "0%", "5.00 (5.00–5.00)", "adverse"]


def test_mitigation_names_what_the_comparator_does(doc):
    text = _text(doc)
    # a+immediate makes learning disability's risk worse (15 more losers in one replicate);
    # groups no comparator helps share one line (each mitigation once)
    assert ("Older people, Learning difficulties: no comparator transition lowers these groups' "
            "risk without more people losing" in text)
    comparators = [t for t in doc.tables
                   if [c.text for c in t.rows[0].cells] == ["Group", "a+phased", "a+immediate"]]
    assert len(comparators) == 4


def test_characteristics_the_model_cannot_see_are_listed_with_why(doc):
    text = _text(doc)
    for c in ("Gender reassignment", "Marriage and civil partnership", "Pregnancy and maternity",
              "Religion or belief", "Sexual orientation"):
        assert f"{c}: not assessed by the model (not recorded in the population data)." in text


def test_figures_have_alt_text_and_captions(doc):
    pictures = doc.inline_shapes
    assert len(pictures) == 2
    alts = [p._inline.docPr.get("descr") for p in pictures]
    assert all(alt and "a+phased" in alt for alt in alts)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Winners and losers by group") for c in captions)


def test_the_rating_rule():
    rule = load_rule()
    assert rate(2.0, 1.5, 2.5, rule) == "adverse"
    assert rate(1.5, 1.1, 2.0, rule) == "possible adverse"
    assert rate(1.1, 0.9, 1.3, rule) == "neutral"
    assert rate(0.5, 0.3, 0.7, rule) == "positive"
    assert rate(2.0, 1.5, 2.5, rule, suppressed=True) == "not rated"


def test_a_changed_threshold_changes_the_rating(tmp_path, monkeypatch):
    strict = tmp_path / "rule.toml"
    strict.write_text('adverse_rr = 6.0\npositive_rr = 0.5\nmin_people_losing = 5.0\n'
                      'adverse_share = 0.9\nsource = "a test"\n', encoding="utf-8")
    monkeypatch.setattr(eia_rating, "RULE_FILE", strict)
    res = constructed()
    doc = build(res, result_tables(res), {})
    assert "Impact rating for a+phased: neutral." in _text(doc)
    bad = tmp_path / "bad.toml"
    bad.write_text('adverse_rr = 0.9\npositive_rr = 0.5\nmin_people_losing = 5.0\n'
                   'adverse_share = 0.9\nsource = "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="positive_rr < 1 < adverse_rr"):
        load_rule(bad)
