"""Free text from input files: names and labels must be visible, printable characters.

A team name or a source note ends up in terminals, CSV files and the Excel workbook.
Control characters break the workbook after a whole run, and invisible ones (zero-width
spaces, bidirectional overrides) make two labels that look alike differ, or make a
label read backwards.  So they are refused at validation, where the file is named.
"""
from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

# Unicode categories refused: control (C0, DEL, C1), format (zero-width, bidirectional
# marks, overrides and isolates, byte-order mark), lone surrogates, line/paragraph separators.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
SHOW_CHARS = 60  # longest value quoted in a message before it is cut short


def unsafe_characters(text: str) -> list[str]:
    """The distinct control and invisible characters in text, in order of appearance."""
    if text.isprintable():  # fast path: printable text has none of them
        return []
    found = (c for c in text if unicodedata.category(c) in UNSAFE_CATEGORIES)
    return list(dict.fromkeys(found))


def describe_characters(chars: list[str]) -> str:
    """Characters by code point and name: 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'control character')}"
                     for c in chars)


def check_plain_text(text: str) -> str:
    """text unchanged, or ValueError naming its control or invisible characters."""
    bad = unsafe_characters(text)
    if bad:
        raise ValueError(f"contains control or invisible characters ({describe_characters(bad)}); "
                         "remove them")
    return text


PlainText = Annotated[str, AfterValidator(check_plain_text)]


def quoted(value: object, limit: int = SHOW_CHARS) -> str:
    """A value as it may appear in a message: repr (which escapes invisible characters), cut short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."
