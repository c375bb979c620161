"""Validation of population tables: every problem found, each naming file, column and rows.

Councils keep extracts in Excel, so the likely faults are a renamed column, a
typed-in category label, a stray blank row or an invisible character pasted into a
name.  Rows are numbered as a spreadsheet user sees them: the header is row 1, so
the first person is row 2.  All problems are gathered into one PopulationError (one
line per problem, each starting with the file name), so a file can be fixed in one
pass.  Nothing here raises anything but PopulationError for a bad file.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.hints import closest
from sim.inputs.categories import Category
from sim.inputs.schema import CODED, COLUMNS, NUMBERS, OPTIONAL, Number, PopulationError
from sim.inputs.table_file import cell_text
from sim.inputs.text import (
    describe_characters,
    mixed_script_words,
    normalised,
    quoted,
    unsafe_characters,
)

SHOW_ROWS = 5  # row numbers quoted per problem before "and N more"
SHOW_VALUES = 3  # offending values quoted per problem
MAX_TEAMS = 1_000  # teams are reported one by one; a council has tens


# ------------------------------------------------------------------------- validation


def validate_frame(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check every column; return a clean typed frame, or raise one PopulationError for all.

    The clean frame has the schema's columns in order: id and team as text, coded
    columns as lower-case codes, numbers as float, months_since_review as int; then the
    optional columns (schema.OPTIONAL) the table has, as float.
    Row i of the input (0-based position) is reported as spreadsheet row i + 2.
    """
    text = _as_text(df)
    if not _looks_like_population(text.columns):
        raise PopulationError(f"{source}: does not look like a population file: its first row "
                              f"names none of the columns {', '.join(COLUMNS)}")
    problems = _check_columns(text)
    text = _drop_unnamed_empty_columns(_drop_trailing_blank_rows(text))
    blank = _blank_rows(text)
    if len(text) == 0:
        problems.append("the file has a header but no rows")
    elif blank.any():
        problems.append(f"{_rows(blank)} {_are(blank)} blank; delete {_them(blank)}")
    body = text[~blank]
    known = COLUMNS + tuple(c for c in OPTIONAL if c in body.columns)
    usable = [c for c in known if list(body.columns).count(c) == 1]
    out = pd.DataFrame(index=body.index)
    for col in usable:
        out[col], found = _check_column(body[col], col)
        problems += found
    if problems:
        raise PopulationError("\n".join(f"{source}: {p}" for p in problems))
    out["months_since_review"] = out["months_since_review"].astype(np.int64)
    return out[list(known)].reset_index(drop=True)


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text, positions as the index (so index + 2 = spreadsheet row)."""
    df = df.reset_index(drop=True)
    cols = {i: _column_text(df.iloc[:, i]) for i in range(df.shape[1])}
    text = pd.DataFrame(cols, index=df.index)
    text.columns = [cell_text(c) for c in df.columns]
    return text


def _column_text(values: pd.Series) -> pd.Series:
    """One column as stripped text with blanks for missing cells (NaN, None, pd.NA)."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _check_column(values: pd.Series, col: str) -> tuple[pd.Series, list[str]]:
    """Clean values of one schema column and the problems found in it."""
    if col in NUMBERS:
        return _check_number(values, col, NUMBERS[col])
    if col in CODED:
        return _check_category(values, col, CODED[col])
    problems = _check_required_text(values, col) + _check_plain_text(values, col)
    if not problems:
        values = values.map(normalised)   # look-alike spellings become one name
        problems = _check_one_script(values, col)
    if col == "id":
        problems += _check_unique(values, col)
    if col == "team":
        problems += _check_team_count(values, col)
    return values, problems


def _looks_like_population(names: pd.Index) -> bool:
    """Some header cell is a schema column or spelt like one.

    Otherwise the file is something else (a system file, another table) and its first
    row is not quoted back: it may be anything.
    """
    return any(name in COLUMNS or _closest(name, COLUMNS) for name in names)


