"""Leaf records of the parameter file: each number with its unit, source, status and doubt.

In scenarios/parameters.toml a leaf parameter is written either as a plain value or as a
record (a table with a ``value``)::

    [feedback.hazard_multiplier]
    value = 1.5
    unit = "multiplier on the monthly admission hazard"
    status = "assumption"
    source = "..."                     # optional: the section's source when omitted
    distribution = { kind = "lognormal", median = 1.5, sigma = 0.3, high = 4 }
    varies = "value"                   # or "multiplier" (the only choice for a list or table)

`split_records` returns the plain values the model validates (so overrides and the
pydantic models see one shape) and the records, by dotted path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.distributions import Distribution, DistributionError, parse_distribution

# "estimated": fitted to the council's own records (an overlay written by `run-sim import`)
STATUSES = ("seed", "published", "assumption", "calibrated", "estimated")
RECORD_KEYS = ("value", "unit", "status", "source", "distribution", "varies")


class RecordError(InputError):
    """A parameter record that cannot be used; the message names its dotted path."""


@dataclass(frozen=True)
class LeafRecord:
    """What is known about one leaf parameter."""

    path: str
    value: Any
    unit: str
    status: str
    source: str
    distribution: Distribution | None = None
    varies: Literal["value", "multiplier"] = "value"


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _all_numeric(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(_all_numeric(v) for v in value)
    if isinstance(value, dict):
        return bool(value) and all(_all_numeric(v) for v in value.values())
    return _numeric(value)


def _text(rec: dict[str, Any], key: str, path: str, default: str | None = None) -> str:
    value = rec.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{path}: needs a non-empty {key!r}")
    return value


def _record(path: str, rec: dict[str, Any], section_source: str | None) -> LeafRecord:
    unknown = [k for k in rec if k not in RECORD_KEYS]
    if unknown:
        raise RecordError(f"{path}: unknown record key {unknown[0]!r}"
                          f"{nearest(str(unknown[0]), list(RECORD_KEYS))}")
    status = _text(rec, "status", path)
    if status not in STATUSES:
        raise RecordError(f"{path}: status {status!r} is not one of {', '.join(STATUSES)}"
                          f"{nearest(status, list(STATUSES))}")
    value = rec["value"]
    varies = rec.get("varies", "value" if _numeric(value) else "multiplier")
    if varies not in ("value", "multiplier"):
        raise RecordError(f"{path}: varies must be 'value' or 'multiplier', got {varies!r}")
    dist = None
    if "distribution" in rec:
        if not _all_numeric(value):
            raise RecordError(f"{path}: a distribution needs a numeric parameter "
                              f"(got {value!r})")
        if varies == "value" and not _numeric(value):
            raise RecordError(f"{path}: a list or table can only vary by a multiplier "
                              "(varies = 'multiplier')")
        try:
            dist = parse_distribution(rec["distribution"], path)
        except DistributionError as exc:  # a RecordError: the loader names the file
            raise RecordError(str(exc)) from None
    return LeafRecord(path, value, _text(rec, "unit", path),
                      status, _text(rec, "source", path, section_source), dist, varies)


def _walk(node: dict[str, Any], prefix: str, source: str | None,
          records: dict[str, LeafRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    source = node.get("source", source) if isinstance(node.get("source"), str) else source
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and "value" in value:
            records[path] = _record(path, value, source)
            out[key] = value["value"]
        elif isinstance(value, dict) and prefix == "" or _is_section(value):
            out[key] = _walk(value, path, source, records)
        else:
            out[key] = value
    return out


def _is_section(value: Any) -> bool:
    """A sub-table holding records (e.g. [referrals.age_mix_by_group] written leaf by leaf)."""
    return isinstance(value, dict) and any(isinstance(v, dict) and "value" in v
                                           for v in value.values())


def split_records(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, LeafRecord]]:
    """Plain values for validation, and the records by dotted path."""
    records: dict[str, LeafRecord] = {}
    return _walk(raw, "", None, records), records


def overlay(base: dict[str, Any], over: dict[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """base with each leaf of `over` put in place (a record or plain value replaces the base's
    leaf whole); every key must name one of base's, so a typo is refused with a hint."""
    out = dict(base)
    for key, value in over.items():
        path = f"{prefix}.{key}" if prefix else key
        if key not in base:
            raise RecordError(f"{where}: key '{path}' names no parameter"
                              f"{nearest(key, [k for k in base if k != 'source'])}")
        leaf = not isinstance(value, dict) or "value" in value
        if not leaf and isinstance(base[key], dict) and "value" not in base[key]:
            out[key] = overlay(base[key], value, where, path)
        elif leaf and not (isinstance(base[key], dict) and "value" not in base[key]):
            out[key] = value
        else:
            raise RecordError(f"{where}: key '{path}' is a {'section' if leaf else 'parameter'} "
                              f"in the parameter file, not a {'parameter' if leaf else 'section'}")
    return out
