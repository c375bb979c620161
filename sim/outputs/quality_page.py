"""The data-quality report of an imported extract (quality.html): what was read, what was
dropped and why, the codes left unmapped, and the extract's totals beside the published ones.

Same look as the study report (sim.outputs.style, markup).  It shows counts, codes and
column names only: no identifier, name, date of birth or other value about a person.
"""
from __future__ import annotations

import pandas as pd

from sim.inputs.extract.quality import Quality
from sim.outputs.columns import COUNT, GBP, PCT, TEXT
from sim.outputs.markup import box, esc, note, table
from sim.outputs.style import CSS

RATE = "rate"  # estimates shown to four decimals


def render_quality(q: Quality, caveat: str = "") -> str:
    """The whole page."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Data quality: {esc(q.extract)}</title><style>{CSS}</style></head><body>",
        f"<h1>Data quality of the extract '{esc(q.extract)}'</h1>",
        note(f"Read with the mapping '{q.mapping}' at the reference date {q.reference_date}. "
             "Identifiers were replaced by keyed hashes (HMAC-SHA256; the key is not stored "
             "with any output); dates of birth were reduced to ages; columns that identify "
             "people were dropped unread."),
        box([f"<p>{esc(caveat)}</p>"], "caveat") if caveat else "",
        "<h2 class='first' id='summary'>Summary</h2>",
        table(pd.DataFrame(q.summary(), columns=["figure", "value"]), "The import in figures",
              kinds={"value": COUNT}),
        _columns(q), _dropped(q), _codes(q), _totals(q), _rates(q),
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _counts(counter, label: str, unit: str) -> pd.DataFrame:
    rows = [{label: k, unit: v} for k, v in counter.most_common()]
    return pd.DataFrame(rows, columns=[label, unit])


def _columns(q: Quality) -> str:
    dropped = pd.DataFrame(q.columns_dropped, columns=["column", "why"])
    return "\n".join([
        "<h2 id='columns'>Columns</h2>",
        note(f"{len(q.columns_read)} columns read: " + ", ".join(q.columns_read) + "."),
        table(dropped, "Columns not read (never copied to any output)") if len(dropped) else
        note("Every column of the extract is read by the mapping."),
    ])


def _dropped(q: Quality) -> str:
    return "\n".join([
        "<h2 id='dropped'>Rows and people dropped</h2>",
        note("A person is dropped whole when any of their service rows cannot be used (their "
             "budget would be short), or when their rows disagree on who they are. An exact "
             "duplicate row is dropped and the person kept."),
        table(_counts(q.rows_dropped, "reason", "rows"), "Service rows dropped, by reason",
              kinds={"rows": COUNT}) if q.rows_dropped else note("No row was dropped."),
        table(_counts(q.people_dropped, "reason", "people"), "People dropped, by first reason",
              kinds={"people": COUNT}) if q.people_dropped else note("No person was dropped."),
    ])


def _codes(q: Quality) -> str:
    unmapped = pd.DataFrame([{"field": f, "column": c, "code": code, "rows": n}
                             for (f, c, code), n in q.unmapped.most_common()],
                            columns=["field", "column", "code", "rows"])
    implausible = _counts(q.implausible, "field", "rows")
    return "\n".join([
        "<h2 id='codes'>Unmapped codes and implausible values</h2>",
        note("A code the mapping does not translate is not guessed: add it to the mapping's "
             "'values' table. Implausible values lie outside the population schema's ranges."),
        table(unmapped, "Codes with no translation in the mapping", kinds={"rows": COUNT})
        if len(unmapped) else note("Every code is mapped."),
        table(implausible, "Rows with implausible values, by field", kinds={"rows": COUNT})
        if len(implausible) else note("No implausible value."),
        note(f"Exact duplicate service rows: {q.duplicates}."),
    ])


def _totals(q: Quality) -> str:
    agg = q.aggregates
    people = agg.pivot(index="client_group", columns="pb_type", values="people")
    cost = agg.pivot(index="client_group", columns="pb_type", values="annual_cost")
    order = list(dict.fromkeys(agg["client_group"]))
    cols = list(dict.fromkeys(agg["pb_type"]))
    parts = ["<h2 id='totals'>The extract's totals</h2>",
             table(people.loc[order, cols].reset_index(), "People kept, by client group and PB "
                   "type", kinds={c: COUNT for c in cols}),
             table(cost.loc[order, cols].reset_index(), "Annual budget of people kept (£), by "
                   "client group and PB type", kinds={c: GBP for c in cols})]
    if len(q.published):
        parts.append(table(q.published, "The extract beside the published figures",
                           kinds={"published": COUNT, "extract": COUNT, "difference": PCT,
                                  "source": TEXT}))
        parts.append(note("Difference: (extract - published) / published. A large gap means "
                          "the extract is not the whole caseload, or counts something else."))
    return "\n".join(parts)


def _rates(q: Quality) -> str:
    if q.rates is None:
        return ""
    shown = q.rates.copy()
    for c in ("estimate", "low_95", "high_95"):
        shown[c] = [f"{v:.4f}" for v in shown[c]]
    return "\n".join([
        "<h2 id='rates'>Rates from the event history</h2>",
        note("Annual probabilities by age band (for older people) and rate ratios by client "
             "group from a Poisson regression on the council's own history, with 95% "
             "intervals; written as a parameter overlay a study can name."),
        table(shown, "Estimated rates and their 95% intervals",
              kinds={"estimate": TEXT, "low_95": TEXT, "high_95": TEXT, "events": COUNT}),
        note("Event history rows left out: " + ("; ".join(
            f"{k} ({v:,})" for k, v in q.events_dropped.items()) or "none") + ". A client "
             "group whose multiplier is exactly 1 with the interval 1 to 1 had too few events "
             "and is pooled with older people."),
    ])
