"""'Did you mean' hints for misspelt keys and names in input files (one rule everywhere)."""
from __future__ import annotations

import difflib
from collections.abc import Sequence


def nearest(key: str, options: Sequence[str]) -> str:
    """'; did you mean X?' for the closest option, or the list of valid options."""
    options = list(options)
    close = difflib.get_close_matches(key, options, n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else f"; valid keys: {', '.join(options)}"
