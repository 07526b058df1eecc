"""``jeugdhulp`` command line: the embedded warehouse, synthetic data, parsing, the demo.

    jeugdhulp db start|stop|status|url        embedded PostgreSQL (url: libpq/SQLAlchemy URL)
    jeugdhulp synth --out DIR [--seed N]      a synthetic year of iJw traffic
    jeugdhulp ijw parse FILE...               one JSON object per record; bad file -> one-line error
    jeugdhulp dq replay BATCH_ID              re-audit what a batch left unpublished, publish what passes
    jeugdhulp contract template|demo|load     contract master-data workbook (template, demo, load)
    jeugdhulp marts refresh                   recompute the forecast and refresh every mart
    jeugdhulp pc close YYYY-MM | pc summary   close a P&C month (freeze it); the year per gemeente
    jeugdhulp export MART --format csv|xlsx   a mart for Excel (CSV: ; and decimal comma)
    jeugdhulp report --period 2025-Q4         P&C report (PDF, HTML, XLSX) for the region or --gemeente
    jeugdhulp dag test DAG_ID                 run a DAG once through Airflow (dag.test)
    jeugdhulp airflow ARGS...                 the airflow CLI on this project (e.g. `standalone`)
    jeugdhulp demo [--clients N] [--ui]       everything end-to-end on a synthetic region
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from jeugdhulp import config


def _die(message: str, code: int = 1) -> int:
    print(f"jeugdhulp: {message}", file=sys.stderr)
    return code


def _step(message: str) -> float:
    print(f"==> {message}", flush=True)
    return time.monotonic()


# --------------------------------------------------------------------------- db


def cmd_db(args) -> int:
    from jeugdhulp.db import Cluster

    cluster = Cluster.default()
    if args.action == "start":
        cluster.start()
        print(cluster.status())
    elif args.action == "stop":
        cluster.stop()
        print(cluster.status())
    elif args.action == "status":
        print(cluster.status())
        return 0 if cluster.running() else 3
    elif args.action == "url":
        if not cluster.initialised():
            return _die("the embedded warehouse is not initialised; run `jeugdhulp db start`")
        print(cluster.url(args.database, driver=args.driver))
    return 0


# --------------------------------------------------------------------------- synth / parse


def cmd_synth(args) -> int:
    from jeugdhulp import synth

    t0 = time.monotonic()
    summary = synth.generate(
        Path(args.out), seed=args.seed, year=args.year, clients=args.clients, providers=args.providers,
        scale=args.scale, violations=args.violations, profile=args.profile,
    )
    print(f"{_describe(summary)} for {summary.clients} youths in {args.out} ({time.monotonic() - t0:.1f} s)")
    return 0


def _describe(summary) -> str:
    files = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.files.items()))
    return f"{sum(summary.files.values())} files ({files}), {summary.prestaties} declaration lines"


def _json_default(value):
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    raise TypeError(type(value))


def cmd_ijw_parse(args) -> int:
    from jeugdhulp import ijw, localenv
    from jeugdhulp.privacy import PseudonymKeyError, Pseudonymiser

    try:
        pseudonymise = Pseudonymiser(localenv.pseudonym_key())
    except PseudonymKeyError as exc:
        return _die(str(exc))
    status = 0
    for name in args.files:
        try:
            msg = ijw.parse(name, pseudonymise, xsd_dir=args.xsd_dir)
        except ijw.IjwParseError as exc:
            print(f"jeugdhulp: {exc.path}: {exc.reason}", file=sys.stderr)
            status = 1
            continue
        except OSError as exc:
            print(f"jeugdhulp: {name}: cannot read file: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        for rec in msg.records:
            out = {"file": name, "header": msg.header, "client": rec.client,
                   "toegewezen_product" if msg.bericht_type == "JW301" else "prestatie": rec.item,
                   "bron_regel": rec.line}
            print(json.dumps(out, default=_json_default, ensure_ascii=False))
    return status


def cmd_dq_replay(args) -> int:
    from jeugdhulp import pipeline, warehouse

    result = pipeline.replay(warehouse.warehouse_url(), args.batch_id)
    print(json.dumps(result, default=str))
    return 0


# --------------------------------------------------------------------------- contract / export


def cmd_contract(args) -> int:
    from jeugdhulp import contract

    if args.contract_command == "template":
        print(contract.write_template(args.out))
    elif args.contract_command == "demo":
        print(contract.generate_demo_workbook(args.out, args.year))
    else:
        from jeugdhulp import warehouse

        try:
            with warehouse.connect() as conn:
                warehouse.migrate(conn)
                result = contract.load(conn, args.file)
        except contract.ContractWorkbookError as exc:
            return _die(str(exc))
        print(json.dumps(result.as_dict()))
    return 0


def cmd_marts(args) -> int:
    from jeugdhulp import pipeline, warehouse

    for mart, n in pipeline.refresh_marts(warehouse.warehouse_url()).items():
        print(f"{mart}: {n} rows")
    return 0


def cmd_pc(args) -> int:
    from jeugdhulp import marts, warehouse

    with warehouse.connect() as conn:
        warehouse.migrate(conn)
        if args.pc_command == "summary":
            print_pc_summary(conn)
            return 0
        try:
            maand = dt.datetime.strptime(args.maand, "%Y-%m").date()
        except ValueError:
            return _die(f"month {args.maand!r} is not of the form YYYY-MM (e.g. 2025-03)")
        try:
            n = marts.close_month(conn, maand)
        except marts.PeriodClosedError as exc:
            return _die(str(exc))
    print(f"closed {maand:%Y-%m}: {n} P&C rows frozen (see mart.pc_gemeente_maand_vastgesteld)")
    return 0


def cmd_export(args) -> int:
    from jeugdhulp import export, warehouse

    with warehouse.connect() as conn:
        try:
            path, rows = export.export(conn, args.mart, args.format, args.out)
        except export.ExportError as exc:
            return _die(str(exc))
    print(f"{rows} rows -> {path}" if path else f"{rows} rows", file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    """P&C report (bestuursrapportage / jaarverslag input) for the region or one gemeente."""
    from jeugdhulp import reports, warehouse

    out = Path(args.out) if args.out else config.outbox_dir()
    try:
        with warehouse.connect() as conn:
            result = reports.run(conn, args.period, args.gemeente, out)
    except (reports.PeriodError, reports.ReportDataError, ValueError) as exc:
        return _die(str(exc))
    print(f"{result['scope']} {result['period']} ({result['status']}, peildatum {result['peildatum']}, "
          f"{result['suppressed_cells']} cells <5):")
    for path in result["files"]:
        print(f"  {path}")
    return 0


def _demo_reports(conn, period: str, gemeente: str = "0193") -> None:
    from jeugdhulp import reports

    t = _step(f"P&C reports {period} (bestuursrapportage) for the region and gemeente {gemeente}")
    for g in (None, gemeente):
        result = reports.run(conn, period, g, config.outbox_dir())
        print(f"    {result['scope']}: " + ", ".join(Path(f).name for f in result["files"]))
    print(f"    in {config.outbox_dir() / period} ({time.monotonic() - t:.1f} s)")


# --------------------------------------------------------------------------- airflow


def cmd_dag_test(args) -> int:
    """Run one DAG through Airflow's own ``dag.test()``; exit 1 unless the run succeeded."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(config.PROJECT_ROOT / "dags"))
    if bag.import_errors:
        return _die(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(args.dag_id)
    if dag is None:
        return _die(f"no DAG {args.dag_id!r}; known: {', '.join(sorted(bag.dag_ids))}")
    run = dag.test()
    state = str(getattr(run, "state", run))
    print(f"{args.dag_id}: {state}")
    return 0 if state.endswith("success") else 1


def _local_cluster_env() -> dict[str, str]:
    from jeugdhulp import localenv
    from jeugdhulp.db import Cluster

    cluster = Cluster.default()
    cluster.start()
    return {**os.environ, **localenv.airflow_env(cluster)}


def cmd_airflow(args) -> int:
    from jeugdhulp import localenv

    env = _local_cluster_env()
    os.execve(str(localenv.airflow_bin()), ["airflow", *args.airflow_args], env)
    return 0  # not reached


def _run_logged(cmd: list[str], env: dict, log_path: Path, what: str) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        res = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-25:])
        raise SystemExit(f"jeugdhulp: {what} failed (full log: {log_path}):\n{tail}")


