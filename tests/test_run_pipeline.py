"""How a run moves replicates between processes: the workers get every chunk's blocks at once
(so they keep working while finished chunks are summarised and saved), send back block
summaries rather than raw arrays, and are let go when the replicates are done; chunk
summaries are the same bytes however the replicates were split into blocks."""
from __future__ import annotations

import pickle

import numpy as np
import psutil
import pytest
from conftest import DATA

from sim.model.aggregates import AGGREGATES, ROWS
from sim.study import montecarlo
from sim.study.montecarlo import run_block, summarise_block
from sim.study.results import BlockSummary, ChunkSummary
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
    """What crosses from a worker for a block of four replicates (the default block) is
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
