"""Ingest benchmark: JW323 declaration lines per second through the real ingest, versus pandas.to_sql.

What it measures
    1. *generate* – N synthetic declaration lines (default 1,000,000) in F JW323 files (default
       N/200) are written with string templates into a temp dir. Not part of the ingest figure.
    2. *stage / validate / publish* – exactly the steps of the ``ijw_ingest`` DAG on those files:
       ``pipeline.stage`` (SHA-256 manifest, hardened parse, BSN pseudonymisation, COPY to
       staging, file moves), ``pipeline.validate`` (the full GX suite on PostgreSQL) and
       ``pipeline.publish`` (staging → core). Stage is the end-to-end figure (lines/s, MB/s).
    3. *to_sql* – the usual approach on the same files: ``ijw.parse`` every file, one pandas
       DataFrame of all ``Record.flat(header)`` rows, ``DataFrame.to_sql(method="multi",
       chunksize=1000)`` through SQLAlchemy + psycopg 3 (``--to-sql-lines`` caps its input).

Steps 2 and 3 each run in their own subprocess (this script with the hidden ``--worker``), so
their peak RSS is their own. The peak is measured per step (``VmHWM`` in /proc/self/status,
reset through /proc/self/clear_refs before each step); a process's figure is the largest.

Database: ``--db URL`` (libpq URL of a server whose role may CREATE DATABASE; a fresh database is
created and dropped), otherwise a throwaway ``jeugdhulp.db.Cluster`` is started in /var/tmp and
destroyed at the end.

Run::

    .venv/bin/python benchmarks/ingest.py                   # 1,000,000 lines in ~5,000 files
    .venv/bin/python benchmarks/ingest.py --lines 100000 --skip-to-sql
    .venv/bin/python benchmarks/ingest.py --db postgresql://user:pw@host:5432/postgres --keep

The last line of the output is
``ingest: <lines/s> lines/s end-to-end, <x> times to_sql, peak RSS <MB> MB``.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from jeugdhulp import synth
from jeugdhulp.reference import GEMEENTEN

SEED = 2025
PROVIDERS = 20
FIRST_MONTH = date(2023, 1, 1)
LINES_PER_FILE = 200
CREDIT_SHARE = 0.02
#: GeleverdVolume range per Eenheid (WJ756); for 83 (euro) the volume is the amount in cents.
VOLUME = {"01": (30, 600), "04": (1, 20), "14": (1, 31), "16": (1, 20), "84": (1, 10), "83": (15_000, 500_000)}


# --------------------------------------------------------------------------- corpus


def _month(index: int) -> tuple[date, list[str]]:
    """The month ``index`` months after FIRST_MONTH: its first day and the ISO text of every day."""
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    first = date(FIRST_MONTH.year + year, month + 1, 1)
    days = calendar.monthrange(first.year, first.month)[1]
    return first, [date(first.year, first.month, d).isoformat() for d in range(1, days + 1)]


def _prestatie(ref: str, vorig: str, toewijzing: int, product: synth.Product, begin: str, eind: str,
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


def _header(agb: str, gemeente: str, first: date, days: list[str], dagtekening: str, totaal: int) -> str:
    periode = f"{first.year}{first.month:02d}"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw323/schema" xmlns:ijw="{synth.NS_BASIS}">
  <Header>
    <BerichtCode>490</BerichtCode>
    <BerichtVersie>3</BerichtVersie>
    <BerichtSubversie>2</BerichtSubversie>
    <Afzender>{agb}</Afzender>
    <Ontvanger>{gemeente}</Ontvanger>
    <BerichtIdentificatie>
      <ijw:Identificatie>B{periode}{gemeente}</ijw:Identificatie>
      <ijw:Dagtekening>{dagtekening}</ijw:Dagtekening>
    </BerichtIdentificatie>
    <XsdVersie>
      <ijw:BasisschemaXsdVersie>{synth.XSD_VERSIE}</ijw:BasisschemaXsdVersie>
      <ijw:BerichtXsdVersie>{synth.XSD_VERSIE}</ijw:BerichtXsdVersie>
    </XsdVersie>
  </Header>
  <Declaratie>
    <DeclaratieNummer>D{periode}{gemeente}</DeclaratieNummer>
    <DeclaratiePeriode><ijw:Begindatum>{days[0]}</ijw:Begindatum><ijw:Einddatum>{days[-1]}</ijw:Einddatum></DeclaratiePeriode>
    <DeclaratieDagtekening>{dagtekening}</DeclaratieDagtekening>
    <TotaalIngediendBedrag>
      <ijw:TotaalBedrag>{abs(totaal)}</ijw:TotaalBedrag>
      <ijw:DebetCredit>{"D" if totaal >= 0 else "C"}</ijw:DebetCredit>
    </TotaalIngediendBedrag>
    <Clienten>
"""


