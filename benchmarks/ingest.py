"""Ingest benchmark: JW323 declaration lines per second through the real ingest, versus pandas.to_sql.

What it measures
    1. *generate* – N synthetic declaration lines (default 1,000,000) in F JW323 files (default
       N/200) are written with string templates into a temp dir, plus the JW301 toewijzingen
       they declare against. Not part of the ingest figure.
    2. *setup* – the JW301 files go through stage → validate → publish first (toewijzingen
       arrive before declarations; TR338 and friends look them up in core). Not timed.
    3. *stage / validate / publish* – exactly the steps of the ``ijw_ingest`` DAG on the JW323
       files: ``pipeline.stage`` (SHA-256 manifest, hardened parse, BSN pseudonymisation, COPY to
       staging, file moves; the parse in ``JEUGDHULP_PARSE_WORKERS`` worker processes as in
       production), ``pipeline.validate`` (the full GX suite on PostgreSQL, with Data Docs) and
       ``pipeline.publish`` (staging → core). Stage is the end-to-end figure.
    4. *to_sql* – the usual approach on the same JW323 files: ``ijw.parse`` every file, one pandas
       DataFrame of all ``Record.flat(header)`` rows, ``DataFrame.to_sql(method="multi",
       chunksize=1000)`` through SQLAlchemy + psycopg 3 (``--to-sql-lines`` caps its input). Its
       rate covers parse + DataFrame + to_sql, like stage covers parse + COPY.

Steps 3 and 4 each run in their own subprocess (this script with the hidden ``--worker``), so
their peak RSS is their own. The peak is measured per step (``VmHWM`` in /proc/self/status,
reset through /proc/self/clear_refs before each step) plus the peak of every child process the
step started (the parse workers and multiprocessing's resource tracker, which run side by side
with it); a process's figure is the largest.

Database: ``--db URL`` (libpq URL of a server whose role may CREATE DATABASE; a fresh database is
created and dropped), otherwise a throwaway ``jeugdhulp.db.Cluster`` is started in /var/tmp and
destroyed at the end. Data Docs go to the temp dir.

Run::

    .venv/bin/python benchmarks/ingest.py                   # 1,000,000 lines in ~5,000 files
    .venv/bin/python benchmarks/ingest.py --lines 100000 --skip-to-sql
    .venv/bin/python benchmarks/ingest.py --db postgresql://user:pw@host:5432/postgres --keep

The last line of the output is
``ingest: <lines/s> lines/s end-to-end, <x> times to_sql, peak RSS <MB> MB``
(x = stage lines/s ÷ to_sql lines/s; the peak RSS is that of the ingest subprocess).
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from jeugdhulp.ijw import NS_BASIS
from jeugdhulp.privacy import TEST_BSN_MAX, TEST_BSN_MIN, elfproef
from jeugdhulp.reference import GEMEENTEN

SEED = 2025
LINES_PER_FILE = 200
#: Month 0 of every provider × gemeente; at most MAX_MONTHS months each (more files → more
#: providers), so every period stays after 2021 (CS100) and before today (TR135).
FIRST_MONTH = date(2023, 1, 1)
MAX_MONTHS = 36
MIN_PROVIDERS = 4
TOEWIJZINGSDATUM = date(2022, 12, 15)
CREDIT_SHARE = 0.02
SLOTS = 4  # toewijzingen per client; a client declares 1–4 of them a month


@dataclass(frozen=True)
class Product:
    categorie: str
    code: str
    eenheid: str
    #: euro cents per Eenheid; None for Eenheid 83 (euro), where the volume is the amount
    tarief: int | None
    volume: tuple[int, int]  # GeleverdVolume per month


CATALOGUE = (
    Product("45", "45A03", "04", 10_450, (1, 20)),
    Product("45", "45A12", "01", 172, (30, 600)),
    Product("54", "54002", "01", 198, (30, 600)),
    Product("45", "45B07", "16", 6_950, (1, 20)),
    Product("43", "43A12", "14", 31_500, (1, 31)),
    Product("41", "41A01", "16", 7_400, (1, 20)),
    Product("42", "42A01", "84", 2_450, (1, 10)),
    Product("44", "44A03", "14", 18_900, (1, 31)),
    Product("48", "48B01", "84", 134_500, (1, 1)),
    Product("50", "50A01", "83", None, (15_000, 500_000)),
)
PRODUCTS_PER_PROVIDER = 5


# --------------------------------------------------------------------------- corpus


def _month(index: int) -> list[str]:
    """ISO dates of every day of the month ``index`` months after FIRST_MONTH."""
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    year += FIRST_MONTH.year
    return [date(year, month + 1, d).isoformat() for d in range(1, calendar.monthrange(year, month + 1)[1] + 1)]


def _bsn_pool() -> list[str]:
    """Test-range BSNs passing the 11-proef (9,091; reused across provider × gemeente)."""
    return [str(n) for n in range(TEST_BSN_MIN, TEST_BSN_MAX + 1) if elfproef(str(n))]


def _header(bericht: str, code: str, afzender: str, ontvanger: str, identificatie: str, dagtekening: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/{bericht}/schema" xmlns:ijw="{NS_BASIS}">
  <Header>
    <BerichtCode>{code}</BerichtCode>
    <BerichtVersie>3</BerichtVersie>
    <BerichtSubversie>2</BerichtSubversie>
    <Afzender>{afzender}</Afzender>
    <Ontvanger>{ontvanger}</Ontvanger>
    <BerichtIdentificatie>
      <ijw:Identificatie>{identificatie}</ijw:Identificatie>
      <ijw:Dagtekening>{dagtekening}</ijw:Dagtekening>
    </BerichtIdentificatie>
    <XsdVersie>
      <ijw:BasisschemaXsdVersie>0.1.0</ijw:BasisschemaXsdVersie>
      <ijw:BerichtXsdVersie>0.1.0</ijw:BerichtXsdVersie>
    </XsdVersie>
  </Header>
"""


