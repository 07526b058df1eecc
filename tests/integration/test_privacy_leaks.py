"""No personal value from a hostile file reaches the manifest, the dq tables, the log or XCom.

Every file of tests/personal_values.py (a malformed BSN, birth date, sex, name, initials, postcode,
house number, street, town; broken XML inside a name) goes through stage -> validate -> publish as
the DAG runs them, with and without the official XSDs (libxml2 quotes the value it rejects). The
return values are what the DAG tasks push to XCom. Then every row of meta.* and dq.*, every log
record and every return value is searched for each value.
"""

from __future__ import annotations

import json
import logging

import pytest
from conftest import TEST_KEY, xsd_dir
from personal_values import CASES

from jeugdhulp import pipeline, quality

pytestmark = pytest.mark.integration


def _files() -> dict[str, tuple[bytes, str]]:
    """name -> (content, personal value); each file its own BerichtIdentificatie."""
    files = {}
    for i, (case, (make, value)) in enumerate(sorted(CASES.items()), 1):
        data = make().replace(b">TW1<", f">TW9{i:03d}<".encode()).replace(b">D1<", f">D9{i:03d}<".encode())
        files[f"{case}.xml"] = (data, value)
    return files


def _table_texts(conn, schemas=("meta", "dq")) -> list[str]:
    tables = conn.execute(
        "SELECT format('%%I.%%I', table_schema, table_name) FROM information_schema.tables "
        "WHERE table_schema = ANY(%s) AND table_type = 'BASE TABLE'", (list(schemas),)).fetchall()
    assert len(tables) >= 4
    texts = []
    for (table,) in tables:
        texts += [r[0] for r in conn.execute(f"SELECT row_to_json(t)::text FROM {table} t")]
    return texts


@pytest.mark.parametrize("with_xsd", [False, True], ids=["parser", "official_xsd"])
def test_no_personal_value_in_reasons_dq_log_or_xcom(conn, db_url, data_dirs, caplog, monkeypatch, with_xsd):
    if with_xsd:
        if xsd_dir() is None:
            pytest.skip("official iJw XSDs not available (../shared absent)")
        monkeypatch.setenv("IJW_XSD_DIR", str(xsd_dir()))
    files = _files()
    for name, (data, _) in files.items():
        (data_dirs["landing"] / name).write_bytes(data)

    xcom = []
    with caplog.at_level(logging.DEBUG):
        staged = pipeline.stage(db_url, TEST_KEY, landing=data_dirs["landing"], archive=data_dirs["archive"],
                                quarantine=data_dirs["quarantine"])
        xcom.append(staged)
        try:
            xcom.append(pipeline.validate(db_url, staged["batch_id"], quarantine=data_dirs["quarantine"]))
            xcom.append(pipeline.publish(db_url, staged["batch_id"]))
        except quality.QualityGateError as exc:  # a failed gate is a verdict, its message goes to the log
            xcom.append(str(exc))

    quarantined = staged["quarantined"]
    if with_xsd:  # the XSDs refuse every one of these files, each with a reason
        assert set(quarantined) == set(files), set(files) - set(quarantined)
    else:  # the parser itself refuses the broken birth dates and the broken XML
        assert {"geboortedatum_dd_mm_jjjj.xml", "geboortedatum_31_juni.xml", "not_utf8_in_name.xml",
                "entity_in_name.xml", "tag_mismatch_in_name.xml", "bsn_missing_but_name_present.xml"} <= set(quarantined)
    reasons = conn.execute("SELECT file_name, reason FROM meta.file_manifest WHERE reason IS NOT NULL").fetchall()
    assert len(reasons) >= len(quarantined)

    texts = {
        "XCom (task return values)": [json.dumps(x, default=str) for x in xcom],
        "log": [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records],
        "meta/dq tables": _table_texts(conn),
    }
    assert any("quarantined" in t for t in texts["log"])  # the log really holds the reasons
    for name, (_, value) in files.items():
        for where, found in texts.items():
            leaks = [t for t in found if value in t]
            assert not leaks, f"{value!r} from {name} in {where}: {leaks[:2]}"
