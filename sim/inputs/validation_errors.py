"""pydantic validation errors as one line each, naming the file and the dotted key.

Shared by every validated input file (parameters, studies, searches), so a typo is reported
the same way everywhere, with the nearest valid key.
"""
from __future__ import annotations

from pydantic import BaseModel, ValidationError

from sim.hints import nearest
from sim.inputs.text import quoted

SHOW_KEY = 100  # longest dotted key quoted in a message


def _valid_keys(model: type[BaseModel], path: tuple) -> list[str]:
    for part in path:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return []
    return list(model.model_fields)


def explain(err: ValidationError, where: str, root: type[BaseModel]) -> str:
    """pydantic errors as one line each, naming the file and the dotted key."""
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        key = quoted(".".join(str(p) for p in loc), SHOW_KEY)  # keys in a file may be anything
        if e["type"] == "extra_forbidden":
            hint = nearest(str(loc[-1]), _valid_keys(root, loc[:-1]))
            lines.append(f"{where}: unknown key {key}{hint}")
        elif e["type"] == "missing":
            lines.append(f"{where}: missing key {key}")
        else:
            value = e.get("input")
            got = "" if isinstance(value, dict) else f" (got {quoted(value)})"
            lines.append(f"{where}: key {key}: {e['msg'].removeprefix('Value error, ')}{got}")
    return "\n".join(lines)
