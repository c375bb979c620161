"""bench/speed_bench.py's own logic (the benchmark itself is not run in CI): it times the
README's sensitivity command, judges a target on the candidate's median, and names the CSVs
that differ between the two checkouts."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench/ is not installed: import it from this checkout

from bench.common import Measured
from bench.speed_bench import (
    BY_NAME,
    Pair,
    compare_csvs,
    markdown_table,
    parse_args,
    reference_checkout,
    summarise,
)


def test_the_sensitivity_target_is_the_readmes_command_verbatim():
    command = "python run_sim.py " + " ".join(BY_NAME["sensitivity"].full)
    assert f"`{command}`" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_compare_csvs_names_files_that_differ_or_only_one_side_wrote(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for side in (a, b):
        (side / "sub").mkdir(parents=True)
        (side / "x.csv").write_text("k,v\n1,2\n")
        (side / "sub" / "y.csv").write_text("k\n1\n")
        (side / "ignored.json").write_text(side.name)  # only CSVs are compared
    assert compare_csvs(a, b) == "identical (2 CSVs)"
    (b / "sub" / "y.csv").write_text("k\n2\n")
    (a / "z.csv").write_text("")
    assert compare_csvs(a, b) == "DIFFERENT: sub/y.csv, z.csv (candidate only)"


def _pair(cand_s: float, ref_s: float, cand_mb: float = 500.0) -> Pair:
    return Pair("run", 0, "candidate", Measured(cand_s, cand_mb, cand_mb),
                Measured(ref_s, 1000.0, 1000.0), 1.0, 1.1)


def test_a_target_is_judged_on_the_candidates_median_and_memory_on_its_peak():
    rows = summarise([_pair(14.0, 60.0), _pair(30.0, 62.0), _pair(12.0, 61.0, 1100.0)],
                     quick=False)
    run, memory = rows
    assert (run.candidate, run.reference, run.passed) == (14.0, 61.0, True)
    assert run.ratio == pytest.approx(61.0 / 14.0)
    assert (memory.candidate, memory.passed) == (500.0, True)
    slow = summarise([_pair(16.0, 60.0, 1100.0)], quick=False)
    assert [r.passed for r in slow] == [False, False]
    assert [r.passed for r in summarise([_pair(16.0, 60.0)], quick=True)] == [None, None]


def test_the_table_shows_ratio_verdict_and_calibrator_of_each_pair():
    table = markdown_table(summarise([_pair(16.0, 60.0)], quick=False))
    assert table[2] == ("| default study, 1,000 replicates, tables and report | 15 s | 16.0 s | "
                        "60.0 s | 3.75 | NO | 1.00/1.10 |")
    assert table[3].startswith("| peak memory of that run (all processes) | 1024 MB | 500 MB | "
                               "1,000 MB | 2.00 | yes |")


@pytest.mark.parametrize("argv", [["--only", "memory"], ["--repeat", "0"],
                                  ["--candidate", "/nonexistent"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_args(argv)
    assert exc.value.code == 2


def test_a_reference_that_is_not_a_commit_exits_2_before_any_worktree(capsys):
    with pytest.raises(SystemExit) as exc, reference_checkout("no-such-ref-speed-bench"):
        pass
    assert exc.value.code == 2
    assert "--reference no-such-ref-speed-bench: not a commit" in capsys.readouterr().err
