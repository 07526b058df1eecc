"""`jeugdhulp key status` and `jeugdhulp key rotate` on a local setup (key in .local/secrets)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from ijw_berichten import jw301

from jeugdhulp import cli, localenv, pipeline

pytestmark = pytest.mark.integration

K1 = "3f9a1c0e7b2d4a6f8e1c3b5d7a9f0e2c4b6d8a1f3e5c7b9d"
K2 = "b81e4f0a9c2d7e6b5a4f3c2d1e0b9a8f7e6d5c4b3a2f1e0d"
BSN = "999916348"


@pytest.fixture
def local(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("JEUGDHULP_LOCAL", str(tmp_path / "local"))
    monkeypatch.setenv("JEUGDHULP_WAREHOUSE_URL", db_url)
    monkeypatch.delenv("JEUGDHULP_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("JEUGDHULP_PSEUDONYM_KEY_FILE", raising=False)
    path = localenv.pseudonym_key_path()
    path.parent.mkdir(parents=True)
    path.write_text(K1 + "\n")
    path.chmod(0o600)
    return path


def test_status_and_rotate_from_the_command_line(local, db_url, data_dirs, tmp_path, capsys, conn):
    (data_dirs["landing"] / "a.xml").write_bytes(jw301("TW1", 250000001, bsn=BSN))
    pipeline.run_ingest(db_url, localenv.pseudonym_key(), **data_dirs)

    assert cli.main(["key", "status"]) == 0
    out = capsys.readouterr().out
    assert "generation 1" in out and "is the warehouse's current key" in out

    (tmp_path / "new.key").write_text(K2 + "\n")
    assert cli.main(["key", "rotate", "--new-key-file", str(tmp_path / "new.key")]) == 0
    out = capsys.readouterr().out
    assert "rotated to generation 2" in out and K1 not in out and K2 not in out
    assert local.read_text().split() == [K1, K2] and local.stat().st_mode & 0o777 == 0o600
    chained = hmac.new(K2.encode(), hmac.new(K1.encode(), BSN.encode(), hashlib.sha256).hexdigest().encode(),
                       hashlib.sha256).hexdigest()
    assert conn.execute("SELECT client_pseudoniem FROM core.client").fetchall() == [(chained,)]

    assert cli.main(["key", "status"]) == 0
    capsys.readouterr()
    local.write_text(K1 + "\n")  # the old key file restored from an old backup
    assert cli.main(["key", "status"]) == 1
    err = capsys.readouterr().err
    assert "generation 1, which a rotation replaced" in err and K1 not in err
