"""Several replicates' worlds as one: blocks of people side by side.

A month's work costs about the same number of numpy calls for 100 people as for 100,000,
so a block of replicates runs as one world whose slots are replicate 0's people, then
replicate 1's, and so on.  Each replicate keeps its own draws (its world is built from its
own streams first), and every per-person step is element by element, so a replicate's
people meet exactly the numbers they would alone; what is summed over people is summed
per replicate (sim.model.care_model keeps a replicate axis for it).
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np

from sim.model.streams import Events
from sim.model.world import World

# World fields that are (cap,) per person, (T, cap) per person-month, or assessment records
_PER_SLOT = ("arrival", "client_group", "sex", "ethnicity", "team", "age0", "exit_month",
             "death_month", "baseline_res_month", "initial_budget", "initial_facs",
             "u_continue", "u_resident")
_PER_MONTH = ("age_band", "points", "pb_type")
_RECORDS = ("assessed_review", "assessed_facs", "assessed_count", "assessed_practice",
            "assessed_need")
_SHARED = ("n_months", "go_live", "uplift")


def offsets(worlds: list[World]) -> np.ndarray:
    """(K + 1,) replicate k's people are the stacked slots [offsets[k], offsets[k + 1])."""
    return np.concatenate([[0], np.cumsum([w.cap for w in worlds])]).astype(np.int64)


def _month_order(starts: list[np.ndarray]) -> np.ndarray:
    """Positions in the concatenated records that put them month by month, replicate by
    replicate within a month, each replicate's own order kept."""
    months = np.concatenate([np.repeat(np.arange(len(s) - 1), np.diff(s)) for s in starts])
    rep = np.concatenate([np.full(s[-1], k) for k, s in enumerate(starts)])
    return np.lexsort((np.arange(len(months)), rep, months))


def _merged_starts(starts: list[np.ndarray]) -> np.ndarray:
    return np.sum(starts, axis=0)


def stack_worlds(worlds: list[World]) -> World:
    """One World holding every replicate's people, in blocks (see `offsets`); one world is
    returned as it is."""
    if len(worlds) == 1:
        return worlds[0]
    first = worlds[0]
    for w in worlds[1:]:
        if w.n_months != first.n_months or w.go_live != first.go_live \
                or not np.array_equal(w.uplift, first.uplift):
            raise ValueError("stacked replicates must share their months, go-live and prices")
    off = offsets(worlds)
    out = {name: getattr(first, name) for name in _SHARED}
    for name in _PER_SLOT:
        out[name] = np.concatenate([getattr(w, name) for w in worlds])
    for name in _PER_MONTH:
        out[name] = np.concatenate([getattr(w, name) for w in worlds], axis=1)
    starts = [w.assessed_start for w in worlds]
    order = _month_order(starts)
    out["assessed_start"] = _merged_starts(starts)
    out["assessed"] = np.concatenate([w.assessed + o for w, o in zip(worlds, off)])[order]
    for name in _RECORDS:
        out[name] = np.concatenate([getattr(w, name) for w in worlds])[order]
    ev_starts = [w.res_events.starts for w in worlds]
    ev_order = _month_order(ev_starts)
    out["res_events"] = Events(
        month=np.concatenate([w.res_events.month for w in worlds])[ev_order],
        slot=np.concatenate([w.res_events.slot + np.int32(o)
                             for w, o in zip(worlds, off)])[ev_order],
        u=np.concatenate([w.res_events.u for w in worlds])[ev_order],
        starts=_merged_starts(ev_starts))
    out["res_h"] = np.concatenate([w.res_h for w in worlds])[ev_order]
    missing = {f.name for f in fields(World)} - set(out)
    if missing:     # a new World field must be placed in one of the lists above
        raise TypeError(f"stack_worlds does not know how to stack {sorted(missing)}")
    return World(**out)
