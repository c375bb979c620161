"""Markdown building blocks for search_report.md: text from input files made inert.

A description, a block or team name may hold `<script>`, a `javascript:` link, a heading
or a table's `|`; in Markdown (and the HTML it is rendered to) each is shown as typed,
never run or followed.
"""
from __future__ import annotations

import re
from typing import Any

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")   # every ASCII punctuation mark


def md_text(value: Any) -> str:
    """Text shown literally: every ASCII punctuation mark backslash-escaped (CommonMark
    shows an escaped mark as itself, so no tag, link, emphasis, heading, list or table
    cell can start), line breaks as spaces."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value).splitlines()))


def _fence_for(text: str, least: int) -> str:
    runs = [len(r) for r in re.findall(r"`+", text)]
    return "`" * max(least, max(runs, default=0) + 1)


def md_code(value: Any) -> str:
    """Text as an inline code span (shown literally) whatever backticks it holds."""
    text = " ".join(str(value).splitlines())
    fence = _fence_for(text, 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(text: str, info: str = "") -> str:
    """A fenced code block that no line of `text` can close early."""
    fence = _fence_for(text, 3)
    return f"{fence}{info}\n{text}\n{fence}"
