"""What a run prints, as a new user sees it (issue 22 items 3 and 10): labelled phases, a time
left that is not inflated by worker start-up, where to open the results, and a probabilistic
run (`run --uncertainty`, as the README writes it) that does not stop on the fixed run's
folder and shows its two chances side by side."""
from __future__ import annotations

from pathlib import Path

from conftest import DATA, ROOT

from sim.cli import main
from sim.study.montecarlo import Progress


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_time_left_is_measured_from_the_first_result_not_from_worker_start_up():
    # 2 workers, 10 s to start, then each replicate takes 1 s: 2 a second, 100 in all
    clock = Clock()
    bar = Progress(100, enabled=False, jobs=2, clock=clock)
    clock.t = 10.0
    bar.update()
    bar.update()
    assert bar.seconds_left() is None                    # too early to say: no wild guess
    clock.t = 11.0
    bar.update()
    bar.update()
    truth = (100 - 4) / 2
    assert truth / 1.5 <= bar.seconds_left() <= truth * 1.5  # counted from t=0: 7x too long


def _study(tmp: Path) -> Path:
    text = (DATA / "small_study.toml").read_text(encoding="utf-8")
    path = tmp / "study.toml"
    path.write_text(text.replace("../../", f"{ROOT.as_posix()}/").replace("runs = 6", "runs = 2"),
                    encoding="utf-8")
    return path


def test_run_uncertainty_beside_a_fixed_run_says_so_and_prints_where_to_look(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    study = _study(tmp_path)
    assert main(["run", str(study), "--jobs", "1", "--quiet", "--no-report"]) == 0
    fixed = (tmp_path / "results" / "small" / "target.csv").read_bytes()
    capsys.readouterr()
    assert main(["run", str(study), "--jobs", "1", "--uncertainty"]) == 0   # no --overwrite
    out, err = capsys.readouterr()
    folder = Path("results") / "small-uncertainty"
    assert (tmp_path / "results" / "small" / "target.csv").read_bytes() == fixed
    phases = [line for line in err.splitlines() if line.endswith(" ...")]
    assert phases == ["simulating 2 replicates of 6 policies on 1 process ...",  # 2 status quos
                      "writing tables ...",
                      "building report (figures, results.xlsx, report.html, eia.docx) ..."]
    assert "events only vs events and assumptions" in out
    assert f"report:       {folder / 'report.html'}" in out.splitlines()
    assert f"EIA evidence: {folder / 'eia.docx'}" in out.splitlines()
    page = (tmp_path / folder / "report.html").read_text(encoding="utf-8")
    assert "id='uncertainty'" in page and "chance of meeting target, events only" in page


def test_the_headline_a_run_prints_reads_the_tables_it_wrote_without_rebuilding_them(
        tmp_path, monkeypatch, capsys):
    """`run` builds each table once: the headline printed at the end reads the summary and EIA
    tables write_outputs built for the files (the summary table built a second time for the
    terminal was the old behaviour)."""
    from sim.outputs import registry

    built = []
    real = registry.summary_table

    def counted(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(registry, "summary_table", counted)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(_study(tmp_path)), "--jobs", "1", "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "2 replicates of 6 policies -> " in out      # the headline was printed
    assert len(built) == 1
