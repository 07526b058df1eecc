"""The embedded PostgreSQL helper: binary discovery and its error when there is none."""

from __future__ import annotations

import shutil
import sys

import pytest

from jeugdhulp import db


def test_missing_binaries_give_an_actionable_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PG_BIN", str(tmp_path))  # exists, but holds no initdb
    monkeypatch.setattr(db.glob, "glob", lambda pattern: [])
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "pgserver", None)  # import fails
    with pytest.raises(db.EmbeddedPostgresError) as err:
        db.find_bindir()
    assert "apt-get install postgresql" in str(err.value) and "pgserver" in str(err.value)


def test_pg_bin_wins(monkeypatch, tmp_path):
    for name in ("initdb", "pg_ctl", "postgres"):
        (tmp_path / name).write_text("#!/bin/sh\n")
    monkeypatch.setenv("PG_BIN", str(tmp_path))
    assert db.find_bindir() == tmp_path


def test_url_quotes_the_password(tmp_path):
    cluster = db.Cluster(tmp_path / "pg", 5999)
    cluster.password_file.write_text("p@ss/w:rd\n")
    assert cluster.url() == "postgresql://jeugdhulp:p%40ss%2Fw%3Ard@localhost:5999/warehouse"
    assert cluster.url("airflow", driver="postgresql+psycopg2").startswith("postgresql+psycopg2://")