def _prestatie(ref: str, vorig: str | None, toewijzing: int, product: Product, begin: str, eind: str,
               volume: int, bedrag: int, debet_credit: str) -> str:
    vorig_el = f"\n              <ijw:VorigReferentieNummer>{vorig}</ijw:VorigReferentieNummer>" if vorig else ""
    tarief_el = f"\n            <ProductTarief>{product.tarief}</ProductTarief>" if product.tarief is not None else ""
    return f"""          <Prestatie>
            <ProductReferentie>
              <ijw:ReferentieNummer>{ref}</ijw:ReferentieNummer>{vorig_el}
            </ProductReferentie>
            <ToewijzingNummer>{toewijzing}</ToewijzingNummer>
            <ProductCategorie>{product.categorie}</ProductCategorie>
            <ProductCode>{product.code}</ProductCode>
            <ProductPeriode><ijw:Begindatum>{begin}</ijw:Begindatum><ijw:Einddatum>{eind}</ijw:Einddatum></ProductPeriode>
            <GeleverdVolume>{volume}</GeleverdVolume>
            <Eenheid>{product.eenheid}</Eenheid>{tarief_el}
            <IngediendBedrag>
              <ijw:Bedrag>{bedrag}</ijw:Bedrag>
              <ijw:DebetCredit>{debet_credit}</ijw:DebetCredit>
            </IngediendBedrag>
          </Prestatie>"""


