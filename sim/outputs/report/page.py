"""report.html, section by section: the headline, a contents list (with links to every other
output in the folder), the options, the summary, finance, equalities (every option, chosen
with a selector), method, then an appendix of every assumption and its source.

Each section is a function of the results and the tables already computed, so the page
shows exactly the numbers in the CSV files and the workbook.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim.outputs import describe, probabilistic, registry
from sim.outputs.charging import charging_section
from sim.outputs.formats import fmt, missing, percent, pounds
from sim.outputs.headline import headline_text, ranked
from sim.outputs.markup import box, esc, note, spell_out, table
from sim.outputs.report.equalities import equalities
from sim.outputs.report.finance import finance
from sim.outputs.report.transitions import redistribution_section, transitions_section
from sim.outputs.roles import ras_policies, unprotected_transitions
from sim.outputs.settings import Settings, settings
from sim.outputs.style import CSS, SCRIPT
from sim.study.results import StudyResults


def render(results: StudyResults, tables: Mapping[str, pd.DataFrame], figures: list[Path],
           folder: Path | None = None) -> str:
    """The whole page; `tables` as written to the workbook, `figures` as saved, `folder` the
    results folder whose other outputs the contents list links to."""
    s, fig = settings(results), {p.name: p for p in figures}
    rank = ranked(results, tables["summary"], tables["eia"])
    sections = [
        _options(results),
        transitions_section(tables["transitions"]),
        _summary(results, s, rank),
        probabilistic.section(results, tables["target"], s.first_full_year),
        finance(results, s, tables["target"], rank, fig, tables.get("savings_split"),
                tables.get("variants")),
        charging_section(results, s, tables["charging"], tables["eia_net"]),
        redistribution_section(tables["redistribution"]),
        equalities(results, s, tables, fig),
        further_tables(tables),
        _method(tables["run"]),
        _assumptions(tables["assumptions"]),
        _manifest(tables["manifest"]),
    ]
    return spell_out("\n".join([_header(results, s), _headline(results, s, rank),
                                contents(sections, outputs(folder, s.name)), *sections,
                                f"<script>{SCRIPT}</script></body></html>"]), describe.ACRONYMS)


def further_tables(tables: Mapping[str, pd.DataFrame]) -> str:
    """Each registered table the report shows whole (its entry's `report`), headed by its
    line on the workbook's contents sheet; nothing when there is none."""
    shown = [e for e in registry.entries() if e.report and e.name in tables]
    if not shown:
        return ""
    return "\n".join(["<h2 id='further-tables'>Further tables</h2>",
                      *(table(tables[e.name], e.contents or e.name.replace("_", " "),
                              headings=e.headings) for e in shown)])


def contents(sections: list[str], files: list[tuple[str, str]]) -> str:
    """The contents list: a link to every section (from the sections' own headings) and to
    every other output."""
    heads = re.findall(r"<h2[^>]* id='([^']+)'[^>]*>(.*?)</h2>", "\n".join(sections))
    links = "".join(f"<li><a href='#{i}'>{text}</a></li>" for i, text in heads)
    others = "".join(f"<li><a href='{esc(href)}'>{esc(what)}</a></li>" for what, href in files)
    return ("<nav class='toc' aria-label='Contents'><h2 class='flow' id='contents'>Contents</h2>"
            f"<ol>{links}</ol>" + (f"<h2 class='flow'>Other outputs</h2><ul>{others}</ul>"
                                   if others else "") + "</nav>")


# Outputs beside report.html, linked from its contents: (what it is, file name).
DOCUMENTS = (("EIA evidence for committee (Word)", "eia.docx"),
             ("Every table (Excel workbook)", "results.xlsx"),
             ("What was run (manifest.json)", "manifest.json"))


def outputs(folder: Path | None, study: str) -> list[tuple[str, str]]:
    """(what, relative link) for every other output present: the documents, each CSV table,
    the study's sensitivity analysis (results/<study>-sensitivity) and, for a search's
    confirmation report, the search's own page."""
    if folder is None:
        return []
    found = [(what, name) for what, name in DOCUMENTS if (folder / name).is_file()]
    found += [(f"{p.stem} table (CSV)", p.name) for p in sorted(folder.glob("*.csv"))]
    sens = folder.parent / f"{study}-sensitivity" / "sensitivity.html"
    if sens.is_file():
        found.append(("Sensitivity analysis", f"../{sens.parent.name}/sensitivity.html"))
    if (folder.parent / "trials.csv").is_file():     # a search's confirmation run
        found.append(("Options search", "../search.html"))
    return found


def _header(results: StudyResults, s: Settings) -> str:
    return "\n".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(s.name)}: personal budgets RAS study</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Personal budgets study '{esc(s.name)}'</h1>",   # short: the headline fits a phone
        note(f"RAS calibrations crossed with transition scenarios; {results.n_replicates} "
             f"simulated futures (Monte Carlo replicates), seed {s.seed}. Every option is "
             "compared with the status quo on the same simulated futures."),
    ])


