"""Checkpoints never run code, and a damaged one is recomputed: the run still ends with the
tables of an uninterrupted run.  Also: a new aggregate is one register entry."""
from __future__ import annotations

import json
import pickle
import shutil

import numpy as np
import pytest
from conftest import DATA

from sim.cli import main
from sim.model.aggregates import AGGREGATES, ROWS, SUM, Aggregate
from sim.study.results import StudyResults
from sim.study.storage import read_npz, sha256_of, write_npz

SMALL = DATA / "small_study.toml"  # 6 replicates in chunks of 2


def run_cli(*args: str) -> int:
    return main(["run", str(SMALL), *args, "--quiet", "--no-report", "--jobs", "1"])


def interrupt(out, monkeypatch, after: int) -> None:
    """Run into `out`, stopped as by Ctrl-C once `after` replicates are folded."""
    fold = StudyResults.fold_chunk

    def stop(self, chunk):
        if self.n_replicates >= after:
            raise KeyboardInterrupt
        fold(self, chunk)

    with monkeypatch.context() as m:
        m.setattr(StudyResults, "fold_chunk", stop)
        assert run_cli("--out", str(out)) == 130


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    assert run_cli("--out", str(out)) == 0
    return out


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run stopped after its three chunks were checkpointed, before the results were saved."""
    out = tmp_path_factory.mktemp("stopped") / "run"
    with pytest.MonkeyPatch.context() as mp:
        interrupt(out, mp, after=4)
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "chunk_00000.npz", "chunk_00001.npz", "chunk_00002.npz", "index.json"]
    assert not (out / "aggregates.npz").exists()
    return out


@pytest.fixture
def stopped(interrupted, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(interrupted, out)
    return out


def assert_same_results(out, reference):
    assert (out / "spend.csv").read_bytes() == (reference / "spend.csv").read_bytes()
    a, b = StudyResults.load(out), StudyResults.load(reference)
    assert a.n_replicates == b.n_replicates == 6
    for name in AGGREGATES:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for pa, pb in zip(a.persons, b.persons, strict=True):
        for k in pa:
            np.testing.assert_array_equal(pa[k], pb[k])
    assert not (out / "checkpoints").exists()


def test_resume_from_intact_checkpoints_computes_nothing_and_matches(stopped, reference, capsys,
                                                                     monkeypatch):
    import sim.study.montecarlo as mc

    def no_replicates(*args, **kwargs):
        raise AssertionError("an intact chunk was recomputed")

    monkeypatch.setattr(mc, "run_block", no_replicates)   # what the run path calls
    assert run_cli("--out", str(stopped), "--resume") == 0
    assert "note:" not in capsys.readouterr().err
    assert_same_results(stopped, reference)


class Payload:
    """Unpickling this creates a file: the mark of a checkpoint that ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_crafted_pickle_checkpoint_is_never_unpickled(stopped, reference, tmp_path, capsys):
    marker = tmp_path / "pwned"
    shutil.rmtree(stopped / "checkpoints")
    (stopped / "checkpoints").mkdir()
    for k in range(3):  # the old checkpoint names: chunk_<k>.pkl
        (stopped / "checkpoints" / f"chunk_{k:05d}.pkl").write_bytes(pickle.dumps(Payload(marker)))
    assert run_cli("--out", str(stopped), "--resume") == 0
    assert not marker.exists()
    assert "pickle" in capsys.readouterr().err
    assert_same_results(stopped, reference)


def test_an_npz_holding_a_pickle_is_refused_even_with_a_matching_checksum(stopped, reference,
                                                                         tmp_path, capsys):
    marker = tmp_path / "pwned"
    chunk = stopped / "checkpoints" / "chunk_00000.npz"
    arrays = read_npz(chunk)
    arrays["eia_sum"] = np.array([Payload(marker)], dtype=object)
    np.savez(chunk, **arrays)  # numpy's default writer pickles object arrays
    index = json.loads((stopped / "checkpoints" / "index.json").read_text())
    index["chunks"][chunk.name]["sha256"] = sha256_of(chunk)
    (stopped / "checkpoints" / "index.json").write_text(json.dumps(index))
    assert run_cli("--out", str(stopped), "--resume") == 0
    assert not marker.exists()
    assert "chunk_00000.npz" in capsys.readouterr().err
    assert_same_results(stopped, reference)


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _drop_member(path):
    """A well-formed archive missing an array, recorded as if it were complete."""
    arrays = read_npz(path)
    del arrays["eia_sum"]
    write_npz(path, arrays)
    index_path = path.parent / "index.json"
    index = json.loads(index_path.read_text())
    index["chunks"][path.name]["sha256"] = sha256_of(path)
    index_path.write_text(json.dumps(index))


@pytest.mark.parametrize("damage", [_flip, _truncate, _drop_member, lambda p: p.unlink()],
                         ids=["flipped_bytes", "truncated", "missing_member", "deleted"])
def test_a_damaged_chunk_is_recomputed(stopped, reference, capsys, damage):
    damage(stopped / "checkpoints" / "chunk_00001.npz")
    assert run_cli("--out", str(stopped), "--resume") == 0
    err = capsys.readouterr().err
    assert "chunk_00001.npz" in err and "recomputing" in err
    assert len(err.strip().splitlines()) == 1  # one line, for the damaged chunk only
    assert_same_results(stopped, reference)


def test_a_damaged_index_recomputes_every_chunk(stopped, reference, capsys):
    (stopped / "checkpoints" / "index.json").write_text('{"format": "ras-sim checkp')
    assert run_cli("--out", str(stopped), "--resume") == 0
    assert "index.json" in capsys.readouterr().err
    assert_same_results(stopped, reference)


def test_a_new_aggregate_is_one_register_entry(tmp_path, monkeypatch):
    """Registered and nothing else: it is summarised, checkpointed, folded, saved and loaded."""
    monkeypatch.setitem(AGGREGATES, "people_fy", Aggregate(
        "people_fy", "PF", "people-months by financial year", np.float64, ROWS,
        lambda raw, fy: fy.totals(raw["users_month"].sum(axis=2).astype(float))))
    monkeypatch.setitem(AGGREGATES, "admissions_month_sum", Aggregate(
        "admissions_month_sum", "PT", "admissions by month", np.float64, SUM,
        lambda raw, fy: raw["admissions_month"]))
    out = tmp_path / "run"
    interrupt(out, monkeypatch, after=2)   # so the resumed run reads a checkpoint back
    assert "people_fy" in read_npz(out / "checkpoints" / "chunk_00000.npz")
    assert run_cli("--out", str(out), "--resume") == 0
    res = StudyResults.load(out)
    assert res.people_fy.shape == (6, len(res.policies), len(res.financial_years))
    np.testing.assert_allclose(res.people_fy.sum(axis=0),
                               res.years.totals(res.users_month_sum.sum(axis=2)))
    np.testing.assert_allclose(res.admissions_month_sum.sum(axis=1), res.admissions_fy.sum(axis=(0, 2)))
    assert res.people_fy.min() > 0
