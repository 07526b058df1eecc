"""P&C reports on a real warehouse, read the way a council member or controller would read them:
the figures on the pages tie to the marts, the cover tells how final they are, no cell shows
fewer than 5 youths, the PDF renders page by page, and the DAG puts the files in the outbox."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import uuid

import psycopg
import pytest
from conftest import TEST_KEY
from corpus import copy_corpus

from jeugdhulp import contract, marts, pipeline, reports, warehouse
from jeugdhulp.reports import fmt
from jeugdhulp.reports.fmt import SUPPRESSED

pytestmark = pytest.mark.integration

Q3, Q4 = "2025-Q3", "2025-Q4"
COUNT_LABELS = {"Jeugdigen", "Instroom", "Uitstroom", "Volgens plan", "Voortijdig", "Overig", "Lopend einde maand"}


@pytest.fixture(scope="module")
def pc_db(pg_server, small_corpus, tmp_path_factory):
    """One warehouse for the module: the small corpus ingested, the demo contract workbook (budgets)
    loaded, marts refreshed, and Q3 plus October 2025 closed."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    base = tmp_path_factory.mktemp("pc")
    dirs = {k: base / k for k in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir()
    copy_corpus(small_corpus, dirs["landing"])
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
    pipeline.run_ingest(url, TEST_KEY, **dirs)
    with warehouse.connect(url) as conn:
        contract.load(conn, contract.generate_demo_workbook(base / "contract_2025.xlsx", 2025, clients=80))
        marts.refresh(conn)
        for m in (7, 8, 9, 10):
            marts.close_month(conn, dt.date(2025, m, 1))
    yield url
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pc(pc_db):
    with warehouse.connect(pc_db) as conn:
        yield conn


@pytest.fixture(scope="module")
def rendered(pc_db):
    """Region and Zwolle, Q4, built and rendered once."""
    out = {}
    with warehouse.connect(pc_db) as conn:
        for g in (None, "0193"):
            report = reports.build(conn, Q4, g)
            out[g] = (report, reports.render(report))
    return out


def _file(files: dict, ext: str) -> bytes:
    return next(v for k, v in files.items() if k.endswith(ext))


def _pdf_text(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    pages = [pdf[i].get_textpage().get_text_range().replace("\xa0", " ").replace("\r", "") for i in range(len(pdf))]
    pdf.close()
    return pages


def _html_tables(html: bytes):
    from lxml import html as lh

    doc = lh.fromstring(html)
    return {s.get("id"): s.findall(".//table") for s in doc.iter("section")}, doc


def _cells(tr) -> list[str]:
    return [td.text_content().strip() for td in tr.findall("td")]


def _sheet_rows(xlsx: bytes, sheet: str) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(xlsx), read_only=True)[sheet].iter_rows(values_only=True))


# --------------------------------------------------------------------------- figures tie to the marts


def _mart_period(conn, gemeente, months) -> dict:
    return dict(zip(("begroting", "realisatie", "nog", "correctie"), conn.execute(
        """SELECT sum(begroting_bedrag)::bigint, sum(realisatie_bedrag)::bigint, sum(nog_te_declareren_bedrag)::bigint,
                  sum(correctie_na_afsluiting_bedrag)::bigint
           FROM mart.pc_gemeente_maand_vastgesteld
           WHERE jaar = 2025 AND kwartaal = %s AND (%s::text IS NULL OR gemeente = %s)""",
        (months, gemeente, gemeente)).fetchone()))