def _headline(results: StudyResults, s: Settings, rank: pd.DataFrame) -> str:
    caveat, h = describe.population_caveat(results), headline_text(results, s, rank)
    return "\n".join([
        "<h2 class='first' id='headline'>Headline</h2>",
        box([f"<p id='verdict'>{esc(h.lead)}</p>",
             f"<p id='recommended'>{esc(h.recommended)}</p>" if h.recommended else "",
             f"<p>{esc(h.options_intro)}</p><ul>"
             + "".join(f"<li>{esc(o)}</li>" for o in h.options) + "</ul>",
             f"<p id='do-nothing'>{esc(h.do_nothing)}</p>" if h.do_nothing else ""]),
        box([f"<p>{esc(caveat)}</p>"], "caveat") if caveat else "",
        note(f"{describe.target_sentence(s, results)} {describe.SIGN_CONVENTION} "
             f"{describe.meets_rule(s)}"),
    ])


def _options(results: StudyResults) -> str:
    unprotected = set(unprotected_transitions(results))
    rows = []
    for p in ras_policies(results):
        pol = results.policies[p]
        role = ("recommended" if pol.get("recommended") else
                "prices protection (no protection)" if pol["transition"] in unprotected else "")
        rows.append({"number": describe.number(results, p), "policy": pol["name"],
                     "description": describe.description(results, p), "role": role})
    return "\n".join([
        "<h2 id='options'>The options</h2>",
        note("Each option is a RAS calibration (how indicative budgets are set) crossed with a "
             "transition (how current users move to them at reviews). Options are numbered "
             "the same way in every table and figure."),
        table(pd.DataFrame(rows), "The options compared with the status quo",
              kinds={"number": "text"}),
    ])


def _summary(results: StudyResults, s: Settings, rank: pd.DataFrame) -> str:
    names = [p["name"] for p in results.policies]
    shown = pd.DataFrame({
        "number": rank["number"], "policy": rank["policy"],
        "in words": [describe.in_words(results, names.index(n)) for n in rank["policy"]],
        "meets_target": rank["meets_target"],
        "chance of meeting target (± s.e.)": [
            f"{percent(p)} ± {percent(se)}" for p, se in
            zip(rank["prob_meet_target"], rank["prob_meet_target_se"])],
        "savings_mean": rank["savings_mean"],
        "savings, 90% of futures": [f"{pounds(lo)} to {pounds(hi)}" for lo, hi in
                                    zip(rank["savings_p5"], rank["savings_p95"])],
        "losing >10% (people)": [f"{fmt(x, 'pct')} ({fmt(n, 'count')})" for x, n in
                                 zip(rank["share_lose10"], rank["people_lose10"])],
        "largest relative risk of losing >10% (95% interval), group": [
            "–" if missing(r.largest_rr_lose10) else f"{r.largest_rr_lose10:.2f} "
            f"({fmt(r.largest_rr_lo, 'ratio')}–{fmt(r.largest_rr_hi, 'ratio')}) "
            f"{r.largest_rr_group}" for r in rank.itertuples()],
    })
    return "\n".join([
        "<h2 id='summary'>Summary</h2>",
        note(f"One row per option, most likely to meet the target first; savings and the chance "
             f"of meeting the target are for {s.first_full_year}, {_judged(rank)} "
             "('meets the target' as the headline defines it). 'Losing >10%': share (and "
             "number) of users at go-live whose own budget one year after go-live is more than "
             "10% below their budget just before go-live, in cash (new users, with no budget "
             "before, are not counted). 'Largest relative risk': the protected-characteristic "
             "group most over-represented among those people, against everyone else (1 = no "
             "over-representation)."),
        table(shown, f"Every option in {s.first_full_year}, most likely to meet the target first",
              kinds={"number": "text"}),
    ])


def _judged(rank: pd.DataFrame) -> str:
    """The finance baseline in words, as the summary table names it."""
    return str(rank["finance_baseline"].iloc[0]) if len(rank) else "against the finance baseline"


def _method(run: pd.DataFrame) -> str:
    return "\n".join([
        "<h2 id='method'>Method and assumptions</h2>",
        note("Agent-based model of service users; every option in a replicate shares one "
             "simulated world (common random numbers); calibrations fitted on current users; "
             "transitions applied at reviews. Intervals are percentiles across replicates."),
        table(run, "How the study was run"),
    ])


def _assumptions(assumptions: pd.DataFrame) -> str:
    """The appendix: one entry per assumption (not a table: long values and sources flow in
    two columns instead of stretching twelve printed pages)."""
    entries = []
    for r in assumptions.fillna("").to_dict("records"):   # older results: section, source
        value = f"{r.get('value', '')} {r.get('unit', '')}".strip()
        said = "; ".join(x for x in (r.get("status"), r.get("distribution") and
                                     f"drawn from {r['distribution']}") if x)
        entries.append(f"<dt><code>{esc(r.get('parameter') or r.get('section', ''))}</code></dt>"
                       f"<dd>{esc(value)}{f' ({esc(said)})' if said else ''}. "
                       f"{esc(r.get('source', ''))}</dd>")
    return "\n".join([
        "<h2 id='appendix'>Appendix: every assumption and its source</h2>",
        note(f"{len(assumptions)} parameters: value and unit, status (seed report, published, "
             "assumption or calibrated), the distribution drawn in a probabilistic run, and the "
             "source. The same list, one column each, is the workbook's assumptions sheet."),
        f"<dl class='appendix'>{''.join(entries)}</dl>"])


def _manifest(manifest: pd.DataFrame) -> str:
    long = manifest["value"].astype(str).str.len() > 300
    details = "".join(f"<details><summary>{esc(k)}</summary><pre>{esc(v)}</pre></details>"
                      for k, v in manifest[long].itertuples(index=False))
    return "\n".join(["<h3>Manifest</h3>", table(manifest[~long], "What was run, on what"),
                      details])