def _jw301(gemeente: str, agb: str, identificatie: str, bsn: str, toewijzingen: list[tuple[int, Product]]) -> str:
    """One client's toewijzingen at one provider: open-ended, per month, from FIRST_MONTH."""
    producten = "".join(f"""
      <ToegewezenProduct>
        <ToewijzingNummer>{nummer}</ToewijzingNummer>
        <Product>
          <ijw:Categorie>{product.categorie}</ijw:Categorie>
          <ijw:Code>{product.code}</ijw:Code>
        </Product>
        <Toewijzingsdatum>{TOEWIJZINGSDATUM.isoformat()}</Toewijzingsdatum>
        <Toewijzingstijd>10:00:00</Toewijzingstijd>
        <Ingangsdatum>{FIRST_MONTH.isoformat()}</Ingangsdatum>
        <Omvang>
          <ijw:Volume>{product.volume[1]}</ijw:Volume>
          <ijw:Eenheid>{product.eenheid}</ijw:Eenheid>
          <ijw:Frequentie>4</ijw:Frequentie>
        </Omvang>
      </ToegewezenProduct>""" for nummer, product in toewijzingen)
    return _header("jw301", "436", gemeente, agb, identificatie, TOEWIJZINGSDATUM.isoformat()) + f"""  <Client>
    <Bsn>{bsn}</Bsn>
    <Geboortedatum><ijw:Datum>{2008 + int(bsn) % 15}-06-01</ijw:Datum></Geboortedatum>
    <Geslacht>{1 + int(bsn) % 2}</Geslacht>
    <Naam>
      <ijw:Geslachtsnaam>
        <ijw:Achternaam>Testmans</ijw:Achternaam>
      </ijw:Geslachtsnaam>
      <ijw:Voorletters>T</ijw:Voorletters>
      <ijw:NaamGebruik>1</ijw:NaamGebruik>
    </Naam>
    <Contactgegevens>
      <Contact>
        <Soort>01</Soort>
        <Adres>
          <ijw:Huis><ijw:Huisnummer>1</ijw:Huisnummer></ijw:Huis>
          <ijw:Postcode>8011AB</ijw:Postcode>
          <ijw:Straatnaam>Proefstraat</ijw:Straatnaam>
          <ijw:Plaatsnaam>Proefdorp</ijw:Plaatsnaam>
          <ijw:LandCode>NL</ijw:LandCode>
        </Adres>
      </Contact>
    </Contactgegevens>
    <ToegewezenProducten>{producten}
    </ToegewezenProducten>
  </Client>
</Bericht>
"""


@dataclass
class _Pair:
    """One provider in one gemeente: its clients (0..clients-1) and last month's debits."""

    index: int
    clients: int = 0
    #: (client, slot) -> (ReferentieNummer, Begindatum, Einddatum, volume, bedrag) of last month
    debits: dict | None = None