@pytest.mark.parametrize("gemeente", [None, "0193"], ids=["regio", "zwolle"])
def test_totals_on_every_page_tie_to_the_marts(pc, rendered, gemeente):
    report, files = rendered[gemeente]
    mart = _mart_period(pc, gemeente, 4)
    assert mart["realisatie"] > 0 and mart["begroting"] > 0
    cat = report.tables["categorie"].total
    assert (cat["begroting"], cat["realisatie"], cat["nog_te_declareren"], cat["correctie"]) == \
        (mart["begroting"], mart["realisatie"], mart["nog"], mart["correctie"])
    # per productcategorie as well
    per_cat = dict(pc.execute(
        """SELECT product_categorie, sum(realisatie_bedrag)::bigint FROM mart.pc_gemeente_maand_vastgesteld
           WHERE jaar = 2025 AND kwartaal = 4 AND (%s::text IS NULL OR gemeente = %s) GROUP BY 1""",
        (gemeente, gemeente)).fetchall())
    assert {r["categorie"][:2]: r["realisatie"] for r in report.tables["categorie"].rows} == \
        {k: v for k, v in per_cat.items() if v or k in {r["categorie"][:2] for r in report.tables["categorie"].rows}}
    # year forecast = mart.pc_gemeente_jaar
    jaar = pc.execute("SELECT sum(begroting_bedrag)::bigint, sum(prognose_bedrag)::bigint FROM mart.pc_gemeente_jaar "
                      "WHERE jaar = 2025 AND (%s::text IS NULL OR gemeente = %s)", (gemeente, gemeente)).fetchone()
    kern = report.tables["kerncijfers"].rows[0]
    assert (kern["begroting_jaar"], kern["prognose_jaar"]) == jaar
    # top providers add up to the live realisation of the quarter (mart.pc_gemeente_maand)
    live = pc.execute("SELECT sum(realisatie_bedrag)::bigint FROM mart.pc_gemeente_maand WHERE jaar = 2025 AND kwartaal = 4 "
                      "AND (%s::text IS NULL OR gemeente = %s)", (gemeente, gemeente)).fetchone()[0]
    assert report.tables["aanbieders"].total["realisatie"] == live
    assert sum(r["realisatie"] for r in report.tables["aanbieders"].rows) == live
    # the completion estimate is the forecast mart's
    ntd = pc.execute("SELECT coalesce(sum(nog_te_declareren_bedrag), 0)::bigint FROM mart.prognose_nog_te_declareren "
                     "WHERE maand BETWEEN '2025-10-01' AND '2025-12-01' AND (%s::text IS NULL OR gemeente = %s)",
                     (gemeente, gemeente)).fetchone()[0]
    assert report.tables["vertraging"].total["nog_te_declareren"] == ntd

    # ... and that is what the reader sees: HTML, XLSX and PDF show the same total in Dutch notation
    shown = fmt.euro(mart["realisatie"])
    sections, _ = _html_tables(_file(files, ".html"))
    total_row = sections["financien"][0].findall(".//tr")[-1]
    assert _cells(total_row)[0] == "Totaal" and _cells(total_row)[2] == shown
    rows = _sheet_rows(_file(files, ".xlsx"), "Productcategorie")
    assert rows[0][2] == "Realisatie periode"
    totaal = next(r for r in rows if r[0] == "Totaal")
    assert round(totaal[2] * 100) == mart["realisatie"]
    kern_sheet = dict(r[:2] for r in _sheet_rows(_file(files, ".xlsx"), "Kerncijfers")[1:])
    assert round(kern_sheet["Realisatie periode"] * 100) == mart["realisatie"]
    assert shown in "\n".join(_pdf_text(_file(files, ".pdf")))


def test_gemeente_reports_add_up_to_the_region(pc):
    region = reports.build(pc, Q4).tables["categorie"].total
    parts = [reports.build(pc, Q4, s.gemeente).tables["categorie"].total for s in reports.scopes(pc) if s.gemeente]
    for key in ("begroting", "realisatie", "nog_te_declareren", "prognose", "begroting_jaar", "prognose_jaar"):
        assert sum(p[key] for p in parts) == region[key], key


def test_annual_report_covers_the_year(pc):
    report = reports.build(pc, "2025", "0193")
    assert report.period.soort == "Jaarverslag (input)"
    assert len(report.tables["maand"].rows) == 12
    year = pc.execute("SELECT sum(realisatie_bedrag)::bigint FROM mart.pc_gemeente_maand_vastgesteld "
                      "WHERE jaar = 2025 AND gemeente = '0193'").fetchone()[0]
    assert report.tables["categorie"].total["realisatie"] == year == report.tables["maand"].total["realisatie"]


