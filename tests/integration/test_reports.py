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
    loaded, marts refreshed, and Q3 plus October 2025 closed. The gemeenten's answers (JW325) to two
    providers' December declarations have not arrived yet: those lines are 'in behandeling'."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    base = tmp_path_factory.mktemp("pc")
    dirs = {k: base / k for k in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir()
    copy_corpus(small_corpus, dirs["landing"])
    for f in dirs["landing"].glob("JW325_*_9990000[12]_202512.xml"):
        f.unlink()
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
    live_ib = pc.execute("SELECT sum(in_behandeling_bedrag)::bigint FROM mart.pc_gemeente_maand WHERE jaar = 2025 "
                         "AND kwartaal = 4 AND (%s::text IS NULL OR gemeente = %s)", (gemeente, gemeente)).fetchone()[0]
    assert report.tables["aanbieders"].total["in_behandeling"] == live_ib
    assert sum(r["in_behandeling"] for r in report.tables["aanbieders"].rows) == live_ib
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
    assert rows[0][2] == report.tables["categorie"].col("realisatie").label
    totaal = next(r for r in rows if r[0] == "Totaal")
    assert round(totaal[2] * 100) == mart["realisatie"]
    kern_sheet = dict(r[:2] for r in _sheet_rows(_file(files, ".xlsx"), "Kerncijfers")[1:])
    assert round(kern_sheet[report.tables["kerncijfers"].col("realisatie").label] * 100) == mart["realisatie"]
    assert shown in "\n".join(_pdf_text(_file(files, ".pdf")))


@pytest.mark.parametrize("gemeente", [None, "0193"], ids=["regio", "zwolle"])
def test_figures_on_a_page_do_not_contradict_each_other(pc, rendered, gemeente):
    """Every figure that is stated twice, or is the sum of others, ties: prognose = realisatie + in behandeling +
    nog te declareren per row; the key figures are the table totals; the months of the period add up to the
    quarter; what the DQ section calls 'in behandeling' is what the providers table shows; the lag table's
    declared amount is what core holds as submitted and not rejected (counted here from the lines)."""
    report, _files = rendered[gemeente]
    cat, kern, maand = report.tables["categorie"], report.tables["kerncijfers"].rows[0], report.tables["maand"]
    ib = (lambda r: r["in_behandeling"])
    for r in cat.rows + [cat.total]:  # Q4 2025 is delivered in full (peildatum 2026-01)
        assert r["prognose"] == r["realisatie"] + ib(r) + r["nog_te_declareren"], r
    for k in ("begroting", "realisatie", "in_behandeling", "nog_te_declareren", "prognose", "correctie"):
        assert kern[k] == cat.total[k], k
    assert kern["jeugdigen"] == cat.total["jeugdigen"]
    q4 = [r for r in maand.rows if r["maand"] >= dt.date(2025, 10, 1)]
    for k in ("begroting", "realisatie", "nog_te_declareren", "prognose"):
        assert sum(r[k] for r in q4) == cat.total[k], k
        assert sum(r[k] for r in maand.rows) == maand.total[k], k
    assert sum(ib(r) for r in q4) == ib(cat.total)
    for r in maand.rows:
        if r["soort"] != "verplichting":
            assert r["prognose"] == r["realisatie"] + ib(r) + r["nog_te_declareren"], r
    dq = report.tables["dq_overzicht"].rows[0]
    assert report.tables["aanbieders"].total["in_behandeling"] == dq["onbeantwoord_bedrag"]
    # independently: every non-rejected line for care in Q4, summed in Python
    lines = pc.execute("SELECT maand, ingediend_bedrag_saldo, status FROM core.declaratie_regel_feit "
                       "WHERE maand BETWEEN '2025-10-01' AND '2025-12-01' AND (%s::text IS NULL OR gemeente = %s)",
                       (gemeente, gemeente)).fetchall()
    submitted = {}
    for m, saldo, status in lines:
        if status != "rejected":
            submitted[m] = submitted.get(m, 0) + saldo
    assert {r["maand"]: r["gedeclareerd"] for r in report.tables["vertraging"].rows} == submitted
    assert dq["onbeantwoord_bedrag"] == sum(saldo for _m, saldo, status in lines if status == "pending")


def test_realisatie_is_toegekend_with_in_behandeling_beside_it(pc, rendered):
    """Realisatie = what the gemeente granted (JW325 positive); lines without an answer are 'in behandeling'
    beside it; every money column says which it is. Counted here from the lines, per status."""
    report, files = rendered[None]
    rows = pc.execute("SELECT status, sum(ingediend_bedrag_saldo)::bigint FROM core.declaratie_regel_feit "
                      "WHERE maand BETWEEN '2025-10-01' AND '2025-12-01' GROUP BY status").fetchall()
    per_status = dict(rows)
    # taakgericht care is paid by a lump sum per month (contract workbook), not declared: part of realisatie
    taakgericht = pc.execute("SELECT coalesce(sum(bedrag), 0)::bigint FROM core.contract_taakgericht_actueel "
                             "WHERE periode_maand BETWEEN '2025-10-01' AND '2025-12-01'").fetchone()[0]
    assert taakgericht > 0, "the demo contract has taakgericht lump sums"
    cat = report.tables["categorie"]
    assert cat.col("realisatie").label == "Realisatie (toegekend)"
    assert cat.col("in_behandeling").label == "In behandeling"
    assert per_status.get("pending", 0) != 0, "the corpus has lines without an answer"
    assert cat.total["in_behandeling"] == per_status.get("pending", 0)
    assert cat.total["realisatie"] == per_status.get("approved", 0) + taakgericht
    assert report.tables["aanbieders"].total["realisatie"] == per_status.get("approved", 0) + taakgericht
    assert report.tables["aanbieders"].total["taakgericht"] == taakgericht
    # every money column names what it is: toegekend, in behandeling, ingediend, schatting, begroting, ...
    for t in report.tables.values():
        for c in t.columns:
            if c.kind == "bedrag" and "ealisatie" in c.label:
                assert "toegekend" in c.label, (t.key, c.label)
    text = "\n".join(_pdf_text(_file(files, ".pdf")))
    assert "Realisatie (toegekend)" in text.replace("\n", " ") or "(toegekend)" in text
    assert "In behandeling" in text or "In\nbehandeling" in text


def test_gemeente_reports_add_up_to_the_region(pc):
    region = reports.build(pc, Q4).tables["categorie"].total
    parts = [reports.build(pc, Q4, s.gemeente).tables["categorie"].total for s in reports.scopes(pc) if s.gemeente]
    for key in ("begroting", "realisatie", "nog_te_declareren", "prognose", "begroting_jaar", "prognose_jaar"):
        assert sum(p[key] for p in parts) == region[key], key
    assert sum(p["in_behandeling"] for p in parts) == region["in_behandeling"]


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


def test_missing_budget_and_unrefreshed_marts_are_said_plainly(conn, db_url, small_corpus, data_dirs):
    with pytest.raises(reports.ReportDataError, match="marts_refresh"):
        reports.build(conn, Q4)
    marts.refresh(conn)
    # an empty warehouse has nothing to report: refused, not a report of zeros
    with pytest.raises(reports.ReportPeriodError, match="no declarations at all"):
        reports.build(conn, Q4)
    # messages ingested, but no contract workbook (no budget) loaded
    copy_corpus(small_corpus, data_dirs["landing"])
    pipeline.run_ingest(db_url, TEST_KEY, **data_dirs)
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

    # XLSX: the number cell is empty (no text in a number column), the marker column says why;
    # no count column holds 1-4
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(_file(files, ".xlsx")))
    sheet = wb["Productcategorie"]
    heads = [c.value for c in sheet[1]]
    xrow = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if str(r[0]).startswith(categorie))
    assert xrow[heads.index("Jeugdigen")] is None
    assert "Jeugdigen: <5" in xrow[heads.index("Onderdrukt (privacy)")]
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
        if i == 2:
            sample = tmp_path / "pc_rapport_zwolle_pagina3.png"
            image.save(sample)
            assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 50
    pdf.close()
    assert all(w > h for w, h in sizes)  # A4 landscape: wide tables of amounts fit
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
    with create_session() as session:  # the UI names the mapped render tasks by gemeente (map_index_template)
        names = {ti.rendered_map_index for ti in run.get_task_instances(session=session) if ti.task_id == "render"}
    assert names == {"regio (heel IJsselland)", "0193 Zwolle"}
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