def generate_corpus(out: Path, lines: int, files: int) -> dict:
    """Write ``lines`` Prestatie lines in ``files`` JW323 files to ``out/jw323`` and the JW301
    toewijzingen they declare against to ``out/jw301``; returns counts and JW323 bytes.

    File ``i`` is from provider ``i % P``; that provider's n-th file goes to gemeente ``n % 11``
    for month ``n // 11``, so every provider × gemeente declares month after month for the same
    clients (consecutive 11-proef test BSNs), each with four toewijzingen (one JW301 per client)
    of which it declares 1–4 a month. ~2 % of the lines credit last month's debit of the same
    toewijzing once (VorigReferentieNummer). Bedrag = volume × tarief (= volume for Eenheid 83),
    the header total is the signed sum, ReferentieNummer counts per provider.
    """
    rng = random.Random(SEED)
    pool = _bsn_pool()
    gemeenten = list(GEMEENTEN)
    providers = max(MIN_PROVIDERS, math.ceil(files / (len(gemeenten) * MAX_MONTHS)))
    offers = [[CATALOGUE[(3 * p + k) % len(CATALOGUE)] for k in range(PRODUCTS_PER_PROVIDER)] for p in range(providers)]
    references = [0] * providers
    pairs: dict[tuple[int, str], _Pair] = {}
    (out / "jw323").mkdir(parents=True)
    (out / "jw301").mkdir()
    jw323_bytes = 0
    for i in range(files):
        p, n = i % providers, i // providers
        agb, gemeente, month = f"9990{p + 1:04d}", gemeenten[n % len(gemeenten)], n // len(gemeenten)
        pair = pairs.setdefault((p, gemeente), _Pair(len(pairs)))
        days = _month(month)
        last_month, pair.debits = pair.debits or {}, {}
        todo = lines // files + (i < lines % files)
        body, totaal, client = [], 0, 0
        while todo:
            prestaties = []
            for slot in range(min(todo, rng.randint(1, SLOTS))):
                product = offers[p][(client + slot) % PRODUCTS_PER_PROVIDER]
                references[p] += 1
                ref = f"R{references[p]:013d}"
                credited = last_month.get((client, slot))
                if credited and rng.random() < CREDIT_SHARE:
                    vorig, begin, eind, volume, bedrag = credited
                    debet_credit = "C"
                else:
                    period = days if rng.random() < 0.8 else days[rng.randrange(len(days)):]
                    begin, eind, vorig, debet_credit = period[0], period[-1], None, "D"
                    low, high = product.volume
                    volume = rng.randint(low, min(high, len(period)) if product.eenheid == "14" else high)
                    bedrag = volume if product.tarief is None else volume * product.tarief
                    pair.debits[client, slot] = (ref, begin, eind, volume, bedrag)
                totaal += bedrag if debet_credit == "D" else -bedrag
                prestaties.append(_prestatie(ref, vorig, _toewijzing_nummer(p, client, slot), product,
                                             begin, eind, volume, bedrag, debet_credit))
            body.append(
                f"      <Client>\n        <Bsn>{_client_bsn(pool, pair, client)}</Bsn>\n        <Prestaties>\n"
                + "\n".join(prestaties) + "\n        </Prestaties>\n      </Client>\n"
            )
            todo -= len(prestaties)
            client += 1
        pair.clients = max(pair.clients, client)
        periode = days[0][:7].replace("-", "")
        dagtekening = (date.fromisoformat(days[-1]) + timedelta(days=rng.randint(2, 8))).isoformat()
        data = (
            _header("jw323", "490", agb, gemeente, f"B{periode}{gemeente}", dagtekening)
            + f"""  <Declaratie>
    <DeclaratieNummer>D{periode}{gemeente}</DeclaratieNummer>
    <DeclaratiePeriode><ijw:Begindatum>{days[0]}</ijw:Begindatum><ijw:Einddatum>{days[-1]}</ijw:Einddatum></DeclaratiePeriode>
    <DeclaratieDagtekening>{dagtekening}</DeclaratieDagtekening>
    <TotaalIngediendBedrag>
      <ijw:TotaalBedrag>{abs(totaal)}</ijw:TotaalBedrag>
      <ijw:DebetCredit>{"D" if totaal >= 0 else "C"}</ijw:DebetCredit>
    </TotaalIngediendBedrag>
    <Clienten>
""" + "".join(body) + "    </Clienten>\n  </Declaratie>\n</Bericht>\n"
        ).encode()
        (out / "jw323" / f"JW323_{agb}_{gemeente}_{periode}.xml").write_bytes(data)
        jw323_bytes += len(data)
    identificaties = dict.fromkeys(gemeenten, 0)
    for (p, gemeente), pair in pairs.items():
        agb = f"9990{p + 1:04d}"
        for client in range(pair.clients):
            identificaties[gemeente] += 1
            ident = f"TW{identificaties[gemeente]:08d}"
            toewijzingen = [(_toewijzing_nummer(p, client, slot), offers[p][(client + slot) % PRODUCTS_PER_PROVIDER])
                            for slot in range(SLOTS)]
            (out / "jw301" / f"JW301_{gemeente}_{agb}_{ident}.xml").write_text(
                _jw301(gemeente, agb, ident, _client_bsn(pool, pair, client), toewijzingen)
            )
    return {"files": files, "bytes": jw323_bytes, "jw301_files": sum(pair.clients for pair in pairs.values()),
            "providers": providers}


def _toewijzing_nummer(provider: int, client: int, slot: int) -> int:
    """Unique per gemeente (the key is gemeente + ToewijzingNummer)."""
    return 100_000_000 + provider * 1_000_000 + client * SLOTS + slot


