"""One results folder written from the hand-built results (results_fixture), with every
output, shared by the tests of the report, the workbook, the EIA document and the browser:
built once per test process, removed when it ends."""
from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

from results_fixture import constructed

from sim.outputs.write import write_outputs

META = {"calibration_descriptions": {"a": "One price per point", "b": "Bands by need"},
        "transitions": {"immediate": "Scenario 1: everyone moves at once",
                        "phased": "Scenario 4: over two reviews",
                        "capped_both": "Scenario 5: capped both ways"},
        "transition_parameters": {
            "immediate": {"covers": "all", "material_change": 0.2, "phases": 1,
                          "phase_gains": True, "max_loss": None, "max_gain": None,
                          "protect_critical": False, "protect_years": None,
                          "recommended": False, "description": "Scenario 1: everyone moves at once"},
            "phased": {"covers": "all", "material_change": 0.2, "phases": 2, "phase_gains": True,
                       "max_loss": 0.1, "max_gain": None, "protect_critical": True,
                       "protect_years": 2.0, "recommended": True,
                       "description": "Scenario 4: over two reviews"}},
        "redistribution": [{"calibration": "a", "people": 100, "gaining": 60, "losing": 39,
                            "gross_gained_budget": 123_000.0, "gross_lost_budget": 456_000.0,
                            "net_budget": -333_000.0, "gross_gained_cash": 110_000.0,
                            "gross_lost_cash": 400_000.0, "net_cash": -290_000.0}],
        "population": {"synthetic": True, "size": 100,
                       "description": "Made up for the <b>tests</b>."}}
MANIFEST = {"seed": 7, "runs": 4, "note": "<i>run</i>",
            "population_file": "/home/officer/secret/pop.csv",
            "study_file": "/home/officer/studies/x.toml",
            "started": "2026-01-02T03:00:00+00:00", "finished": "2026-01-02T03:04:05+00:00"}


@functools.cache
def built() -> tuple[Path, tuple[Path, ...]]:
    """The folder and the paths write_outputs wrote."""
    folder = Path(tempfile.mkdtemp(prefix="ras-sim-report-"))
    atexit.register(shutil.rmtree, folder, True)
    res = constructed(with_persons=True)
    res.meta.update(META)
    (folder / "manifest.json").write_text(json.dumps(MANIFEST), encoding="utf-8")
    res.save(folder, covering=("manifest.json",))  # as a run records it
    return folder, tuple(write_outputs(folder))
