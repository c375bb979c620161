"""A non-editable install carries the default study, parameters and population."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest
from conftest import ROOT


def test_every_subpackage_is_listed_for_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    assert found <= listed, f"missing from pyproject packages: {sorted(found - listed)}"


@pytest.mark.slow
def see_the_running_environment(env_dir) -> None:
    """Let a new venv import the dependencies of the interpreter running pytest.

    `system_site_packages` reaches only the base interpreter's site: when pytest itself runs in
    a venv (the README's `pip install -e ".[test]"` in a fresh venv), pandas and the rest live in
    that venv. Plain path lines in a .pth add its folders without running its .pth files, so its
    editable `sim` stays out and the wheel installed into the new venv is the one imported.
    """
    site = Path(subprocess.run([str(env_dir / "bin" / "python"), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    outer = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "running_environment.pth").write_text("".join(f"{p}\n" for p in outer))


def test_installed_wheel_runs_the_default_study_from_another_folder(tmp_path):
    """`pip install .` (not editable; dependencies from the environment running the tests)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the venv's own sim only
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    if sys.prefix != sys.base_prefix:
        see_the_running_environment(env_dir)
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
