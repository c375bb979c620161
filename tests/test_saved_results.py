"""A saved results folder reads back exactly, and a damaged or edited one is refused with one
clear line (exit 2), never a traceback and never different numbers."""
from __future__ import annotations

import json

import numpy as np
import pytest
from results_fixture import constructed

from sim.cli import main
from sim.errors import InputError
from sim.model.aggregates import AGGREGATES
from sim.study.results import StudyResults
from sim.study.storage import read_npz, sha256_of, write_checksums, write_npz


@pytest.fixture
def saved(tmp_path):
    constructed(with_persons=True).save(tmp_path)
    return tmp_path


def test_saved_results_read_back_exactly(saved):
    want, got = constructed(with_persons=True), StudyResults.load(saved)
    assert (got.n_replicates, got.policies, got.teams, got.meta) == \
        (want.n_replicates, want.policies, want.teams, want.meta)
    for name in AGGREGATES:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    assert len(got.persons) == 2
    for k, v in want.persons[0].items():
        np.testing.assert_array_equal(got.persons[0][k], v)


def _rerecord(folder):
    """Re-record the checksums, as an editor covering their tracks would."""
    write_checksums(folder / "checksums.json", [folder / "aggregates.npz", folder / "aggregates.json"])


def flip_npz(folder):
    data = bytearray((folder / "aggregates.npz").read_bytes())
    data[len(data) // 2] ^= 0x01
    (folder / "aggregates.npz").write_bytes(bytes(data))


def truncate_npz(folder):
    path = folder / "aggregates.npz"
    path.write_bytes(path.read_bytes()[:-100])


def flip_json(folder):
    path = folder / "aggregates.json"
    path.write_text(path.read_text().replace('"target": 100.0', '"target": 900.0'))


def edit_n_replicates(folder):
    path = folder / "aggregates.json"
    meta = json.loads(path.read_text())
    meta["n_replicates"] = 3
    path.write_text(json.dumps(meta))


def edit_n_replicates_and_checksums(folder):
    edit_n_replicates(folder)
    _rerecord(folder)


def drop_member_and_checksums(folder):
    arrays = read_npz(folder / "aggregates.npz")
    del arrays["eia_rep"]
    write_npz(folder / "aggregates.npz", arrays)
    _rerecord(folder)


def truncate_npz_and_checksums(folder):
    truncate_npz(folder)
    _rerecord(folder)


def pickle_in_npz_and_checksums(folder):
    arrays = read_npz(folder / "aggregates.npz")
    arrays["disparity"] = np.array([{"a": 1}], dtype=object)
    np.savez(folder / "aggregates.npz", **arrays)
    _rerecord(folder)


def no_checksums(folder):
    (folder / "checksums.json").unlink()


DAMAGE = [flip_npz, truncate_npz, flip_json, edit_n_replicates, edit_n_replicates_and_checksums,
          drop_member_and_checksums, truncate_npz_and_checksums, pickle_in_npz_and_checksums,
          no_checksums]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__ for d in DAMAGE])
def test_damaged_results_are_refused_with_one_line(saved, damage, capsys):
    damage(saved)
    with pytest.raises(InputError, match=r"aggregates\.(npz|json)|checksums\.json"):
        StudyResults.load(saved)
    assert main(["report", str(saved)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert not (saved / "report.html").exists()


def test_the_checksum_record_names_both_files(saved):
    record = json.loads((saved / "checksums.json").read_text())["sha256"]
    assert record == {name: sha256_of(saved / name) for name in ("aggregates.npz", "aggregates.json")}