def _check_columns(text: pd.DataFrame) -> list[str]:
    """Missing, unexpected, repeated and unnamed columns, with the nearest valid name."""
    names = list(text.columns)
    problems = []
    missing = [c for c in COLUMNS if c not in names]
    for i, name in enumerate(names):
        if _unnamed(name):
            if (text.iloc[:, i] != "").any():
                problems.append(f"column {_letter(i)} has values but no name in the header; "
                                "name it or delete it")
        elif name not in COLUMNS and name not in OPTIONAL:
            problems.append(f"column {quoted(name)} is not in the schema"
                            f"{_nearest(name, missing or COLUMNS)}")
    for name in dict.fromkeys(n for n in names if (n in COLUMNS or n in OPTIONAL)
                              and names.count(n) > 1):
        where = ", ".join(_letter(i) for i, n in enumerate(names) if n == name)
        problems.append(f"column {name!r} appears {names.count(name)} times in the header "
                        f"(spreadsheet columns {where}); keep one")
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(repr(c) for c in missing)}; a population needs: "
                        f"{', '.join(COLUMNS)}")
    return problems


def _unnamed(name: str) -> bool:
    """A blank header cell (pandas spells it 'Unnamed: 3' when it reads the header itself)."""
    return name == "" or re.fullmatch(r"Unnamed: \d+", name) is not None


def _drop_unnamed_empty_columns(text: pd.DataFrame) -> pd.DataFrame:
    """Excel often leaves empty unnamed columns at the right; they carry nothing, so drop them."""
    keep = [not (_unnamed(n) and (text.iloc[:, i] == "").all()) for i, n in enumerate(text.columns)]
    return text.loc[:, keep]


def _drop_trailing_blank_rows(text: pd.DataFrame) -> pd.DataFrame:
    """Blank rows after the last person are harmless (Excel leaves them); inside, they are not."""
    filled = np.flatnonzero(~_blank_rows(text).to_numpy())
    return text.iloc[: filled[-1] + 1 if len(filled) else 0]


def _blank_rows(text: pd.DataFrame) -> pd.Series:
    return (text == "").all(axis=1) if text.shape[1] else pd.Series(True, index=text.index)


def _check_required_text(values: pd.Series, col: str) -> list[str]:
    """id and team are free text but every person needs one."""
    empty = values == ""
    if empty.any():
        return [f"column {col!r} is missing (blank) in {_rows(empty)}; every person needs one"]
    return []


def _check_unique(values: pd.Series, col: str) -> list[str]:
    """Ids identify people across runs and reports, so each may appear once."""
    dup = values.duplicated(keep=False) & (values != "")
    if dup.any():
        message = (f"column {col!r} has duplicate ids ({_examples(values[dup])}) in "
                   f"{_rows(dup)}; every person needs a different id")
        return [message]
    return []


def _check_plain_text(values: pd.Series, col: str) -> list[str]:
    """Free text must be visible: control characters break the workbook after a whole run,
    and invisible ones make two names that look alike differ."""
    found = values.map(unsafe_characters)
    bad = found.map(bool)
    if bad.any():
        chars = list(dict.fromkeys(c for cs in found[bad] for c in cs))
        message = (f"column {col!r} has control or invisible characters "
                   f"({describe_characters(chars[:SHOW_VALUES])}) in {_rows(bad)} "
                   f"(e.g. {_examples(values[bad])}); remove them")
        return [message]
    return []


def _check_one_script(values: pd.Series, col: str) -> list[str]:
    """A word mixing scripts (a Cyrillic 'Ѕ' in 'Ѕirona Bath') is a look-alike of another
    name: it would show as a second, identical-looking row; say which name it imitates."""
    bad = values.map(lambda v: bool(mixed_script_words(v)))
    if not bad.any():
        return []
    clean = [v for v in values[~bad].unique()]
    first = str(values[bad].iloc[0])
    match = closest(first, clean)
    hint = f"; did you mean {match!r}?" if match else "; type it again in one script"
    return [f"column {col!r} has names mixing the letters of two scripts (look-alikes of "
            f"another name) in {_rows(bad)} (e.g. {quoted(first)}){hint}"]


def _check_team_count(values: pd.Series, col: str) -> list[str]:
    """Teams are reported one by one, so their number is bounded."""
    teams = values[values != ""].nunique()
    if teams > MAX_TEAMS:
        message = (f"column {col!r} names {teams:,} different teams, more than the "
                   f"{MAX_TEAMS:,} a population may have; is another column in its place?")
        return [message]
    return []


