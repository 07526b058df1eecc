"""Every rule result carries its one-line meaning, not only its code: dq.validation_result.omschrijving
and the GX Data Docs page of the batch (the expectation's description)."""

from __future__ import annotations

import json

import pytest
from conftest import TEST_KEY
from corpus import copy_corpus

from jeugdhulp import config, pipeline

pytestmark = pytest.mark.integration


def test_validation_results_and_data_docs_say_what_each_rule_means(db_url, conn, data_dirs, small_corpus,
                                                                      tmp_path, monkeypatch):
    monkeypatch.setenv("JEUGDHULP_DATA_DOCS", str(tmp_path / "docs"))
    copy_corpus(small_corpus, data_dirs["landing"])
    staged = pipeline.stage(db_url, TEST_KEY, "manual__meaning", landing=data_dirs["landing"],
                            archive=data_dirs["archive"], quarantine=data_dirs["quarantine"])
    pipeline.validate(db_url, staged["batch_id"])

    rows = conn.execute("SELECT dataset, regel_code, omschrijving, data_docs_page FROM dq.validation_result "
                        "WHERE batch_id = %s", (staged["batch_id"],)).fetchall()
    assert rows
    for dataset, regel_code, omschrijving, page in rows:
        suite = json.loads((config.EXPECTATIONS_DIR / f"{dataset}.json").read_text())
        meanings = {e["meta"]["regel_code"]: e["meta"]["omschrijving"] for e in suite["expectations"]}
        assert omschrijving == meanings[regel_code] and omschrijving.strip(), (dataset, regel_code)
        html = (tmp_path / "docs" / page).read_text()
        described = {e["meta"]["regel_code"]: e["description"] for e in suite["expectations"]}
        assert meanings[regel_code] in described[regel_code]
        assert described[regel_code].replace("&", "&amp;").split(":", 1)[1].strip()[:40] in html, (dataset, regel_code)


def test_data_docs_load_no_asset_from_the_internet(db_url, conn, data_dirs, small_corpus, tmp_path, monkeypatch):
    """Every CSS/JS/font link of the built pages points at a file in the site (static/vendor),
    none at a CDN: the pages render on a network without internet."""
    import re
    from pathlib import Path

    monkeypatch.setenv("JEUGDHULP_DATA_DOCS", str(tmp_path / "docs"))
    copy_corpus(small_corpus, data_dirs["landing"])
    staged = pipeline.stage(db_url, TEST_KEY, "manual__offline", landing=data_dirs["landing"],
                            archive=data_dirs["archive"], quarantine=data_dirs["quarantine"])
    pipeline.validate(db_url, staged["batch_id"])

    pages = sorted((tmp_path / "docs").rglob("*.html"))
    assert len(pages) >= 2  # the index and the validation pages
    for page in pages:
        html = page.read_text()
        assets = re.findall(r'<(?:link|script)\b[^>]*\b(?:href|src)="([^"]+)"', html)
        assert assets, page
        remote = [a for a in assets if re.match(r"(https?:)?//", a)]
        assert remote == [], (page.name, remote)
        for asset in assets:
            assert (page.parent / asset).resolve().is_file(), (page.name, asset)
        assert any("static/vendor/bootstrap.min.css" in a for a in assets) and any("jquery.min.js" in a for a in assets)
    fonts = Path(tmp_path / "docs" / "static" / "vendor" / "fontawesome" / "css" / "all.min.css").read_text()
    for font in set(re.findall(r"url\(\.\./webfonts/([^)]+\.woff2)\)", fonts)):
        assert (tmp_path / "docs" / "static" / "vendor" / "fontawesome" / "webfonts" / font).is_file()