def _client_bsn(pool: list[str], pair: _Pair, client: int) -> str:
    return pool[(pair.index * 211 + client) % len(pool)]


# --------------------------------------------------------------------------- workers (subprocesses)


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _peak_rss_mb() -> float:
    return int(re.search(r"VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text())[1]) / 1024


class _ChildrenPeak:
    """Peak RSS (VmHWM) of each child process (the parse workers of stage), read every 0.2 s
    while ``fn`` runs; a high-water mark, so a worker seen once before it ends is counted."""

    def __init__(self):
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                ppid, hwm = re.search(r"PPid:\s*(\d+)", status), re.search(r"VmHWM:\s*(\d+) kB", status)
                if ppid and hwm and int(ppid[1]) == me:
                    self.peaks[int(proc.name)] = max(self.peaks.get(int(proc.name), 0), int(hwm[1]) / 1024)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _measured(fn: Callable[[], object]) -> tuple[object, dict]:
    """Run ``fn``; its seconds and peak RSS: this process's plus that of the children it started
    (each child's own peak; they run side by side, so the sum bounds what they held at once)."""
    _reset_peak_rss()
    with _ChildrenPeak() as children:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    own = _peak_rss_mb()
    workers = sorted(children.peaks.values(), reverse=True)
    return result, {"seconds": seconds, "peak_rss_mb": own + sum(workers), "own_peak_rss_mb": own,
                    "children_peak_rss_mb": workers}


def ingest_worker(work: Path) -> dict:
    """stage → validate → publish on ``work/landing`` as the DAG does; URL and key from the env."""
    from jeugdhulp import pipeline, warehouse
    from jeugdhulp.privacy import key_from_env

    url, key = warehouse.warehouse_url(), key_from_env()
    dirs = {name: work / name for name in ("landing", "archive", "quarantine")}
    staged, stage_m = _measured(lambda: pipeline.stage(url, key, **dirs))
    validated, validate_m = _measured(lambda: pipeline.validate(url, staged["batch_id"]))
    published, publish_m = _measured(lambda: pipeline.publish(url, staged["batch_id"]))
    return {
        "lines": staged["rows"].get("JW323", 0),
        "staged": staged,
        "rows_quarantined": sum(v["rows_quarantined"] for v in validated.values()),
        "rows_published": published["core.declaratie_regel"],
        "steps": {"stage": stage_m, "validate": validate_m, "publish": publish_m},
    }


def to_sql_worker(corpus: Path, max_lines: int | None) -> dict:
    """The usual approach: parse all files, one DataFrame of the flat records, DataFrame.to_sql."""
    import pandas as pd
    import sqlalchemy

    from jeugdhulp import ijw, quality, warehouse
    from jeugdhulp.privacy import Pseudonymiser, key_from_env

    pseudonymise = Pseudonymiser(key_from_env())
    size = 0

    def parse_all() -> list[dict]:
        nonlocal size
        rows = []
        for path in sorted(corpus.glob("*.xml")):
            msg = ijw.parse(path, pseudonymise)
            rows.extend(rec.flat(msg.header) for rec in msg.records)
            size += path.stat().st_size
            if max_lines and len(rows) >= max_lines:
                return rows[:max_lines]
        return rows

    rows, parse_m = _measured(parse_all)
    df, frame_m = _measured(lambda: pd.DataFrame(rows))
    del rows
    engine = sqlalchemy.create_engine(quality.sqlalchemy_url(warehouse.warehouse_url()))
    _, insert_m = _measured(lambda: df.to_sql(
        "prestatie_to_sql", engine, schema="public", if_exists="replace", index=False,
        method="multi", chunksize=1000,
    ))
    engine.dispose()
    return {"lines": len(df), "bytes": size, "steps": {"parse": parse_m, "frame": frame_m, "to_sql": insert_m}}


def run_worker(mode: str, *args: str) -> dict:
    """Run this script as ``--worker mode`` in a fresh interpreter; returns its JSON report."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, *args], stdout=subprocess.PIPE, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --------------------------------------------------------------------------- database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on ``server_url`` (dropped afterwards); yields its libpq URL."""
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def benchmark_database(server_url: str | None) -> Iterator[str]:
    """A fresh database on ``server_url``, or on a throwaway cluster destroyed at the end."""
    if server_url:
        with fresh_database(server_url) as url:
            yield url
        return
    from jeugdhulp.db import Cluster

    base = Path(tempfile.mkdtemp(prefix="jeugdhulp-bench-pg-", dir="/var/tmp"))
    base.chmod(0o755)  # as root, the postgres OS user runs the cluster and must reach it
    cluster = Cluster(base / "data", _free_port())
    try:
        cluster.start()
        with fresh_database(cluster.url("postgres")) as url:
            yield url
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------- report


def _row(step: str, m: dict, lines: int | None = None, size: int | None = None) -> str:
    rate = f"{lines / m['seconds']:,.0f}" if lines else ""
    mbps = f"{size / 2**20 / m['seconds']:,.1f}" if size else ""
    rss = f"{m['peak_rss_mb']:,.0f}" if "peak_rss_mb" in m else ""
    return f"{step:<32}{m['seconds']:>10.2f}{rate:>12}{mbps:>9}{rss:>15}"


def _total(steps: dict) -> dict:
    return {
        "seconds": sum(m["seconds"] for m in steps.values()),
        "peak_rss_mb": max(m["peak_rss_mb"] for m in steps.values()),
    }


def report(gen: dict, setup: dict, ingest: dict, to_sql: dict | None) -> str:
    lines, size = ingest["lines"], gen["bytes"]
    steps = ingest["steps"]
    out = [
        f"corpus: {lines:,} declaration lines in {gen['files']:,} JW323 files ({size / 2**20:,.1f} MB) "
        f"from {gen['providers']} providers; {gen['jw301_files']:,} JW301 files",
        f"{'step':<32}{'seconds':>10}{'lines/s':>12}{'MB/s':>9}{'peak RSS MB':>15}",
        _row("generate (not ingest)", {"seconds": gen["seconds"]}, lines, size),
        _row("setup: JW301 (not timed)", setup),
        _row("stage (parse+pseudo+COPY)", steps["stage"], lines, size),
        _row("validate (GX, full suite)", steps["validate"]),
        _row("publish (staging -> core)", steps["publish"]),
        _row("ingest total", _total(steps), lines, size),
    ]
    stage_rate = lines / steps["stage"]["seconds"]
    ratio = "n/a"
    if to_sql:
        n, parts = to_sql["lines"], to_sql["steps"]
        total = _total(parts)
        out += [
            _row("to_sql: ijw.parse", parts["parse"], n, to_sql["bytes"]),
            _row("to_sql: DataFrame", parts["frame"], n),
            _row("to_sql: DataFrame.to_sql", parts["to_sql"], n),
            _row(f"to_sql total ({n:,} lines)", total, n, to_sql["bytes"]),
        ]
        ratio = f"{stage_rate / (n / total['seconds']):.1f}"
    stage = steps["stage"]
    if stage.get("children_peak_rss_mb"):
        out.append(f"stage peak RSS: {stage['own_peak_rss_mb']:,.0f} MB in the staging process + "
                   f"{sum(stage['children_peak_rss_mb']):,.0f} MB in {len(stage['children_peak_rss_mb'])} child processes "
                   f"({', '.join(f'{m:,.0f}' for m in stage['children_peak_rss_mb'])} MB)")
    peak = _total(steps)["peak_rss_mb"]
    out.append(f"ingest: {stage_rate:.0f} lines/s end-to-end, {ratio} times to_sql, peak RSS {peak:.0f} MB")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="declaration lines (default 1,000,000)")
    ap.add_argument("--files", type=int, help=f"JW323 files (default lines/{LINES_PER_FILE})")
    ap.add_argument("--db", help="libpq URL of a server whose role may create a database "
                                 "(default: a throwaway cluster)")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus dir")
    ap.add_argument("--skip-to-sql", action="store_true", help="skip the pandas to_sql comparison")
    ap.add_argument("--to-sql-lines", type=int, help="cap the lines given to to_sql (default: all)")
    ap.add_argument("--worker", choices=("ingest", "to_sql"), help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.files = args.files or max(1, args.lines // LINES_PER_FILE)
    if args.lines < args.files:
        ap.error("--lines must be at least --files (every file has one line or more)")
    return args


def _landing(work: Path, files: list[Path]) -> dict[str, Path]:
    """landing/archive/quarantine under ``work`` with hard links to ``files`` (the corpus stays)."""
    dirs = {name: work / name for name in ("landing", "archive", "quarantine")}
    for d in dirs.values():
        d.mkdir(parents=True)
    for f in files:
        os.link(f, dirs["landing"] / f.name)
    return dirs


def _check_clean(what: str, staged: dict, rows_quarantined: int) -> None:
    if staged["quarantined"] or rows_quarantined:
        raise SystemExit(f"benchmark corpus did not ingest cleanly ({what}): {json.dumps(staged)}, "
                         f"{rows_quarantined} rows quarantined")


def setup_toewijzingen(url: str, key: str, work: Path, files: list[Path]) -> dict:
    """Load the JW301 toewijzingen through the whole ingest first (not timed)."""
    from jeugdhulp import pipeline

    start = time.perf_counter()
    result = pipeline.run_ingest(url, key, **_landing(work, files))
    _check_clean("JW301 setup", result, sum(v["rows_quarantined"] for v in result["validated"].values()))
    return {"seconds": time.perf_counter() - start}


def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="jeugdhulp-bench-"))
    corpus = work / "corpus"
    key = secrets.token_hex(32)
    os.environ.update({"JEUGDHULP_PSEUDONYM_KEY": key, "JEUGDHULP_DATA_DOCS": str(work / "data_docs")})
    try:
        print(f"generating {args.lines:,} lines in {args.files:,} files into {corpus} ...", flush=True)
        start = time.perf_counter()
        gen = generate_corpus(corpus, args.lines, args.files)
        gen["seconds"] = time.perf_counter() - start
        with benchmark_database(args.db) as url:
            os.environ["JEUGDHULP_WAREHOUSE_URL"] = url
            print(f"setup: {gen['jw301_files']:,} JW301 files through the ingest (not timed) ...", flush=True)
            setup = setup_toewijzingen(url, key, work / "setup", sorted((corpus / "jw301").iterdir()))
            _landing(work / "ingest", sorted((corpus / "jw323").iterdir()))
            print("ingest: stage -> validate -> publish ...", flush=True)
            ingest = run_worker("ingest", "--dir", str(work / "ingest"))
            _check_clean("JW323", ingest["staged"], ingest["rows_quarantined"])
            if ingest["lines"] != args.lines or ingest["rows_published"] != args.lines:
                raise SystemExit(f"expected {args.lines} lines staged and published: {json.dumps(ingest)}")
            to_sql = None
            if not args.skip_to_sql:
                print("to_sql: parse -> DataFrame -> to_sql ...", flush=True)
                cap = ["--to-sql-lines", str(args.to_sql_lines)] if args.to_sql_lines else []
                to_sql = run_worker("to_sql", "--dir", str(corpus / "jw323"), *cap)
        return report(gen, setup, ingest, to_sql)
    finally:
        if args.keep:
            print(f"corpus kept in {corpus}", flush=True)
            for d in work.iterdir():
                if d != corpus:
                    shutil.rmtree(d, ignore_errors=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker == "ingest":
        print(json.dumps(ingest_worker(args.dir)))
    elif args.worker == "to_sql":
        print(json.dumps(to_sql_worker(args.dir, args.to_sql_lines)))
    else:
        print(run(args))


if __name__ == "__main__":
    main()
