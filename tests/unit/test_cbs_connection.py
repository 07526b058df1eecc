"""The CBS client built from the Airflow HTTP connection cbs_statline (env AIRFLOW_CONN_…)."""

from __future__ import annotations

import json

import pytest

from jeugdhulp.cbs.connection import client_from_connection


@pytest.fixture(autouse=True)
def no_conn(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_CBS_STATLINE", raising=False)


def test_without_the_connection_the_public_cbs_hosts_are_used():
    c = client_from_connection()
    assert c.bases == {"v4": "https://odata4.cbs.nl", "v3": "https://opendata.cbs.nl"}


def test_the_connection_sets_host_headers_timeout_and_retries(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CBS_STATLINE", json.dumps({
        "conn_type": "http", "host": "https://odata4.cbs.nl",
        "extra": {"User-Agent": "jeugdhulp-ijsselland", "timeout": 30},
    }))
    monkeypatch.setenv("JEUGDHULP_CBS_ATTEMPTS", "3")
    monkeypatch.setenv("JEUGDHULP_CBS_BACKOFF", "0.5")
    c = client_from_connection()
    assert c.bases == {"v4": "https://odata4.cbs.nl", "v3": "https://opendata.cbs.nl"}
    assert c.session.headers["User-Agent"] == "jeugdhulp-ijsselland"
    assert c.timeout == 30.0 and c.attempts == 3 and c.backoff == 0.5


def test_another_host_serves_both_apis(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CBS_STATLINE", "http://127.0.0.1:8123")
    assert client_from_connection().bases == {"v4": "http://127.0.0.1:8123", "v3": "http://127.0.0.1:8123"}
