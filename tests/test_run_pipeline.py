"""How a run moves replicates between processes: the workers get every chunk's blocks at once
(so they keep working while finished chunks are summarised and saved), send back block
summaries rather than raw arrays, and are let go when the replicates are done; chunk
summaries are the same bytes however the replicates were split into blocks."""
from __future__ import annotations

import pickle
import subprocess
import sys
import weakref

import numpy as np
import psutil
import pytest
from conftest import DATA

from sim.model.aggregates import AGGREGATES, ROWS
from sim.study import montecarlo
from sim.study.montecarlo import run_block, summarise_block
from sim.study.results import BlockSummary, ChunkFold, ChunkSummary
from sim.study.runner import new_results, run_spec, run_study
from sim.study.study_file import load_study

SMALL = DATA / "small_study.toml"


@pytest.fixture(scope="module")
def study():
    return load_study(SMALL, runs=6)


@pytest.fixture(scope="module")
def replicates(study):
    spec = run_spec(study)
    return spec, [r for block in ([0, 1], [2], [3, 4, 5]) for r in run_block(spec, block)]


def test_a_chunk_is_the_same_bytes_however_its_replicates_were_split_into_blocks(study,
                                                                                 replicates):
    """Float sums added in replicate order, counts totalled exactly, rows in order: the
    chunk from blocks {0,1},{2},{3,4,5} (given out of order) equals the chunk of all six."""
    _, results = replicates
    years = new_results(study).years
    whole = ChunkSummary.of(results, years)
    parts = [BlockSummary.of(results[a:b], years) for a, b in ((3, 6), (0, 2), (2, 3))]
    split = ChunkSummary.of_blocks(parts)
    assert split.replicates == whole.replicates == list(range(6))
    for name, agg in AGGREGATES.items():
        a, b = whole.values[name], split.values[name]
        assert a.dtype == b.dtype == np.dtype(agg.dtype) and a.tobytes() == b.tobytes(), name
    # and the old way: each replicate's value in the register's dtype, added one by one
    for name, agg in AGGREGATES.items():
        per = [agg.derive(r.raw, years).astype(agg.dtype) for r in results]
        want = np.stack(per) if agg.fold == ROWS else sum(per[1:], per[0])
        assert want.tobytes() == whole.values[name].tobytes(), name


def test_workers_send_back_summaries_much_smaller_than_the_raw_arrays(study):
    """What crosses from a worker for a block of four replicates is
    under half the pickled raw arrays: the histograms of every group are totalled in the
    worker, so the main process receives one per block, not one per replicate."""
    spec, years = run_spec(study), new_results(study).years
    spec.reservoir_replicates = 0
    raw = len(pickle.dumps(run_block(spec, [0, 1, 2, 3])))
    summary = summarise_block(spec, [0, 1, 2, 3], years)
    assert len(pickle.dumps(summary)) < 0.5 * raw
    assert summary.counts["eia_hist"].shape == AGGREGATES["eia_hist"].shape(
        new_results(study).sizes())


def test_every_chunk_goes_to_the_workers_at_once(study, monkeypatch, tmp_path):
    """Six replicates in three chunks: one parallel map for all of them (a map per chunk
    would leave the workers idle while each chunk is summarised and saved)."""
    calls = []
    real = montecarlo.Parallel

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(montecarlo, "Parallel", counting)
    (tmp_path / "run").mkdir()
    run_study(study, tmp_path / "run", jobs=2, progress=False)
    assert len(calls) == 1


def test_the_workers_are_let_go_when_the_replicates_are_done(study, tmp_path):
    """No idle worker process keeps its memory while the tables and report are built."""
    (tmp_path / "run").mkdir()
    run_study(study, tmp_path / "run", jobs=2, progress=False)
    children = [p for p in psutil.Process().children(recursive=True)
                if "resource_tracker" not in " ".join(p.cmdline())]
    assert children == []


def test_a_block_is_folded_and_let_go_once_every_earlier_replicate_has_been(study, replicates):
    """The main process keeps only the blocks that came early: {0,1} then {3,4,5} then {2}:
    {0,1} is folded (nothing holds it), {3,4,5} waits for 2, and after {2} nothing waits.
    The chunk is the same bytes as every block at once."""
    _, results = replicates
    years = new_results(study).years
    parts = {span: BlockSummary.of(results[span[0]:span[1]], years)
             for span in ((0, 2), (3, 6), (2, 3))}
    fold, alive = ChunkFold(list(range(6))), {}
    for span in list(parts):
        block = parts.pop(span)
        alive[span] = weakref.ref(block)
        fold.add(block)
        del block
        if span == (0, 2):
            assert alive[(0, 2)]() is None and not fold.complete
        if span == (3, 6):
            assert alive[(3, 6)]() is not None         # waits for replicate 2
    assert fold.complete and all(ref() is None for ref in alive.values())
    whole = ChunkSummary.of(results, years)
    for name, value in fold.summary().values.items():
        assert value.tobytes() == whole.values[name].tobytes(), name
    with pytest.raises(ValueError, match="only 2 folded"):
        early = ChunkFold(list(range(6)))
        early.add(BlockSummary.of(results[:2], years))
        early.summary()


def test_a_worker_runs_its_replicates_without_scipy_stats_or_openpyxl(study, tmp_path):
    """A worker imports what unpickling the run and running a block need: not scipy.stats
    (~35 MB, half a second) nor openpyxl, which only reading inputs uses."""
    spec = run_spec(study)
    (tmp_path / "spec.pkl").write_bytes(pickle.dumps(spec))
    code = ("import pickle, sys\n"
            f"spec = pickle.loads(open({str(tmp_path / 'spec.pkl')!r}, 'rb').read())\n"
            "from sim.study.montecarlo import run_block\n"
            "run_block(spec, [0, 1])\n"
            "print(sorted(m for m in ('scipy.stats', 'openpyxl') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(DATA.parent.parent))
    assert out.stdout.strip() == "[]"