# --------------------------------------------------------------------------- demo


BROKEN_EXAMPLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw323/schema">
  <Header><BerichtCode>490</BerichtCode>
"""


def cmd_demo(args) -> int:
    from jeugdhulp import localenv, synth, warehouse

    started = time.monotonic()
    t = _step("starting the embedded warehouse (PostgreSQL)")
    env = _local_cluster_env()
    print(f"    ready in {time.monotonic() - t:.1f} s")

    landing = config.landing_dir()
    t = _step(f"generating a synthetic year of iJw traffic ({args.clients} youths, 11 gemeenten) into {landing}")
    s = synth.generate(landing, seed=args.seed, year=args.year, clients=args.clients)
    (landing / "JW323_kapot_voorbeeld.xml").write_bytes(BROKEN_EXAMPLE)
    print(f"    {_describe(s)}, plus 1 deliberately broken file ({time.monotonic() - t:.1f} s)")
    from jeugdhulp import contract

    workbook = contract.generate_demo_workbook(config.contract_dir() / f"contract_ijsselland_{args.year}.xlsx", args.year,
                                               clients=args.clients)
    print(f"    contract workbook (tariffs, ceilings, begroting) for contract management: {workbook}")

    logs = config.local_dir() / "logs"
    t = _step("initialising Airflow (metadata in its own database)")
    _run_logged([str(localenv.airflow_bin()), "db", "migrate"], env, logs / "airflow-db-migrate.log", "airflow db migrate")
    print(f"    done in {time.monotonic() - t:.1f} s")

    from jeugdhulp.cbs.server import SnapshotServer

    # CBS open data comes from the bundled (illustrative) snapshot, served the way CBS serves it
    with SnapshotServer(config.INCLUDE_DIR / "cbs" / "snapshot") as cbs:
        env["AIRFLOW_CONN_CBS_STATLINE"] = json.dumps({"conn_type": "http", "host": cbs.base_url})
        for dag_id in ("ijw_ingest", "cbs_statline", "contract_master_data", "marts_refresh"):
            t = _step(f"running DAG {dag_id} through Airflow (dag.test)")
            log_path = logs / f"demo-{dag_id}.log"
            _run_logged([sys.executable, "-m", "jeugdhulp.cli", "dag", "test", dag_id], env, log_path, dag_id)
            print(f"    success in {time.monotonic() - t:.1f} s (log: {log_path})")

    with warehouse.connect(env[config.WAREHOUSE_URL_ENV]) as conn:
        print_summary(conn)
        _demo_reports(conn, f"{args.year}-Q4")
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s.")
    print("Open the Airflow UI on the same data:  .venv/bin/jeugdhulp airflow standalone   (http://localhost:8080)")
    if args.ui:
        return cmd_airflow(argparse.Namespace(airflow_args=["standalone"]))
    return 0


def print_summary(conn) -> None:
    from jeugdhulp.marts import declared_per_gemeente_maand, euro

    files = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
    q_lines = conn.execute("SELECT count(*) FROM dq.quarantine").fetchone()[0]
    print(f"\nFiles: {files.get('loaded', 0)} loaded, {files.get('quarantined', 0)} quarantined; "
          f"{q_lines} declaration/assignment lines quarantined by iJw rules.")
    for name, reason in conn.execute(
        "SELECT file_name, reason FROM meta.file_manifest WHERE state = 'quarantined' ORDER BY file_name LIMIT 5"
    ):
        print(f"  quarantined {name}: {reason}")

    rows = declared_per_gemeente_maand(conn)
    months = sorted({m for _, m, _ in rows})
    table: dict[str, dict] = {}
    for gemeente, maand, cents in rows:
        table.setdefault(gemeente, {})[maand] = cents
    print("\nDeclared amount per gemeente per month of delivery (mart.declaratie_gemeente_maand), x € 1.000:")
    print(f"{'gemeente':<16}" + "".join(f"{m:%m-%y}".rjust(7) for m in months) + "      totaal")
    for gemeente in sorted(table):
        cells = table[gemeente]
        print(f"{gemeente:<16}" + "".join(f"{round(cells.get(m, 0) / 100_000):>7,}".replace(",", ".") for m in months)
              + f"  {euro(sum(cells.values())):>16}")
    print(f"{'regio':<16}" + " " * 7 * len(months) + f"  {euro(sum(c for *_, c in rows)):>16}")

    per_youth = conn.execute(
        """
        SELECT g.gemeente_naam, b.jaar, b.aantal_0_17, sum(m.ingediend_bedrag)::bigint / b.aantal_0_17
        FROM mart.declaratie_gemeente_maand m
        JOIN core.gemeente g USING (gemeente)
        JOIN cbs.bevolking_jeugd b ON b.gemeente = m.gemeente
         AND b.jaar = (SELECT max(jaar) FROM cbs.bevolking_jeugd WHERE jaar <= extract(year FROM m.maand))
        WHERE b.aantal_0_17 > 0
        GROUP BY g.gemeente_naam, b.jaar, b.aantal_0_17 ORDER BY g.gemeente_naam
        """
    ).fetchall()
    if per_youth:
        print(f"\nDeclared per inhabitant aged 0-17 (CBS population on 1 January {per_youth[0][1]}, illustrative snapshot):")
        for gemeente, _, youths, cents in per_youth:
            print(f"{gemeente:<16}{youths:>8,}".replace(",", ".") + f" youths  {euro(cents):>12}")
    print_pc_summary(conn)


def print_pc_summary(conn) -> None:
    from jeugdhulp import forecast
    from jeugdhulp.marts import euro, pc_summary

    rows = pc_summary(conn)
    if not rows:
        return
    peildatum = conn.execute("SELECT peildatum FROM core.peildatum").fetchone()[0]
    jaar = conn.execute("SELECT max(jaar) FROM mart.pc_gemeente_jaar WHERE realisatie_bedrag <> 0").fetchone()[0]
    print(f"\nP&C {jaar} per gemeente (mart.pc_gemeente_jaar; data up to declaration date {peildatum:%d-%m-%Y}):")
    print(f"{'gemeente':<16}{'begroting':>17}{'realisatie':>17}{'nog te decl.':>15}{'prognose':>17}{'% begr.':>9}"
          f"{'jeugd/1000':>11}")
    for naam, begroting, realisatie, nog, _, prognose, pct, per_1000 in rows:
        print(f"{naam:<16}{euro(begroting):>17}{euro(realisatie):>17}{euro(nog):>15}{euro(prognose):>17}"
              f"{'' if pct is None else str(pct).replace('.', ','):>9}{'' if per_1000 is None else str(per_1000).replace('.', ','):>11}")
    for age, n, mape, bias in forecast.backtest_summary(conn):
        print(f"  forecast backtest, {age} month(s) after delivery: mean absolute error {mape} % (bias {bias} %, {n} estimates)")


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jeugdhulp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="the embedded warehouse PostgreSQL")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.add_argument("--database", default="warehouse", help="for url: warehouse (default) or airflow")
    db.add_argument("--driver", default="postgresql", help="for url: e.g. postgresql+psycopg for SQLAlchemy")
    db.set_defaults(func=cmd_db)

    sy = sub.add_parser("synth", help="generate synthetic iJw 3.2 traffic")
    sy.add_argument("--out", required=True)
    sy.add_argument("--seed", type=int, default=2025)
    sy.add_argument("--year", type=int, default=None,
                    help="the year of care and declarations (default: the last complete year, so that no "
                         "message is dated in the future)")
    sy.add_argument("--clients", type=int, default=None, help="youths (custom scale; default 2000)")
    sy.add_argument("--scale", choices=["custom", "region", "national"], default="custom",
                    help="region: IJsselland calibrated to 2019 (~14,000 youths); national: 42 regions")
    sy.add_argument("--violations", type=float, default=0.0,
                    help="share (0-1) of declaration lines made to break one rule (TR346, TR319 or TR314) and "
                         "rejected by the JW325 (default 0: no rule broken)")
    sy.add_argument("--profile", choices=["steady", "growth", "seasonal"], default="steady",
                    help="steady: case load constant over the year (default); growth: case load +15 %% from "
                         "January to December; seasonal: lower volumes in July and August")
    sy.add_argument("--providers", type=int, default=12)
    sy.set_defaults(func=cmd_synth)

    ij = sub.add_parser("ijw", help="iJw message tools")
    ij_sub = ij.add_subparsers(dest="ijw_command", required=True)
    parse = ij_sub.add_parser("parse", help="parse files and print one JSON object per record")
    parse.add_argument("files", nargs="+")
    parse.add_argument("--xsd-dir", default=None, help="validate against the official XSDs in this folder (or IJW_XSD_DIR)")
    parse.set_defaults(func=cmd_ijw_parse)

    dq = sub.add_parser("dq", help="data-quality tools")
    dq_sub = dq.add_subparsers(dest="dq_command", required=True)
    replay = dq_sub.add_parser("replay", help="re-audit the unpublished lines of a batch in a new batch")
    replay.add_argument("batch_id", type=int)
    replay.set_defaults(func=cmd_dq_replay)

    ct = sub.add_parser("contract", help="contract master data (Excel workbook)")
    ct_sub = ct.add_subparsers(dest="contract_command", required=True)
    ct_sub.add_parser("template", help="write the empty workbook template").add_argument("out")
    ct_demo = ct_sub.add_parser("demo", help="write a filled workbook for the synthetic region")
    ct_demo.add_argument("out")
    ct_demo.add_argument("--year", type=int, default=2025)
    ct_sub.add_parser("load", help="validate a workbook and load it as a new version").add_argument("file")
    ct.set_defaults(func=cmd_contract)

    mr = sub.add_parser("marts", help="steering marts")
    mr.add_argument("marts_command", choices=["refresh"], help="recompute the forecast and refresh every mart")
    mr.set_defaults(func=cmd_marts)
    pc = sub.add_parser("pc", help="planning & control periods")
    pc_sub = pc.add_subparsers(dest="pc_command", required=True)
    pc_close = pc_sub.add_parser("close", help="close a month: freeze its P&C figures (irreversible)")
    pc_close.add_argument("maand", help="the month to close, YYYY-MM")
    pc_sub.add_parser("summary", help="print the P&C year figures per gemeente")
    pc.set_defaults(func=cmd_pc)
    ex = sub.add_parser("export", help="export a mart as CSV (Dutch Excel) or XLSX")
    ex.add_argument("mart", help="e.g. declaratie_gemeente_maand (schema mart)")
    ex.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    ex.add_argument("--out", default=None, help="file to write (CSV default: stdout; XLSX default: MART.xlsx)")
    ex.set_defaults(func=cmd_export)

    rp = sub.add_parser("report", help="P&C report (PDF, HTML, XLSX) per gemeente or for the region")
    rp.add_argument("--period", required=True, help="a quarter (2025-Q4, bestuursrapportage) or a year (2025)")
    rp.add_argument("--gemeente", default=None, help="CBS code (0193) or name; default: the region")
    rp.add_argument("--out", default=None, help="folder (default: the outbox, JEUGDHULP_OUTBOX); files go to OUT/PERIOD/")
    rp.set_defaults(func=cmd_report)

    dag = sub.add_parser("dag", help="run a DAG once through Airflow")
    dag_sub = dag.add_subparsers(dest="dag_command", required=True)
    dag_test = dag_sub.add_parser("test")
    dag_test.add_argument("dag_id")
    dag_test.set_defaults(func=cmd_dag_test)

    af = sub.add_parser("airflow", help="the airflow CLI with this project's DAGs and warehouse")
    af.add_argument("airflow_args", nargs=argparse.REMAINDER)
    af.set_defaults(func=cmd_airflow)

    demo = sub.add_parser("demo", help="end-to-end demo on a synthetic region")
    demo.add_argument("--clients", type=int, default=int(os.environ.get("JEUGDHULP_DEMO_CLIENTS", 9000)))
    demo.add_argument("--seed", type=int, default=2025)
    demo.add_argument("--year", type=int, default=2025)
    demo.add_argument("--ui", action="store_true", help="start `airflow standalone` afterwards")
    demo.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a user sees one line, not a traceback
        if os.environ.get("JEUGDHULP_DEBUG"):
            raise
        return _die(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