# --------------------------------------------------------------------------- layout of what the reader gets


def _scaled(report, factor: int):
    """The same report with every amount ``factor`` times larger (a region of national size)."""
    import copy

    from jeugdhulp.reports.model import Report

    tables = copy.deepcopy(report.tables)
    for t in tables.values():
        for r in t.rows + ([t.total] if t.total else []):
            for c in t.columns:
                if c.kind == "bedrag" and isinstance(r.get(c.key), int):
                    r[c.key] *= factor
    return Report(report.scope, report.period, report.state, tables)


def _pdf_lines(data: bytes) -> set[str]:
    return {line.strip() for page in _pdf_text(data) for line in page.split("\n")}


@pytest.mark.parametrize("factor", [1, 10_000], ids=["as-is", "amounts-x10000"])
def test_every_table_cell_is_on_one_line_in_the_pdf(rendered, factor):
    """The region's table 1 broke amounts mid-number ('€ 1.064.686,5' / '0'). In the rendered PDF every
    cell's text must stand on one line: a cell that wraps is split over two text lines and its full text
    is then on none of them."""
    from jeugdhulp.reports import charts, layout, output

    report, _files = rendered[None]
    report = _scaled(report, factor)
    data = output.pdf(report, charts.render_all(report))
    lines = _pdf_lines(data)
    text = "\n".join(lines)
    broken = []
    for t in report.tables.values():
        for r in t.rows + ([t.total] if t.total else []):
            for cell, _numeric, _s in layout.cells(t, r):
                if not any(cell in line for line in lines):
                    broken.append((t.key, cell))
    assert not broken, broken[:10]
    if factor > 1:  # the big amounts are really there, whole
        big = fmt.euro(report.tables["categorie"].total["realisatie"])
        assert len(big) >= len("€ 100.000.000,00") and big in text


