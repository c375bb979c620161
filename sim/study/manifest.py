"""The results folder's manifest: what was run, on what, with which versions."""
from __future__ import annotations

import hashlib
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.inputs.files import file_sha256

PACKAGES = ("mesa", "numpy", "pandas", "scipy", "matplotlib", "joblib", "pydantic", "dask")


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_commit(where: Path) -> str | None:
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                              text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def code_sha256() -> str:
    """A fingerprint of the model's source code (every module of the package)."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_manifest(study: Any, *, jobs: int, backend: str, started: str) -> dict[str, Any]:
    """The manifest of a study run (finished time added when the run ends)."""
    return {
        "study_file": str(study.path),
        "study_text": study.text,
        "study_name": study.spec.name,
        "seed": study.spec.seed,
        "runs": study.spec.runs,
        "population_file": study.population.source,
        "population_sha256": study.population.sha256,
        "population_size": len(study.population),
        "policies": [p.describe() for p in study.policies],
        "calibrations_fitted": {k: est.fitted_summary() for k, est in study.calibrations.items()},
        "overrides": study.overrides,
        # what the report is built with besides the results: recorded, so a rebuilt report
        # uses them as they were (sim.study.eia_rule), whatever is installed by then
        "calibrations_file": str(study.path.parent / study.spec.calibrations_file),
        "calibrations_sha256": file_sha256(study.path.parent / study.spec.calibrations_file),
        "calibrations_text": study.calibrations_text,
        "eia_rating_file": study.eia_rule.file,
        "eia_rating_sha256": study.eia_rule.sha256,
        "eia_rating_text": study.eia_rule.text,
        "uncertainty": bool(study.spec.uncertainty),
        "jobs": jobs,
        "backend": backend,
        "package_versions": package_versions(),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "git_commit": git_commit(Path(__file__).resolve().parent),
        "code_sha256": code_sha256(),
        "started": started,
        "finished": None,
    }
