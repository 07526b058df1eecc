"""Key continuity: the warehouse records the fingerprint of its pseudonymisation key at first use,
refuses to ingest with another key (a deleted key file, a typo), and a deliberate rotation re-keys
every stored pseudonym so later files meet the same clients.

Pseudonyms expected here are computed with ``hmac`` directly from the BSN, not with the code under
test: HMAC(k1, bsn) before the rotation, HMAC(k2, HMAC(k1, bsn)) after it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest
from ijw_berichten import jw301, jw323, line

from jeugdhulp import key_rotation, localenv, pipeline, privacy
from jeugdhulp.privacy import PseudonymKeyError, PseudonymKeyMismatch

pytestmark = pytest.mark.integration

K1 = "3f9a1c0e7b2d4a6f8e1c3b5d7a9f0e2c4b6d8a1f3e5c7b9d"  # 48 random-looking hex characters
K2 = "b81e4f0a9c2d7e6b5a4f3c2d1e0b9a8f7e6d5c4b3a2f1e0d"
BSN_A, BSN_B = "999916348", "999990019"  # test range


def h(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


LATER = {"ingang": "2026-01-01", "eind": "2026-12-31", "dag": "2025-12-20"}  # no overlap with the first (TR302)


def _land(dirs, name: str, data: bytes) -> None:
    (dirs["landing"] / name).write_bytes(data)


def _ingest(db_url, dirs, key: str) -> dict:
    return pipeline.run_ingest(db_url, key, landing=dirs["landing"], archive=dirs["archive"],
                               quarantine=dirs["quarantine"])


def _clients(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT client_pseudoniem FROM core.client")}


def test_first_ingest_records_a_fingerprint_that_is_not_the_key(conn, db_url, data_dirs):
    _land(data_dirs, "a.xml", jw301("TW1", 250000001, bsn=BSN_A))
    _ingest(db_url, data_dirs, K1)
    rows = conn.execute("SELECT generatie, vingerafdruk FROM meta.pseudonym_sleutel").fetchall()
    assert len(rows) == 1 and rows[0][0] == 1
    fingerprint = rows[0][1]
    assert fingerprint == h(K1, "jeugdhulp:pseudoniem-sleutel-vingerafdruk:v1")
    assert K1 not in fingerprint and fingerprint != hashlib.sha256(K1.encode()).hexdigest()
    assert _clients(conn) == {h(K1, BSN_A)}


def test_another_key_is_refused_and_nothing_is_ingested(conn, db_url, data_dirs):
    """The issue's case: the key file is gone, a new key is made, BSN 999916348 would get a second
    core.client row. Now the stage step refuses before it opens a batch or touches a file."""
    _land(data_dirs, "a.xml", jw301("TW1", 250000001, bsn=BSN_A))
    _ingest(db_url, data_dirs, K1)
    batches = conn.execute("SELECT count(*) FROM meta.load_batch").fetchone()[0]
    manifest = conn.execute("SELECT count(*) FROM meta.file_manifest").fetchone()[0]

    _land(data_dirs, "b.xml", jw301("TW2", 250000002, bsn=BSN_A, **LATER))
    with pytest.raises(PseudonymKeyMismatch) as info:
        _ingest(db_url, data_dirs, K2)
    message = str(info.value)
    assert "not the key" in message and "Nothing was ingested" in message and "jeugdhulp key rotate" in message
    assert K1 not in message and K2 not in message
    assert _clients(conn) == {h(K1, BSN_A)}  # no second row for BSN 999916348
    assert conn.execute("SELECT count(*) FROM meta.load_batch").fetchone()[0] == batches
    assert conn.execute("SELECT count(*) FROM meta.file_manifest").fetchone()[0] == manifest
    assert (data_dirs["landing"] / "b.xml").exists()

    # with the right key the waiting file loads, for the same client
    _ingest(db_url, data_dirs, K1)
    assert _clients(conn) == {h(K1, BSN_A)}
    assert conn.execute("SELECT count(*) FROM core.toewijzing").fetchone()[0] == 2


@pytest.mark.parametrize("key", [
    "change-me-pseudonym-key",                 # .env.example
    "change-me-pseudonym-key-0123456789abcdef",
    "CHANGEME" + "0123456789abcdef" * 2,
    "my-secret-" + "0123456789abcdef" * 2,
    "password" + "0123456789abcdef" * 2,
    "k" * 64,                                   # one character
    "ab" * 32,                                  # two characters
    "0123456789abcdef"[:31],                    # short
])
def test_placeholder_or_weak_key_is_refused_before_anything_happens(conn, db_url, data_dirs, key):
    _land(data_dirs, "a.xml", jw301("TW1", 250000001, bsn=BSN_A))
    with pytest.raises(PseudonymKeyError) as info:
        _ingest(db_url, data_dirs, key)
    assert key not in str(info.value)
    assert conn.execute("SELECT count(*) FROM meta.pseudonym_sleutel").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM meta.load_batch").fetchone()[0] == 0


def test_rotation_rekeys_core_and_staging_and_later_files_meet_the_same_clients(conn, db_url, data_dirs, caplog):
    _land(data_dirs, "a.xml", jw301("TW1", 250000001, bsn=BSN_A))
    _land(data_dirs, "b.xml", jw301("TW2", 250000002, bsn=BSN_B))
    _land(data_dirs, "d.xml", jw323("D1", [line(ref="R1", nummer=250000001, bsn=BSN_A)]))
    _ingest(db_url, data_dirs, K1)
    assert _clients(conn) == {h(K1, BSN_A), h(K1, BSN_B)}
    lines_before = conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0]
    assert lines_before == 1

    with caplog.at_level(logging.DEBUG):
        result = key_rotation.rotate(db_url, K1, K2)
    assert result["generation"] == 2 and result["pseudonyms"] == 2
    assert not any(K1 in r.getMessage() or K2 in r.getMessage() for r in caplog.records)
    assert K1 not in repr(result) and K2 not in repr(result)

    chained = {bsn: h(K2, h(K1, bsn)) for bsn in (BSN_A, BSN_B)}
    assert _clients(conn) == set(chained.values())
    for table in ("core.toewijzing", "core.declaratie_regel", "staging.jw301_toegewezen_product",
                  "staging.jw323_prestatie"):
        assert {r[0] for r in conn.execute(f"SELECT client_pseudoniem FROM {table}")} <= set(chained.values()), table
    assert conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0] == lines_before
    assert conn.execute("SELECT client_pseudoniem FROM core.declaratie_regel").fetchone()[0] == chained[BSN_A]

    # the old key alone, and the new key alone, are refused; the chain loads for the same client
    _land(data_dirs, "e.xml", jw301("TW3", 250000003, bsn=BSN_A, **LATER))
    with pytest.raises(PseudonymKeyMismatch, match="generation 1, which a rotation replaced"):
        _ingest(db_url, data_dirs, K1)
    with pytest.raises(PseudonymKeyMismatch):
        _ingest(db_url, data_dirs, K2)
    _ingest(db_url, data_dirs, f"{K1} {K2}")
    assert _clients(conn) == set(chained.values())  # no new client: the same youth
    assert conn.execute("SELECT count(*) FROM core.toewijzing WHERE client_pseudoniem = %s",
                        (chained[BSN_A],)).fetchone()[0] == 2
    generations = conn.execute("SELECT generatie FROM meta.pseudonym_sleutel ORDER BY 1").fetchall()
    assert generations == [(1,), (2,)]


def test_rotation_needs_the_current_key_and_a_strong_new_one(conn, db_url, data_dirs):
    _land(data_dirs, "a.xml", jw301("TW1", 250000001, bsn=BSN_A))
    _ingest(db_url, data_dirs, K1)
    with pytest.raises(PseudonymKeyMismatch):
        key_rotation.rotate(db_url, K2, K1)  # not the current key: nothing changes
    with pytest.raises(PseudonymKeyError):
        key_rotation.rotate(db_url, K1, "change-me-pseudonym-key")
    with pytest.raises(PseudonymKeyError):
        key_rotation.rotate(db_url, K1, K1)
    assert _clients(conn) == {h(K1, BSN_A)}
    assert conn.execute("SELECT count(*) FROM meta.pseudonym_sleutel").fetchone()[0] == 1


def test_deleted_local_key_file_is_not_silently_replaced(conn, db_url, data_dirs, tmp_path, monkeypatch):
    monkeypatch.setenv("JEUGDHULP_LOCAL", str(tmp_path / "local"))
    key = localenv.local_pseudonym_key(db_url)  # first use, empty warehouse: a key is made
    assert localenv.pseudonym_key_path().stat().st_mode & 0o777 == 0o600
    _land(data_dirs, "a.xml", jw301("TW1", 250000001, bsn=BSN_A))
    _ingest(db_url, data_dirs, key)

    localenv.pseudonym_key_path().unlink()
    with pytest.raises(PseudonymKeyError, match="restore the key file"):
        localenv.local_pseudonym_key(db_url)
    assert not localenv.pseudonym_key_path().exists()
    assert localenv.local_pseudonym_key(None) != key  # no warehouse to check (not running): a new one ...
    _land(data_dirs, "b.xml", jw301("TW2", 250000002, bsn=BSN_A, **LATER))
    with pytest.raises(PseudonymKeyMismatch):  # ... which the ingest then refuses
        _ingest(db_url, data_dirs, localenv.pseudonym_key())
    assert _clients(conn) == {h(key, BSN_A)}


def test_key_from_env_refuses_the_env_example_placeholder(monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "change-me-pseudonym-key")
    with pytest.raises(PseudonymKeyError, match="placeholder|characters"):
        privacy.key_from_env()


def test_key_from_a_docker_secret_file(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    (tmp_path / "key").write_text(K1 + "\n")
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(tmp_path / "key"))
    assert privacy.key_from_env() == K1