def test_pdf_metadata_has_the_real_creation_date_title_and_the_region_as_author(pc):
    import zoneinfo

    import pypdfium2 as pdfium

    made = dt.datetime(2026, 1, 20, 7, 0, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    report = reports.build(pc, Q4, "0193", now=made)
    files = reports.render(report)
    meta = pdfium.PdfDocument(_file(files, ".pdf")).get_metadata_dict()
    assert meta["CreationDate"].startswith("D:20260120070005+01'00")  # not reportlab's invariant 2000-01-01
    assert meta["Title"] == "Bestuursrapportage jeugdhulp 4e kwartaal 2025 – Gemeente Zwolle"
    assert meta["Author"] == "Jeugdhulpregio IJsselland"
    assert "2025-Q4" in meta["Subject"]
    from openpyxl import load_workbook

    props = load_workbook(io.BytesIO(_file(files, ".xlsx"))).properties
    assert props.creator == "Jeugdhulpregio IJsselland" and props.created == dt.datetime(2026, 1, 20, 6, 0, 5)


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize("period, today, message", [
    ("2026-Q3", dt.date(2026, 10, 20), "no declaration"),  # the scheduler's run that wrote 12 reports of zeros
    ("2024", dt.date(2026, 1, 20), "no declaration"),
    ("2026-Q3", dt.date(2026, 1, 20), "after today"),
    ("2027", dt.date(2026, 1, 20), "after today"),
])
def test_a_period_without_data_or_in_the_future_is_refused(pc, tmp_path, period, today, message):
    when = dt.datetime.combine(today, dt.time(7, 0)).astimezone()
    with pytest.raises(reports.ReportPeriodError, match=message) as exc:
        reports.build(pc, period, now=when)
    assert isinstance(exc.value, reports.PeriodError)  # the CLI and the DAG treat it as a bad period: no retry
    assert period in str(exc.value)
    if message == "no declaration":
        assert "01-2025" in str(exc.value) and "12-2025" in str(exc.value)  # says which periods do have data
    with pytest.raises(reports.ReportPeriodError):
        reports.check_period(pc, reports.Period.parse(period), today)
    with pytest.raises(reports.ReportPeriodError):  # the path of the DAG task and the CLI writes nothing
        reports.run(pc, period, None, tmp_path, now=when)
    assert not any(tmp_path.iterdir())


# --------------------------------------------------------------------------- incomplete months


def test_the_last_months_before_the_peildatum_are_marked_incomplete(pc, rendered):
    """November and December 2025 are still coming in (declaration lag): the tables and the cover say so,
    instead of letting a dip read as a trend. Independently: the declared share of the forecast mart's
    expected final amount, summed here per month."""
    share = {}
    for m, ged, prog in pc.execute("SELECT maand, gedeclareerd_bedrag, prognose_bedrag FROM mart.prognose_nog_te_declareren "
                                   "WHERE maand BETWEEN '2025-01-01' AND '2025-12-01'").fetchall():
        a, b = share.get(m, (0, 0))
        share[m] = (a + ged, b + prog)
    closed = {dt.date(2025, m, 1) for m in (7, 8, 9, 10)}
    expected = {m for m, (a, b) in share.items() if b and a / b < 0.95 and m not in closed}
    # December at least (declared on days 1-30 of the next month, late claims up to 3 months)
    assert dt.date(2025, 12, 1) in expected <= {dt.date(2025, 11, 1), dt.date(2025, 12, 1)}

    report, files = rendered[None]
    assert {r["maand"] for r in report.tables["maand"].rows if r["onvolledig"]} == expected
    assert {r["maand"] for r in report.tables["instroom"].rows if r["onvolledig"]} == expected
    assert {r["maand"] for r in report.tables["vertraging"].rows if r["onvolledig"]} == expected
    dec = next(r for r in report.tables["maand"].rows if r["maand"] == dt.date(2025, 12, 1))
    assert dec["soort"].startswith("onvolledig") and "binnen" in dec["soort"]
    assert any(v.startswith("Onvolledig") and "december 2025" in v for v in report.state.voorbehouden)
    # the reader sees the mark in every output
    text = "\n".join(_pdf_text(_file(files, ".pdf")))
    assert "dec 2025 *" in text and "okt 2025 *" not in text
    assert ("nov 2025 *" in text) == (dt.date(2025, 11, 1) in expected)
    assert "* onvolledig" in text
    sections, doc = _html_tables(_file(files, ".html"))
    marked = [_cells(tr)[0] for tr in doc.iter("tr") if "onvolledig" in (tr.get("class") or "")]
    assert "dec 2025 *" in marked and not any(c.startswith("okt") for c in marked)
    rows = _sheet_rows(_file(files, ".xlsx"), "Instroom uitstroom")
    col = rows[0].index("Onvolledig")
    assert {r[0].date().replace(day=1) for r in rows[1:] if len(r) > col and r[col] == "ja"} == expected


# --------------------------------------------------------------------------- data quality per gemeente


def test_the_dq_section_of_a_gemeente_shows_its_own_quarantine(pc):
    with pc.transaction(force_rollback=True):
        before = dict(pc.execute("SELECT coalesce(gemeente, '-'), count(*) FROM meta.file_manifest "
                                 "WHERE state = 'quarantined' GROUP BY 1").fetchall())
        # quarantined files: 3 of Zwolle, 2 of Kampen, 1 unreadable (no gemeente)
        lines = dict(pc.execute("SELECT coalesce(gemeente, '-'), count(*) FROM dq.quarantine "
                                "WHERE replay_batch_id IS NULL GROUP BY 1").fetchall())
        for i, g in enumerate(["0193", "0193", "0193", "0166", "0166", None]):
            pc.execute("INSERT INTO meta.file_manifest (file_sha256, file_name, file_size, state, reason, gemeente) "
                       "VALUES (%s, %s, 1, 'quarantined', 'test', %s)", (f"{i:064d}", f"t{i}.xml", g))
        # quarantined lines of files that were staged: 2 in a Zwolle file, 1 in Kampen's, 1 in a file of
        # unknown gemeente; the ingest's trigger takes the gemeente from the file
        batch = pc.execute("INSERT INTO meta.load_batch (status) VALUES ('published') RETURNING batch_id").fetchone()[0]
        for row_id, i in enumerate([0, 0, 3, 5]):
            pc.execute("INSERT INTO dq.quarantine (dataset, row_id, batch_id, file_sha256, regel_codes, reden) "
                       "VALUES ('jw323_prestatie', %s, %s, %s, ARRAY['TR346'], 'test')", (-1 - row_id, batch, f"{i:064d}"))
        zwolle = reports.build(pc, Q4, "0193").tables["dq_overzicht"]
        regio = reports.build(pc, Q4).tables["dq_overzicht"]
    z, r = zwolle.rows[0], regio.rows[0]
    assert z["bestanden_quarantaine"] == before.get("0193", 0) + 3
    assert z["bestanden_zonder_gemeente"] == before.get("-", 0) + 1
    assert r["bestanden_quarantaine"] == sum(before.values()) + 6
    assert z["regels_quarantaine"] == lines.get("0193", 0) + 2
    assert z["regels_zonder_gemeente"] == lines.get("-", 0) + 1
    assert r["regels_quarantaine"] == sum(lines.values()) + 4
    labels = [c.label for c in zwolle.columns]
    assert "Bestanden in quarantaine (deze gemeente)" in labels
    assert any("zonder bekende gemeente" in lbl for lbl in labels)
    assert "Bestanden in quarantaine (regio, totaal)" in [c.label for c in regio.columns]


# --------------------------------------------------------------------------- XLSX


def test_xlsx_is_described_numeric_fits_prints_and_filters(rendered):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from jeugdhulp.reports import layout

    report, files = rendered[None]
    wb = load_workbook(io.BytesIO(_file(files, ".xlsx")))
    described = {(r[0], r[1]): r[2] for r in wb["Toelichting"].iter_rows(values_only=True) if r[0] and r[1] and len(r) > 2}
    for key, t in report.tables.items():
        ws = wb[layout.SHEETS[key]]
        heads = [c.value for c in ws[1]]
        for h in heads:  # every column is described on the Toelichting sheet
            assert described.get((ws.title, h)), (ws.title, h)
        if t.vertical:
            continue
        # no text in a number column: a suppressed cell is empty, the marker column says why
        for i, c in enumerate(t.columns):
            if c.kind in layout.NUMERIC:
                for row in ws.iter_rows(min_row=2, max_row=1 + len(t.rows) + bool(t.total), min_col=i + 1, max_col=i + 1):
                    assert row[0].value is None or isinstance(row[0].value, (int, float)), (ws.title, c.label, row[0].value)
        # widths fit the shown values; landscape, one page wide, header row repeated; autofilter on the data
        for i, c in enumerate(t.columns, start=1):
            shown = max((len(layout.cells(t, r)[i - 1][0]) for r in t.rows + ([t.total] if t.total else [])), default=0)
            assert ws.column_dimensions[get_column_letter(i)].width >= min(shown, 57) + 1, (ws.title, c.label)
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows in ("1:1", "$1:$1")
        if t.rows:
            assert ws.auto_filter.ref == f"A1:{get_column_letter(len(heads))}{1 + len(t.rows)}"