# --------------------------------------------------------------------------- cover: data state


def test_cover_states_closed_or_provisional_and_the_peildatum(pc, rendered):
    peildatum = pc.execute("SELECT peildatum FROM core.peildatum").fetchone()[0]
    assert reports.build(pc, Q3).state.status == "afgesloten"
    report, files = rendered[None]
    assert report.state.status == "deels afgesloten"  # October closed, November and December not
    assert report.state.peildatum == peildatum
    cover = _pdf_text(_file(files, ".pdf"))[0]
    assert "Stand van de data" in cover and "deels afgesloten" in cover
    assert f"declaraties ontvangen t/m {fmt.datum(peildatum)}" in cover
    assert "Voorbehouden" in cover and "<5" in cover
    html = _file(files, ".html").decode()
    assert f"t/m {fmt.datum(peildatum)}" in html and "deels afgesloten" in html
    assert "Afgesloten: oktober 2025" in html
    toelichting = [r for r in _sheet_rows(_file(files, ".xlsx"), "Toelichting") if r[0] == "Peildatum"]
    assert fmt.datum(peildatum) in toelichting[0][1]
    # the completion estimate and its band are on the cover
    assert report.state.compleet_laag_pct <= report.state.compleet_pct <= report.state.compleet_hoog_pct
    assert "Volledigheid" in cover and "bandbreedte" in cover


def test_missing_budget_and_unrefreshed_marts_are_said_plainly(conn):
    with pytest.raises(reports.ReportDataError, match="marts_refresh"):
        reports.build(conn, Q4)
    marts.refresh(conn)
    report = reports.build(conn, Q4)
    assert any("geen begroting" in v for v in report.state.voorbehouden)


# --------------------------------------------------------------------------- privacy


def _small_cell(conn) -> tuple[str, str, int]:
    """A (gemeente, productcategorie) with 1-4 youths in Q4 2025, counted independently in core."""
    row = conn.execute(
        """SELECT gemeente, product_categorie, count(DISTINCT client_pseudoniem)::integer
           FROM core.declaratie_regel_feit
           WHERE status <> 'rejected' AND debet_credit = 'D' AND maand BETWEEN '2025-10-01' AND '2025-12-01'
           GROUP BY 1, 2 HAVING count(DISTINCT client_pseudoniem) BETWEEN 1 AND 4
           ORDER BY gemeente = '0193' DESC, 1, 2 LIMIT 1""").fetchone()
    assert row, "the corpus has no small cell to test with"
    return row


def test_fewer_than_5_youths_is_shown_as_lt5_in_html_pdf_and_xlsx(pc, tmp_path):
    gemeente, categorie, n = _small_cell(pc)
    report = reports.build(pc, Q4, gemeente)
    files = reports.render(report)
    row = next(r for r in report.tables["categorie"].rows if r["categorie"].startswith(categorie))
    assert row["jeugdigen"] == SUPPRESSED

    # no count of 1-4 anywhere in the report's tables
    for t in report.tables.values():
        for c in t.columns:
            if c.kind in ("jeugdigen", "aantal"):
                for r in t.rows + ([t.total] if t.total else []):
                    assert not fmt.is_small(r.get(c.key)), (t.key, c.key, r)

    # HTML: the category row ends in "<5"; no count column shows 1-4
    sections, doc = _html_tables(_file(files, ".html"))
    tr = next(tr for tr in sections["financien"][0].findall(".//tbody/tr") if _cells(tr)[0].startswith(categorie))
    assert _cells(tr)[-1] == SUPPRESSED
    for table in doc.iter("table"):
        heads = [th.text_content().strip() for th in table.findall(".//th")]
        idx = [i for i, h in enumerate(heads) if h in COUNT_LABELS]
        for tr in table.findall(".//tbody/tr"):
            cells = _cells(tr)
            assert not any(cells[i] in {"1", "2", "3", "4"} for i in idx), (heads, cells)
    assert "&lt;5" in _file(files, ".html").decode()

    # XLSX: the cell holds the text "<5", and no count column holds 1-4
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_file(files, ".xlsx")))
    sheet = wb["Productcategorie"]
    heads = [c.value for c in sheet[1]]
    xrow = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if str(r[0]).startswith(categorie))
    assert xrow[heads.index("Jeugdigen")] == SUPPRESSED
    for ws in wb.worksheets[1:]:
        heads = [c.value for c in ws[1]]
        idx = [i for i, h in enumerate(heads) if h in COUNT_LABELS]
        for r in ws.iter_rows(min_row=2, values_only=True):
            assert not any(isinstance(r[i], int) and 1 <= r[i] <= 4 for i in idx if i < len(r)), (ws.title, r)

    # PDF: the category's line reads "<5" where the count would be
    text = "\n".join(_pdf_text(_file(files, ".pdf")))
    line = next(l for l in text.splitlines() if l.startswith(categorie + " ") and "€" in l)
    assert line.rstrip().endswith(SUPPRESSED), line
    assert not re.search(rf"\s{n}$", line)


