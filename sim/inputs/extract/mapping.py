"""The mapping file: which extract column feeds each schema field, and how codes translate.

A council writes one mapping for its case-management system and reuses it for every
extract.  Every problem in it (an unknown key, a code mapped to no schema code, a field the
schema needs and the mapping leaves out) is collected, with 'did you mean', and reported
together, so one edit fixes them all.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.schema import CODED, SCHEMA
from sim.inputs.text import PlainText, quoted
from sim.inputs.toml_file import read_toml

EVENT_KINDS = ("assessment", "review", "death", "admission", "exit")


class MappingError(InputError):
    """A mapping (or an extract it does not fit); the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n  ".join([f"{len(problems)} problem(s):", *problems]))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Coded(_Strict):
    """A coded column: each source code -> a schema code (team: any label, map optional)."""

    column: PlainText
    values: dict[str, PlainText] | None = None


class Number(_Strict):
    column: PlainText


class Age(_Strict):
    """Age at the reference date from a date of birth (never kept), or an age column."""

    date_of_birth: PlainText | None = None
    column: PlainText | None = None


class Budget(_Strict):
    """Amounts annualised by each row's period code (e.g. Weekly -> 52.14), then summed."""

    amount: PlainText
    period: PlainText | None = None                       # column of period codes
    per_year: dict[str, float] = Field(min_length=1)      # period code -> multiplier a year


class PbType(Coded):
    # several service rows: any direct payment beside another type makes the person mixed
    combine: Literal["direct_payment_with_other_is_mixed"] = "direct_payment_with_other_is_mixed"


class Review(_Strict):
    """Whole months since the last review, from its date or from a column of months."""

    last_review_date: PlainText | None = None
    column: PlainText | None = None


class Fields(_Strict):
    age: Age | None = None
    sex: Coded | None = None
    ethnicity: Coded | None = None
    client_group: Coded | None = None
    team: Coded | None = None
    facs_band: Coded | None = None
    ras_points: Number | None = None
    pb_type: PbType | None = None
    annual_budget: Budget | None = None
    months_since_review: Review | None = None


class Extract(_Strict):
    reference_date: dt.date               # the extract's date: ages and months are at it
    person_id: PlainText                  # hashed with the salt, never copied
    date_format: str = "%d/%m/%Y"
    synthetic: bool = False               # a made-up extract (reports say so)
    description: PlainText = ""


class Events(_Strict):
    """The event history: one row per event, with the person's date of birth and group."""

    person_id: PlainText
    date_of_birth: PlainText
    client_group: Coded
    event: Coded                          # codes -> one of EVENT_KINDS
    date: PlainText
    window_start: dt.date                 # observation from here to the reference date
    min_events: int = Field(5, ge=1, le=1000)  # fewer in an age band: pooled with the next


class Mapping(_Strict):
    extract: Extract
    fields: Fields
    events: Events | None = None
    source: str = ""

    def columns(self) -> dict[str, str]:
        """Extract column -> what reads it ('fields.sex.column'), for the header check."""
        out = {self.extract.person_id: "extract.person_id"}
        for name, spec in self.fields:
            if spec is None:
                continue
            for key, value in spec:
                if key in ("column", "date_of_birth", "amount", "period", "last_review_date") \
                        and value:
                    out.setdefault(value, f"fields.{name}.{key}")
        return out


def load_mapping(path: str | Path) -> Mapping:
    """The mapping file, checked whole; MappingError lists every problem."""
    path = Path(path)
    try:
        raw = read_toml(path, "mapping file")[0]
    except InputError as exc:
        raise MappingError([str(exc)]) from None
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError([f"{path}: {p}" for p in _explain(exc, raw)]) from None
    problems = [f"{path}: {p}" for p in _check(mapping)]
    if problems:
        raise MappingError(problems)
    return mapping.model_copy(update={"source": str(path)})


def _explain(exc: ValidationError, raw: dict[str, Any]) -> list[str]:
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        key = ".".join(loc)
        if err["type"] == "extra_forbidden":
            options = _options(loc[:-1])
            out.append(f"key '{key}' is not a mapping key{nearest(loc[-1], options)}")
        elif err["type"] == "missing":
            out.append(f"key '{key}' is missing")
        else:
            out.append(f"key '{key}': {err['msg']} (got {quoted(err.get('input'))})")
    return out


def _options(parent: list[str]) -> list[str]:
    model: Any = Mapping
    for part in parent:
        field = model.model_fields.get(part)
        if field is None:
            return []
        ann = field.annotation
        model = next((a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type)
                      and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def _check(m: Mapping) -> list[str]:
    """What the types alone cannot say: required fields, codes, one source per field."""
    out = [f"key 'fields.{name}' is missing: the schema needs {SCHEMA[name][0]}"
           for name, spec in m.fields if spec is None]
    for name, cat in CODED.items():
        spec = getattr(m.fields, name)
        if spec is None:
            continue
        if spec.values is None:
            out.append(f"key 'fields.{name}.values' is missing: map each code of column "
                       f"{quoted(spec.column)} to one of {', '.join(cat.codes)}")
            continue
        out += _codes(f"fields.{name}.values", spec.values, cat.codes)
    for name in ("age", "months_since_review"):
        spec = getattr(m.fields, name)
        if spec is not None and sum(v is not None for _, v in spec) != 1:
            keys = " or ".join(k for k, _ in spec)
            out.append(f"key 'fields.{name}': give exactly one of {keys}")
    budget = m.fields.annual_budget
    if budget is not None:
        out += [f"key 'fields.annual_budget.per_year.{k}': {v} is not a multiplier a year "
                "(0 to 366)" for k, v in budget.per_year.items() if not 0 < v <= 366]
        if budget.period is None and len(budget.per_year) != 1:
            out.append("key 'fields.annual_budget': without a 'period' column give one "
                       "'per_year' entry (every amount has the same period)")
    if m.events is not None:
        ev = m.events
        out += _codes("events.event.values", ev.event.values or {}, EVENT_KINDS)
        out += _codes("events.client_group.values", ev.client_group.values or {},
                      CODED["client_group"].codes)
        if ev.window_start >= m.extract.reference_date:
            out.append("key 'events.window_start' must be before 'extract.reference_date'")
    return out


def _codes(key: str, values: dict[str, str], codes: tuple[str, ...]) -> list[str]:
    if not values:
        return [f"key '{key}' maps no code"]
    return [f"key '{key}.{src}': {quoted(dst)} is not a code of the schema{nearest(dst, codes)}"
            for src, dst in values.items() if dst not in codes]
