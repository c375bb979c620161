"""Confirmation: the search's front re-run on fresh seeds, through the normal pipeline.

The best of many noisy estimates is biased in its own favour (the winner's curse).  So the
front's candidates are written out as ordinary calibration and transition blocks with a
study listing them as explicit pairs beside the reference options (the base calibration
crossed with the base study's transitions: the shipped scenarios), and that study is run by
the normal runner on a fresh seed with more replicates.  The confirmed figures, the full
finance and EIA tables and the report all come from that run; rerunning the written study
reproduces them.
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import tomli_w

from sim.analysis.search.file import Search
from sim.analysis.search.metrics import policy_metrics
from sim.inputs.toml_file import read_toml
from sim.outputs.write import write_outputs
from sim.study.lifecycle import RUN, prepare
from sim.study.results import StudyResults
from sim.study.runner import identity, identity_changes, run_study
from sim.study.study_file import load_study

OPTIONS_DIR, CONFIRM_DIR = "options", "confirm"
UNPROTECTED_BLOCK = {"description": "Everyone straight to the indicative budget (prices "
                     "transitional protection)", "covers": "all", "phases": 1}


def option_name(i: int) -> str:
    return f"option_{i + 1}"


def toml_text(tables: dict[str, dict[str, Any]], header: str = "") -> str:
    """TOML of named tables (None values left out), written by tomli_w so that any block
    name ("percentile 2013", "phased.v2", "=x") or string is quoted as TOML needs."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    body = tomli_w.dumps({name: _without_none(table) for name, table in tables.items()})
    return "\n".join(lines) + ("\n\n" if lines else "") + body


def _without_none(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _without_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [_without_none(x) for x in v]
    return v


def _value(v: Any) -> str:
    """A lever's value as it reads in a description."""
    return json.dumps(v)


def option_blocks(search: Search, front: pd.DataFrame) -> tuple[dict, dict]:
    """Each front candidate as a calibration block and a transition block (named option_N)."""
    base_cal = {k: v for k, v in search.base_calibration_block.items()
                if k not in ("description", "recommended")}
    tr_fields = {k: v for k, v in dataclasses.asdict(search.base_transition).items()
                 if k not in ("name", "description", "recommended")}
    cals, trs = {}, {}
    for i, row in enumerate(front.to_dict("records")):
        name = option_name(i)
        levers = ", ".join(f"{lv.path} = {_value(row[lv.path])}" for lv in search.levers)
        what = f"Options search '{search.spec.name}', trial {int(row['trial'])}: {levers}"
        cals[name] = {"description": what, **base_cal,
                      **{lv.key: _plain(row[lv.path]) for lv in search.levers
                         if lv.section == "calibration"}}
        trs[name] = {"description": what, **tr_fields,
                     **{lv.key: _plain(row[lv.path]) for lv in search.levers
                        if lv.section == "transition"}}
    return cals, trs


def _plain(v: Any) -> Any:
    """A pandas cell as a plain Python value for TOML."""
    return v.item() if hasattr(v, "item") else v


def write_options(search: Search, front: pd.DataFrame, folder: Path) -> Path:
    """calibrations.toml, transitions.toml and study.toml of the confirmation; returns the
    study file."""
    folder.mkdir(parents=True, exist_ok=True)
    study = search.study
    base = study.path.parent
    cal_raw, _ = read_toml(base / study.spec.calibrations_file, "calibrations file")
    tr_raw, _ = read_toml(base / study.spec.transitions_file, "transitions file")
    cals, trs = option_blocks(search, front)
    cals[search.spec.calibration] = {k: v for k, v in cal_raw[search.spec.calibration].items()
                                     if k != "recommended"}  # the report features option 1
    references = list(study.transitions)
    trs.update({t: tr_raw[t] for t in references})
    pairs = [[n, n] for n in cals if n.startswith("option_")]
    if "protection_cost" in search.outputs:  # each option's unprotected comparator
        unprotected = next((t for t in references if study.transitions[t].unprotected), None)
        if unprotected is None:
            unprotected = "straight_to_indicative"
            trs[unprotected] = UNPROTECTED_BLOCK
        pairs += [[n, unprotected] for n, _ in pairs]
    pairs += [[search.spec.calibration, t] for t in references]
    note = (f"Written by `run-sim search {search.path.name}`: the options on the search's front "
            "and the reference options.\nEach block is ready to copy into a study's files.")
    (folder / "calibrations.toml").write_text(toml_text(cals, note), encoding="utf-8")
    (folder / "transitions.toml").write_text(toml_text(trs, note), encoding="utf-8")
    path = folder / "study.toml"
    path.write_text(toml_text(_study_tables(search, folder, pairs), note), encoding="utf-8")
    return path


def _study_tables(search: Search, folder: Path, pairs: list[list[str]]) -> dict[str, dict]:
    """The confirmation study: the base study's settings, the fresh seed, explicit pairs."""
    st = search.study
    base = st.path.parent
    raw, _ = read_toml(st.path, "study file")

    def rel(p: str) -> str:  # relative when both share more than the root, else absolute
        target, here = (base / p).resolve(), folder.resolve()
        if os.path.commonpath([target, here]) == here.anchor:
            return target.as_posix()
        return Path(os.path.relpath(target, here)).as_posix()

    section = {**raw["study"], "name": f"{search.spec.name}_confirm",
               "description": f"Confirmation of the options search '{search.spec.name}' on fresh "
                              "seeds, with the reference options",
               "population": rel(st.spec.population), "parameters": rel(st.spec.parameters),
               "parameter_overlays": [rel(o) for o in st.spec.parameter_overlays],
               "calibrations_file": "calibrations.toml", "transitions_file": "transitions.toml",
               "runs": search.spec.confirm_runs, "seed": search.confirm_seed, "policies": pairs}
    for key in ("calibrations", "transitions"):
        section.pop(key, None)
    return {"study": section, **{k: raw[k] for k in ("report", "finance", "eligibility", "charging",
                                                     "overrides")
                                 if isinstance(raw.get(k), dict)}}


def run_confirmation(search: Search, study_file: Path, out: Path, *, jobs: int, resume: bool,
                     progress: bool | None,
                     backend: str = "loky") -> tuple[StudyResults, pd.DataFrame]:
    """Run the confirmation study into `out` (a normal results folder, report included),
    continuing an interrupted one; its results and the search's outputs for every option
    and reference policy (index: policy name)."""
    study = load_study(study_file)
    out.mkdir(exist_ok=True)
    unfinished = (out / "run.json").is_file() and (out / "checkpoints").is_dir()
    prepare(out, RUN, identity(study), resume=resume and unfinished, overwrite=True,
            changes=identity_changes)
    results = run_study(study, out, jobs=jobs, backend=backend, progress=progress)
    write_outputs(out, report=True)
    return results, policy_metrics(results, search.outputs, search.year)
