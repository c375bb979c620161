"""'Did you mean' hints for misspelt keys and names in input files (one rule everywhere)."""
from __future__ import annotations

import difflib
from collections.abc import Sequence


def closest(key: str, options: Sequence[str]) -> str | None:
    """The option spelt most like key, or None when none is close."""
    close = difflib.get_close_matches(key, list(options), n=1, cutoff=0.5)
    return close[0] if close else None


def nearest(key: str, options: Sequence[str]) -> str:
    """'; did you mean X?' for the closest option, or the list of valid options."""
    options = list(options)
    match = closest(key, options)
    return f"; did you mean '{match}'?" if match else f"; valid keys: {', '.join(options)}"
