"""Mart refresh benchmark: a year of the region, and the same at national scale.

What it measures
    1. *region* – ``jeugdhulp synth --scale region`` (IJsselland calibrated to 2019, ~14,000
       youths, all eight message types) goes through the real ingest (``pipeline.run_ingest``),
       the demo contract workbook and the bundled CBS snapshot are loaded; then the timed step:
       ``pipeline.refresh_marts`` = forecast (chain-ladder + backtest) + REFRESH of every mart +
       the GX suite of every mart, exactly what the ``marts_refresh`` DAG runs.
    2. *national* – core is replicated to 42 regions (the region's rows copied 41 times in SQL
       under the invented gemeente codes of ``synth.landelijke_gemeenten()``, providers and
       pseudonyms shifted so every key stays unique; contract rows likewise), and the same
       refresh is timed again. Ingesting a national corpus would only measure the ingest again
       (see benchmarks/ingest.py); replicating core gives the same row counts per table.

Database: ``--db URL`` (a server whose role may CREATE DATABASE), otherwise a throwaway cluster.

Run::

    .venv/bin/python benchmarks/marts.py            # region, then national (~42x the rows)
    .venv/bin/python benchmarks/marts.py --skip-national

The last line is ``marts: region <s> s, national <s> s (<lines> declaration lines)``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import benchmark_database  # noqa: E402  (the same throwaway database as the ingest benchmark)

from jeugdhulp import config, contract, pipeline, synth, warehouse  # noqa: E402
from jeugdhulp.cbs import load as cbs_load  # noqa: E402
from jeugdhulp.cbs.client import CbsClient  # noqa: E402
from jeugdhulp.cbs.server import SnapshotServer  # noqa: E402

REPLICATED = ("client", "toewijzing", "zorg_start_mutatie", "zorg_stop_mutatie", "verzoek_om_toewijzing",
              "verzoek_om_wijziging", "verzoek_antwoord", "declaratie", "declaratie_regel", "declaratie_antwoord",
              "declaratie_antwoord_regel", "contract_aanbieder", "contract_plafond", "begroting")


def _expression(column: str) -> str:
    if column in ("gemeente", "woonplaatsbeginsel_gemeente"):
        return f"coalesce((SELECT m.nieuw FROM bench_gemeente m WHERE m.r = r.r AND m.oud = t.{column}), t.{column})"
    if column == "aanbieder":
        return "lpad((t.aanbieder::bigint - r.r * 1000)::text, 8, '0')"
    if column == "client_pseudoniem":
        return "encode(sha256(convert_to(t.client_pseudoniem || '/' || r.r, 'UTF8')), 'hex')"
    return f"t.{column}"


def replicate_national(conn) -> None:
    """Copy the region's core rows to the other 41 regions (keys shifted, see module docstring)."""
    regios = synth.landelijke_gemeenten()
    eigen = sorted(g for (g,) in conn.execute("SELECT gemeente FROM core.gemeente"))
    with conn.transaction():
        conn.execute("CREATE TEMP TABLE bench_gemeente (r int, oud text, nieuw text)")
        for r, gemeenten in enumerate(regios, start=1):
            for oud, g in zip(eigen, gemeenten, strict=True):
                conn.execute("INSERT INTO core.gemeente (gemeente, gemeente_naam) VALUES (%s, %s)", (g.code, g.plaats))
                conn.execute("INSERT INTO bench_gemeente VALUES (%s, %s, %s)", (r, oud, g.code))
        for table in REPLICATED:
            columns = [c for (c,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                "AND attgenerated = '' ORDER BY attnum", (f"core.{table}",))]
            conn.execute(
                f"INSERT INTO core.{table} ({', '.join(columns)}) "
                f"SELECT {', '.join(_expression(c) for c in columns)} "
                f"FROM core.{table} t CROSS JOIN generate_series(1, {len(regios)}) AS r(r)"
            )
    conn.execute("ANALYZE")


def timed_refresh(url: str) -> tuple[float, dict]:
    start = time.perf_counter()
    counts = pipeline.refresh_marts(url)
    return time.perf_counter() - start, counts


def run(args: argparse.Namespace) -> str:
    out = []
    with benchmark_database(args.db) as url, tempfile.TemporaryDirectory(prefix="jeugdhulp-bench-marts-") as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        s = synth.generate(work / "landing", seed=args.seed, year=args.year, scale="region")
        dirs = {name: work / name for name in ("archive", "quarantine")}
        for d in dirs.values():
            d.mkdir()
        os.environ["JEUGDHULP_DATA_DOCS"] = str(work / "data_docs")
        ingest = pipeline.run_ingest(url, secrets.token_hex(32), landing=work / "landing", **dirs)
        with warehouse.connect(url) as conn:
            contract.load(conn, contract.generate_demo_workbook(work / "contract.xlsx", args.year, clients=14_000))
        with SnapshotServer(config.INCLUDE_DIR / "cbs" / "snapshot") as srv:
            cbs_load.load_all(url, CbsClient(srv.base_url))
        with warehouse.connect(url) as conn:
            lines = conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0]
        out.append(f"setup: synth region ({sum(s.files.values()):,} files) + ingest ({ingest['staged']:,} files) "
                   f"+ contract + CBS in {time.perf_counter() - t:.0f} s")
        region, counts = timed_refresh(url)
        out.append(f"region: {lines:,} declaration lines in core; refresh + forecast + mart suites {region:.1f} s")
        out.append("  " + ", ".join(f"{k.removeprefix('mart.')} {v:,}" for k, v in counts.items()))
        national, national_lines = None, None
        if not args.skip_national:
            with warehouse.connect(url) as conn:
                t = time.perf_counter()
                replicate_national(conn)
                national_lines = conn.execute("SELECT count(*) FROM core.declaratie_regel").fetchone()[0]
            out.append(f"replicated core to 42 regions in {time.perf_counter() - t:.0f} s")
            national, counts = timed_refresh(url)
            out.append(f"national: {national_lines:,} declaration lines in core; refresh + forecast + mart suites "
                       f"{national:.1f} s")
            out.append("  " + ", ".join(f"{k.removeprefix('mart.')} {v:,}" for k, v in counts.items()))
    out.append(f"marts: region {region:.1f} s, national "
               + (f"{national:.1f} s ({national_lines:,} declaration lines)" if national else "skipped"))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", help="libpq URL of a server whose role may CREATE DATABASE (default: throwaway cluster)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--skip-national", action="store_true")
    print(run(p.parse_args(argv)), flush=True)


if __name__ == "__main__":
    main()
