"""Stacked replicates (sim.model.stack): a block of replicates run as one model gives each
replicate exactly the numbers it gets alone, and the per-agent reference's."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.model.care_model import CareModel
from sim.model.charging import annual_charges, slot_charges
from sim.model.draws import draw
from sim.model.reference import ReferenceModel
from sim.model.stack import offsets, stack_worlds
from sim.model.world import simulate
from sim.study.montecarlo import RunSpec, blocks, run
from conftest import DATA, ROOT
from test_reference import GO_LIVE, T, setup  # noqa: F401  (the reference's fixture)

from sim.cli import main

SMALL = DATA / "small_study.toml"

SEEDS = (2024, 7, 99)


def _world(pop, params, policies, seed):
    d = draw(pop, params, np.random.SeedSequence(seed), T)
    charges = slot_charges(annual_charges(pop, params, [p.standard_dre for p in policies]),
                           d.source)
    return d, simulate(pop, params, d, T, GO_LIVE), charges


@pytest.mark.parametrize("setup", ["exact"], indirect=True)
def test_each_replicate_of_a_block_matches_the_reference_model(setup):  # noqa: F811
    """Three replicates stacked in one model: each one's budgets (every person, policy and
    month's end), spend, contributions, admissions, reviews and eligibility endings equal
    the per-agent reference model run on that replicate's own draws."""
    pop, params, _, policies, cals = setup
    parts = [_world(pop, params, policies, s) for s in SEEDS]
    stacked = CareModel(world=stack_worlds([w for _, w, _ in parts]), policies=policies,
                        calibrations=cals, params=params, snapshots=(GO_LIVE + 6, T - 1),
                        charges=np.concatenate([c for _, _, c in parts], axis=1),
                        parts=[w for _, w, _ in parts]).run()
    lo = offsets([w for _, w, _ in parts])
    assert stacked.world.cap == lo[-1] > 3 * len(pop)
    for k, (d, w, _) in enumerate(parts):
        ref = ReferenceModel(population=pop, params=params, draws=d, n_months=T,
                             go_live=GO_LIVE, policies=policies, calibrations=cals)
        for _ in range(T):
            ref.step()
        view = stacked.replicate(k)
        budgets = np.zeros((len(policies), w.cap))
        for agent in ref.agents:
            budgets[:, agent.slot] = agent.pence
        alive = w.alive[T - 1]
        np.testing.assert_array_equal(stacked.pence[:, lo[k]:lo[k + 1]][:, alive],
                                      budgets[:, alive])
        np.testing.assert_array_equal(view.spend[:, :, 0], ref.spend)
        np.testing.assert_array_equal(view.contributions, ref.contributions)
        np.testing.assert_array_equal(view.admissions, ref.admissions)
        np.testing.assert_array_equal(view.community_reviews, ref.community_reviews)
        np.testing.assert_array_equal(stacked.ended_month[k], ref.ended)
        assert view.admissions.sum() > 0 and stacked.ended_month[k, :, :, 0].sum() > 0
    # the replicates really differ, so a mix-up between them would show
    assert len({float(stacked.replicate(k).spend[0, -1, 0]) for k in range(3)}) == 3


@pytest.mark.parametrize("setup", ["exact"], indirect=True)
def test_a_stacked_replicate_reduces_to_the_same_bytes_as_alone(setup):  # noqa: F811
    """Every aggregate of a replicate (spend, EIA tallies, users, residential spend...) is
    byte-identical run alone or as the middle of a block of three."""
    from sim.model.reductions import replicate_result

    pop, params, _, policies, cals = setup
    parts = [_world(pop, params, policies, s) for s in SEEDS]
    kw = dict(policies=policies, calibrations=cals, params=params, snapshots=(GO_LIVE + 6,))
    alone = CareModel(world=parts[1][1], charges=parts[1][2], **kw).run()
    block = CareModel(world=stack_worlds([w for _, w, _ in parts]),
                      charges=np.concatenate([c for _, _, c in parts], axis=1),
                      parts=[w for _, w, _ in parts], **kw).run()
    a = replicate_result(alone, 1, True, pop.teams)
    b = replicate_result(block.replicate(1), 1, True, pop.teams)
    assert a.raw.keys() == b.raw.keys()
    for key in a.raw:
        assert np.asarray(a.raw[key]).tobytes() == np.asarray(b.raw[key]).tobytes(), key
    for key in a.persons:
        np.testing.assert_array_equal(a.persons[key], b.persons[key], err_msg=key)


def test_a_stacked_model_will_not_answer_for_one_replicate(setup):  # noqa: F811
    pop, params, _, policies, cals = setup
    parts = [_world(pop, params, policies, s)[1] for s in SEEDS[:2]]
    m = CareModel(world=stack_worlds(parts), policies=policies, calibrations=cals,
                  params=params, parts=parts)
    with pytest.raises(ValueError, match="replicate"):
        m.spend
    with pytest.raises(ValueError, match="people"):
        CareModel(world=parts[0], policies=policies, calibrations=cals, params=params,
                  parts=parts)


def test_blocks_cover_every_replicate_once_in_order_at_most_block_size():
    spec = RunSpec(population=None, params=None, policies=[], calibrations={}, n_months=1,
                   go_live=0, snapshots=(), seed=0, reservoir_replicates=0, block_size=7)
    for n in (0, 1, 6, 7, 8, 50, 101):
        for workers in (1, 2, 3):
            b = blocks(list(range(n)), spec, workers)
            assert [r for block in b for r in block] == list(range(n))
            assert all(1 <= len(block) <= 7 for block in b)
            assert n == 0 or len(b) % workers == 0 or len(b) == n
    assert blocks(list(range(5)), dataclasses.replace(spec, uncertainty=object())) == \
        [[0], [1], [2], [3], [4]]   # drawn parameters: every replicate its own model


def _study_with_blocks(tmp_path, block_size: int):
    path = tmp_path / f"study_b{block_size}.toml"
    path.write_text(SMALL.read_text().replace("runs = 6", "runs = 12")
                    .replace("chunk_size = 2", f"chunk_size = 5\nblock_size = {block_size}")
                    .replace("../../", f"{ROOT.as_posix()}/"))
    return path


def test_block_sizes_1_7_and_50_give_identical_tables(tmp_path):
    """Every CSV table of a 12-replicate study is the same file whatever the block size
    (1, 7, 50: one replicate a model, blocks cut by the chunks, all of a chunk in one
    model) and the number of jobs."""
    written = {}
    for block_size, jobs in ((1, "1"), (7, "2"), (50, "1")):
        out = tmp_path / f"b{block_size}"
        assert main(["run", str(_study_with_blocks(tmp_path, block_size)), "--out", str(out),
                     "--quiet", "--no-report", "--jobs", jobs]) == 0
        written[block_size] = {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}
    assert len(written[1]) > 10
    assert written[1] == written[7] == written[50]


def test_the_stacked_path_really_stacks(monkeypatch):
    """With block_size 7, a chunk of 12 replicates runs as two models (not twelve), and a
    probabilistic run gives each replicate its own model."""
    import sim.study.montecarlo as mc
    from sim.study.runner import new_results, run_spec
    from sim.study.study_file import load_study

    built = []
    original = mc.build_block
    monkeypatch.setattr(mc, "build_block", lambda spec, reps: built.append(list(reps))
                        or original(spec, reps))
    study = load_study(SMALL, runs=12)
    spec = dataclasses.replace(run_spec(study), block_size=7)
    run(spec, new_results(study), 12, 12, jobs=1, progress=False)
    assert built == [list(range(0, 6)), list(range(6, 12))]
