"""Import an extract: check it fits the mapping, read its rows, combine people, pseudonymise.

Everything is checked and computed before anything is written: a required column absent, a
column that identifies people feeding a field, team labels that look like addresses, or an
extract leaving nobody usable is a MappingError listing every problem.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sim.hints import nearest
from sim.inputs.extract.mapping import Mapping, MappingError
from sim.inputs.extract.people import People, combine
from sim.inputs.extract.pseudonym import identifying_columns, identifying_values, pseudonym
from sim.inputs.extract.quality import Quality, aggregates, beside_published, read_expected
from sim.inputs.extract.rows import read_rows
from sim.inputs.population import Population
from sim.inputs.schema import COLUMNS
from sim.inputs.table_file import read_table
from sim.inputs.text import quoted


@dataclass
class Imported:
    population: Population
    quality: Quality


def check_columns(header: list[str], m: Mapping, where: str) -> list[str]:
    """Problems with the columns the mapping reads: absent, or identifying by their name."""
    problems = []
    for column, key in m.columns().items():
        if column not in header:
            problems.append(f"{where}: no column {quoted(column)} (mapping key '{key}')"
                            f"{nearest(column, header)}")
    named = [c for c in identifying_columns(m.columns()) if c != m.extract.person_id]
    problems += [f"{where}: column {quoted(c)} identifies people (by its name) and may not "
                 f"feed a field (mapping key '{m.columns()[c]}'); drop it from the mapping"
                 for c in named]
    return problems


def import_extract(path: str | Path, m: Mapping, salt: bytes,
                   expected: str | Path | None = None) -> Imported:
    """The population and the quality figures of one extract (nothing written)."""
    path = Path(path)
    df = read_table(path)
    header = [str(c) for c in df.columns]
    problems = check_columns(header, m, str(path))
    if problems:
        raise MappingError(problems)
    rows = read_rows(df, m)
    people = combine(rows)
    _check_people(people, m, path)
    frame = people.frame.copy()
    frame["id"] = [pseudonym(k, salt) for k in frame["key"]]
    if frame["id"].duplicated().any():
        raise MappingError([f"{path}: two identifiers share a pseudonym; use another salt"])
    pop = Population.from_frame(frame[list(COLUMNS)], source=str(path))
    pop = replace(pop, synthetic=m.extract.synthetic, description=m.extract.description)
    agg = aggregates(pop.to_frame())
    quality = Quality(
        extract=path.name, mapping=Path(m.source).name, reference_date=str(m.extract.reference_date),
        rows_read=len(df), columns_read=list(m.columns()),
        columns_dropped=_dropped(header, m), rows_dropped=_row_reasons(rows.frame),
        people_found=people.found, people_kept=len(pop), people_dropped=people.dropped,
        unmapped=rows.unmapped, implausible=rows.implausible, duplicates=rows.duplicates,
        aggregates=agg,
        published=beside_published(agg, read_expected(expected)) if expected else pd.DataFrame())
    return Imported(pop, quality)


def _check_people(people: People, m: Mapping, path: Path) -> None:
    if people.frame.empty:
        reasons = ", ".join(f"{r} ({n})" for r, n in people.dropped.most_common(5))
        raise MappingError([f"{path}: no usable person in the extract (dropped: {reasons})"])
    if m.fields.team.values is None:
        leaks = identifying_values(people.frame["team"].astype(str))
        if leaks:
            raise MappingError([f"{path}: column {quoted(m.fields.team.column)} holds "
                                f"{len(leaks)} value(s) that look like a postcode, NHS number, "
                                "e-mail or phone number; map team codes to labels with "
                                "'fields.team.values'"])


def _dropped(header: list[str], m: Mapping) -> list[tuple[str, str]]:
    used = set(m.columns())
    flagged = set(identifying_columns(header))
    return [(c, "identifies people (dropped unread)" if c in flagged else
             "not used by the mapping (dropped unread)") for c in header if c not in used]


def _row_reasons(frame: pd.DataFrame):
    from collections import Counter

    return Counter(frame.loc[frame["reason"] != "", "reason"].to_numpy())


@dataclass
class Rates:
    table: pd.DataFrame          # every estimate with its 95% interval
    overlay: str                 # the parameter overlay (TOML text)
    rows_dropped: dict


def estimate_rates(path: str | Path, m: Mapping) -> Rates:
    """The council's rates from its event history (the mapping's [events])."""
    from sim.inputs.extract.events import at_risk, check_event_columns
    from sim.inputs.extract.rates import estimates, overlay_text, review_rate, table

    path = Path(path)
    if m.events is None:
        raise MappingError([f"{m.source}: no [events] table: map the event history's columns "
                            "to read an events file"])
    df = read_table(path)
    problems = check_event_columns([str(c) for c in df.columns], m, str(path))
    if problems:
        raise MappingError(problems)
    risk = at_risk(df, m, str(path))
    ests, reviews = estimates(risk, m.events.min_events), review_rate(risk)
    return Rates(table(ests, reviews), overlay_text(risk, ests, reviews, path.name),
                 dict(risk.rows_dropped))
