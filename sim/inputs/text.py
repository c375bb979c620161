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


def normalised(text: str) -> str:
    """NFKC form: a no-break space, a full-width letter or a ligature becomes the plain
    character it looks like, so two names that look alike are the same name."""
    return unicodedata.normalize("NFKC", text)


def _script(c: str) -> str | None:
    """The script of a letter ('LATIN', 'CYRILLIC', 'GREEK', ...), None for a non-letter."""
    if not c.isalpha():
        return None
    return unicodedata.name(c, "UNKNOWN").split(" ")[0]


def mixed_script_words(text: str) -> list[str]:
    """Words mixing the letters of two scripts (a Cyrillic 'Ѕ' in 'Ѕirona'): look-alikes of
    another name, never a real one."""
    out = []
    for word in text.split():
        scripts = {s for c in word if (s := _script(c)) is not None}
        if len(scripts) > 1:
            out.append(word)
    return out


def describe_characters(chars: list[str]) -> str:
    """Characters by code point and name: 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'control character')}"
                     for c in chars)


def check_plain_text(text: str) -> str:
    """text in NFKC form, or ValueError naming its control or invisible characters or its
    words that mix scripts."""
    bad = unsafe_characters(text)
    if bad:
        raise ValueError(f"contains control or invisible characters ({describe_characters(bad)}); "
                         "remove them")
    text = normalised(text)
    mixed = mixed_script_words(text)
    if mixed:
        raise ValueError(f"mixes the letters of two scripts in {quoted(mixed[0])} (a look-alike "
                         "of a name in one script); type it again in one script")
    return text


PlainText = Annotated[str, AfterValidator(check_plain_text)]


def quoted(value: object, limit: int = SHOW_CHARS) -> str:
    """A value as it may appear in a message: repr (which escapes invisible characters), cut short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."
