"""A non-editable install carries the default study, parameters and population."""
from __future__ import annotations

import os
import subprocess
import tomllib
import venv

import pytest
from conftest import ROOT


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    assert found <= listed, f"missing from pyproject packages: {sorted(found - listed)}"


@pytest.mark.slow
def test_installed_wheel_runs_the_default_study_from_another_folder(tmp_path):
    """`pip install .` (not editable; dependencies from the system site here)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the venv's own sim only
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)], check=True,
                   capture_output=True, env=env)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(py), "-c", "import sim, sim.paths; print(sim.__file__); "
                            "print(sim.paths.DEFAULT_STUDY)"], cwd=elsewhere, check=True, env=env,
                           capture_output=True, text=True).stdout.split()
    assert all(str(env_dir) in w for w in where), where
    done = subprocess.run([str(env_dir / "bin" / "run-sim"), "--runs", "2", "--quiet",
                           "--no-report", "--jobs", "1"], cwd=elsewhere, capture_output=True, env=env,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "results" / "default" / "target.csv").is_file()