def generate_corpus(out: Path, lines: int, files: int) -> int:
    """Write ``lines`` Prestatie lines spread over ``files`` JW323 files into ``out``; returns bytes.

    File ``i`` is from provider ``i % PROVIDERS``; that provider's n-th file goes to gemeente
    ``n % 11`` for month ``n // 11`` (after January 2023), so BerichtIdentificatie and DeclaratieNummer are unique per
    provider. Clients are consecutive test BSNs (11-proef) with 1–4 lines each; ~2 % of the lines
    are credits of an earlier line of the same provider (VorigReferentieNummer) for the month
    before. Bedrag = volume × tarief (= volume for Eenheid 83); the header total is the signed sum.
    """
    rng = random.Random(SEED)
    providers = synth.aanbieders(PROVIDERS)
    references = [0] * PROVIDERS  # last ReferentieNummer per provider
    pool = synth.bsn_pool()
    gemeenten = list(GEMEENTEN)
    out.mkdir(parents=True, exist_ok=True)
    total_bytes = 0
    for i in range(files):
        p, n = i % PROVIDERS, i // PROVIDERS
        agb, products = providers[p].agb, providers[p].producten
        gemeente = gemeenten[n % len(gemeenten)]
        first, days = _month(n // len(gemeenten) + 1)
        _, previous_days = _month(n // len(gemeenten))
        todo = lines // files + (i < lines % files)
        client = rng.randrange(len(pool))
        body, totaal = [], 0
        while todo:
            client = (client + 1) % len(pool)
            prestaties = []
            for _ in range(min(todo, rng.randint(1, 4))):
                slot = rng.randrange(len(products))
                product = products[slot]
                references[p] += 1
                ref = references[p]
                if ref > 1 and rng.random() < CREDIT_SHARE:
                    vorig, debet_credit, period = f"R{rng.randrange(1, ref):013d}", "C", previous_days
                else:
                    vorig, debet_credit = "", "D"
                    period = days if rng.random() < 0.8 else days[rng.randrange(len(days)):]
                low, high = VOLUME[product.eenheid]
                if product.eenheid == "14":  # etmaal: at most one per day of the period
                    high = min(high, len(period))
                volume = rng.randint(low, high)
                bedrag = volume if product.tarief is None else volume * product.tarief
                totaal += bedrag if debet_credit == "D" else -bedrag
                prestaties.append(_prestatie(
                    f"R{ref:013d}", vorig, 250_000_000 + client * 16 + slot, product, period[0], period[-1],
                    volume, bedrag, debet_credit,
                ))
            todo -= len(prestaties)
            body.append(
                f"      <Client>\n        <Bsn>{pool[client]}</Bsn>\n        <Prestaties>\n"
                + "\n".join(prestaties)
                + "\n        </Prestaties>\n      </Client>\n"
            )
        dagtekening = (date.fromisoformat(days[-1]) + timedelta(days=rng.randint(2, 8))).isoformat()
        data = (
            _header(agb, gemeente, first, days, dagtekening, totaal)
            + "".join(body)
            + "    </Clienten>\n  </Declaratie>\n</Bericht>\n"
        ).encode()
        (out / f"JW323_{agb}_{gemeente}_{first.year}{first.month:02d}.xml").write_bytes(data)
        total_bytes += len(data)
    return total_bytes


# --------------------------------------------------------------------------- workers (subprocesses)


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _peak_rss_mb() -> float:
    return int(re.search(r"VmHWM:\s*(\d+) kB", Path("/proc/self/status").read_text())[1]) / 1024


def _measured(fn: Callable[[], object]) -> tuple[object, dict]:
    _reset_peak_rss()
    start = time.perf_counter()
    result = fn()
    return result, {"seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


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
        "files_staged": staged["staged"],
        "files_quarantined": staged["quarantined"],
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


def run_worker(mode: str, env: dict[str, str], *args: str) -> dict:
    """Run this script as ``--worker mode`` in a fresh interpreter; returns its JSON report."""
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, *args],
        env={**os.environ, **env}, stdout=subprocess.PIPE, text=True, check=True,
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
    return f"{step:<26}{m['seconds']:>10.2f}{rate:>12}{mbps:>9}{rss:>15}"


def _total(steps: dict) -> dict:
    return {
        "seconds": sum(m["seconds"] for m in steps.values()),
        "peak_rss_mb": max(m["peak_rss_mb"] for m in steps.values()),
    }


def report(gen: dict, ingest: dict, to_sql: dict | None) -> str:
    lines, size = ingest["lines"], gen["bytes"]
    steps = ingest["steps"]
    out = [
        f"corpus: {lines:,} declaration lines in {gen['files']:,} JW323 files, {size / 2**20:,.1f} MB",
        f"{'step':<26}{'seconds':>10}{'lines/s':>12}{'MB/s':>9}{'peak RSS MB':>15}",
        _row("generate (not ingest)", {"seconds": gen["seconds"]}, lines, size),
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


def run(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="jeugdhulp-bench-"))
    corpus = work / "corpus"
    try:
        print(f"generating {args.lines:,} lines in {args.files:,} files into {corpus} ...", flush=True)
        start = time.perf_counter()
        size = generate_corpus(corpus, args.lines, args.files)
        gen = {"files": args.files, "bytes": size, "seconds": time.perf_counter() - start}
        for name in ("landing", "archive", "quarantine"):
            (work / name).mkdir()
        for f in corpus.iterdir():  # stage moves landing files away; the corpus stays for to_sql
            os.link(f, work / "landing" / f.name)
        env = {"JEUGDHULP_PSEUDONYM_KEY": secrets.token_hex(32)}
        with benchmark_database(args.db) as url:
            env["JEUGDHULP_WAREHOUSE_URL"] = url
            print("ingest: stage -> validate -> publish ...", flush=True)
            ingest = run_worker("ingest", env, "--dir", str(work))
            if ingest["files_quarantined"] or ingest["rows_quarantined"] or ingest["rows_published"] != args.lines:
                raise SystemExit(f"benchmark corpus did not ingest cleanly: {json.dumps(ingest)}")
            to_sql = None
            if not args.skip_to_sql:
                print("to_sql: parse -> DataFrame -> to_sql ...", flush=True)
                cap = ["--to-sql-lines", str(args.to_sql_lines)] if args.to_sql_lines else []
                to_sql = run_worker("to_sql", env, "--dir", str(corpus), *cap)
        return report(gen, ingest, to_sql)
    finally:
        if args.keep:
            print(f"corpus kept in {corpus}", flush=True)
            for name in ("landing", "archive", "quarantine"):
                shutil.rmtree(work / name, ignore_errors=True)
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