def _check_number(values: pd.Series, col: str, rule: Number) -> tuple[pd.Series, list[str]]:
    """Numbers only, in range, whole where asked; blanks and non-numbers reported apart."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    v = numbers.to_numpy()
    ok = np.isfinite(v)
    missing = (values == "").to_numpy()
    problems = []
    if missing.any():
        problems.append(f"column {col!r} is missing (blank) in "
                        f"{_rows(_mask(missing, values))}; every person needs a value")
    between = f"between {rule.low:,.10g} and {rule.high:,.10g}"
    for bad, need in ((~missing & ~ok, "a number"),
                      (ok & ((v < rule.low) | (v > rule.high)), between),
                      (ok & (np.floor(np.where(ok, v, 0)) != v) & rule.whole, "a whole number")):
        bad = _mask(bad, values)
        if bad.any():
            problems.append(f"column {col!r} must be {need}, but {_rows(bad)} {_are(bad)} not "
                            f"(e.g. {_examples(values[bad])})")
    return numbers, problems


def _mask(bad: np.ndarray, like: pd.Series) -> pd.Series:
    """A boolean array as a Series on the rows it describes (their index gives row numbers)."""
    return pd.Series(bad, index=like.index)


def _check_category(values: pd.Series, col: str, cat: Category) -> tuple[pd.Series, list[str]]:
    """Codes, ignoring case and surrounding spaces; anything else named with the nearest code."""
    codes = values.str.lower()
    blank = values == ""
    bad = ~codes.isin(cat.codes) & ~blank
    problems = []
    if blank.any():
        problems.append(f"column {col!r} is missing (blank) in {_rows(blank)}; "
                        f"valid values are {', '.join(cat.codes)}")
    if bad.any():
        shown = list(dict.fromkeys(values[bad]))[:SHOW_VALUES]
        hints = ", ".join(f"{quoted(v)}{_nearest(v, cat.codes, cat.labels, ' (did you mean {}?)')}"
                          for v in shown)
        problems.append(f"column {col!r} has unknown values in {_rows(bad)}: {hints}; "
                        f"valid values are {', '.join(cat.codes)}")
    return codes, problems


# ------------------------------------------------------------------------- wording


def _rows(mask: pd.Series) -> str:
    """'row 4', 'rows 2, 5, 9 (3 rows in all)' or 'rows 2, 3, 4, 5, 6 and 7 more (12 rows in all)'.

    Spreadsheet numbering: index label i (0-based position in the input) is row i + 2.
    """
    where = [int(i) + 2 for i in mask.index[mask.to_numpy()]]
    if len(where) == 1:
        return f"row {where[0]}"
    shown = ", ".join(str(r) for r in where[:SHOW_ROWS])
    more = f" and {len(where) - SHOW_ROWS} more" if len(where) > SHOW_ROWS else ""
    return f"rows {shown}{more} ({len(where)} rows in all)"


def _are(mask: pd.Series) -> str:
    return "is" if mask.sum() == 1 else "are"


def _them(mask: pd.Series) -> str:
    return "it" if mask.sum() == 1 else "them"


def _examples(values: pd.Series) -> str:
    """The first few distinct offending values, quoted as written in the file."""
    return ", ".join(quoted(v) for v in list(dict.fromkeys(values))[:SHOW_VALUES])


def _nearest(name: str, choices: tuple[str, ...] | list[str], labels: tuple[str, ...] = (),
             template: str = "; did you mean {}?") -> str:
    """A 'did you mean' hint: a matching label's code, else the closest spelling, else ''."""
    for code, label in zip(choices, labels):
        if name.lower() == label.lower():
            return template.format(repr(code))
    close = _closest(name, choices)
    return template.format(repr(close)) if close else ""


def _closest(name: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The closest choice by the one spelling rule, ignoring case, spaces and hyphens."""
    return closest(re.sub(r"[\s\-]+", "_", name.strip().lower()), choices)


def _letter(i: int) -> str:
    """Spreadsheet column letter of 0-based position i (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
