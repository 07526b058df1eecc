"""How many parse worker processes stage uses (JEUGDHULP_PARSE_WORKERS, else from the cores)."""

from __future__ import annotations

import pytest

from jeugdhulp import parse_pool


def test_env_sets_the_number_of_workers(monkeypatch):
    monkeypatch.setenv(parse_pool.PARSE_WORKERS_ENV, "3")
    assert parse_pool.parse_workers() == 3
    monkeypatch.setenv(parse_pool.PARSE_WORKERS_ENV, "0")  # parse in the staging process
    assert parse_pool.parse_workers() == 0


def test_a_wrong_value_is_refused(monkeypatch):
    monkeypatch.setenv(parse_pool.PARSE_WORKERS_ENV, "two")
    with pytest.raises(ValueError, match=parse_pool.PARSE_WORKERS_ENV):
        parse_pool.parse_workers()


@pytest.mark.parametrize(("cores", "workers"), [(1, 0), (2, 2), (3, 2), (4, 3), (8, 4), (64, 4)])
def test_default_follows_the_cores(monkeypatch, cores, workers):
    monkeypatch.delenv(parse_pool.PARSE_WORKERS_ENV, raising=False)
    monkeypatch.setattr(parse_pool.os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert parse_pool.parse_workers() == workers


def test_pseudonymiser_copy_carries_the_key_not_the_bsns():
    import pickle

    from jeugdhulp.privacy import Pseudonymiser

    p = Pseudonymiser("k" * 32)
    pseudonym = p("999990019")
    copy = pickle.loads(pickle.dumps(p))
    assert b"999990019" not in pickle.dumps(p)
    assert copy("999990019") == pseudonym


def test_a_broken_pool_parses_in_process():
    """A worker that dies (killed, out of memory) breaks the pool: its files are parsed here."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from jeugdhulp.privacy import Pseudonymiser

    parser = parse_pool._Parser(parse_pool._Preparer(Pseudonymiser("k" * 32), {}, 1, None, "utf-8"), 0, 0)
    broken = Future()
    broken.set_exception(BrokenProcessPool("a worker died"))
    (prepared,) = parser.result(broken, [("empty.xml", b"", "0" * 64)])
    assert prepared.name == "empty.xml" and prepared.reason == "file is empty"
    assert parser.parsed["in-process"] == 1