# --------------------------------------------------------------------------- rendering


def test_pdf_pages_render_to_images(rendered, tmp_path):
    import pypdfium2 as pdfium

    report, files = rendered["0193"]
    pdf = pdfium.PdfDocument(_file(files, ".pdf"))
    assert len(pdf) >= 5
    sizes = []
    for i in range(len(pdf)):
        image = pdf[i].render(scale=1.5).to_pil()
        sizes.append(image.size)
        # a page with a chart is not blank: many distinct colours
        if i == 1:
            sample = tmp_path / "pc_rapport_zwolle_pagina2.png"
            image.save(sample)
            assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50
    pdf.close()
    assert all(w < h for w, h in sizes)  # A4 portrait
    assert sample.stat().st_size > 20_000
    print(f"\nsample page: {sample}")
    assert report.file_stem() + ".pdf" in files


def test_html_is_self_contained_with_charts(rendered):
    _report, files = rendered[None]
    html = _file(files, ".html").decode()
    assert html.count("data:image/png;base64,") == 6
    assert "src=\"http" not in html and "<script" not in html
    assert 'lang="nl"' in html


# --------------------------------------------------------------------------- DAG


def test_dag_writes_the_reports_to_the_outbox(airflow_db, pc_db, monkeypatch, tmp_path):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW_CONN_JEUGDHULP_WAREHOUSE", pc_db)
    monkeypatch.setenv("JEUGDHULP_OUTBOX", str(tmp_path / "outbox"))
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    assert {"pc_reports_quarterly", "pc_reports_annual"} <= set(bag.dag_ids)
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:  # events of other tests' DAG runs: marts freshness is not tested here
        session.query(AssetEvent).delete()
    run = bag.dags["pc_reports_quarterly"].test(run_conf={"period": Q4, "gemeenten": ["regio", "0193"]})
    assert str(run.state) == "success"
    folder = tmp_path / "outbox" / Q4
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([f"pc-rapportage_{Q4}_{s}.{e}" for s in ("0193-zwolle", "regio-ijsselland")
                            for e in ("html", "pdf", "xlsx")] + ["manifest.json"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["period"] == Q4 and {r["scope"] for r in manifest["reports"]} == {"regio-ijsselland", "0193-zwolle"}
    assert all(r["status"] == "deels afgesloten" for r in manifest["reports"])
    assert (folder / f"pc-rapportage_{Q4}_0193-zwolle.pdf").read_bytes().startswith(b"%PDF")


def test_dag_schedules_and_default_periods(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    q, y = bag.dags["pc_reports_quarterly"], bag.dags["pc_reports_annual"]
    assert (q.schedule, y.schedule) == ("0 7 20 1,4,7,10 *", "0 7 1 4 *")
    assert "Europe/Amsterdam" in repr(q.timetable)
    assert set(q.params.keys()) == {"period", "gemeenten"}
    assert [t.task_id for t in q.topological_sort()] == ["plan", "render", "manifest"]
