"""``jeugdhulp`` command line: the embedded warehouse, synthetic data, parsing, the demo.

    jeugdhulp db start|stop|status|url        embedded PostgreSQL (url: libpq/SQLAlchemy URL)
    jeugdhulp synth --out DIR [--seed N]      a synthetic year of iJw traffic
    jeugdhulp ijw parse FILE...               one JSON object per record; bad file -> one-line error
    jeugdhulp dq replay BATCH_ID              re-audit what a batch left unpublished, publish what passes
    jeugdhulp archive purge [--older-than DAYS] [--dry-run]   remove stored originals past retention
    jeugdhulp key status | rotate --new-key-file F   the pseudonymisation key: check it; rotate (re-key core)
    jeugdhulp contract template|demo|load     contract master-data workbook (template, demo, load)
    jeugdhulp marts refresh                   recompute the forecast and refresh every mart
    jeugdhulp pc close YYYY-MM | pc summary   close a P&C month (freeze it); the year per gemeente
    jeugdhulp export MART --format csv|xlsx   a mart for Excel (CSV: ; and decimal comma)
    jeugdhulp report --period 2025-Q4         P&C report (PDF, HTML, XLSX) for the region or --gemeente
    jeugdhulp dag test DAG_ID                 run a DAG once through Airflow (dag.test), logs in the UI
    jeugdhulp airflow [--port N] ARGS...      the airflow CLI on this project (e.g. `standalone`)
    jeugdhulp demo [--clients N] [--ui]       everything end-to-end on a synthetic region

Without JEUGDHULP_WAREHOUSE_URL the commands use the local warehouse (`jeugdhulp db start`).
Errors are one sentence; JEUGDHULP_DEBUG=1 shows the traceback.
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


def _warehouse_url() -> str:
    """JEUGDHULP_WAREHOUSE_URL, else the embedded local warehouse (as `jeugdhulp db url` prints it)."""
    from jeugdhulp.db import Cluster

    if os.environ.get(config.WAREHOUSE_URL_ENV):
        return os.environ[config.WAREHOUSE_URL_ENV]
    cluster = Cluster.default()
    if not cluster.initialised():
        raise UserError(f"no warehouse: set {config.WAREHOUSE_URL_ENV}, or make the local one with "
                        "`jeugdhulp db start` (or `jeugdhulp demo`)")
    if not cluster.running():
        raise UserError(f"the local warehouse in {cluster.data_dir} is not running: start it with `jeugdhulp db start`")
    return cluster.url("warehouse")


class UserError(RuntimeError):
    """Something the person at the keyboard can fix; printed as its message alone."""


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
    from jeugdhulp import progress, synth

    t0 = time.monotonic()
    out = Path(args.out)
    before = _files_in(out)
    with progress.watch(f"writing iJw files into {out}", lambda: _files_in(out) - before):
        summary = synth.generate(
            out, seed=args.seed, year=args.year, clients=args.clients, providers=args.providers,
            scale=args.scale, violations=args.violations, profile=args.profile,
        )
    print(f"{_describe(summary)} for {summary.clients} youths in {args.out} ({time.monotonic() - t0:.1f} s)")
    return 0


def _files_in(folder: Path) -> int:
    """Files directly in ``folder`` (0 when it does not exist yet); what the progress bars count."""
    try:
        return sum(1 for entry in os.scandir(folder) if entry.is_file())
    except FileNotFoundError:
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

    result = pipeline.replay(_warehouse_url(), args.batch_id)
    print(json.dumps(result, default=str))
    return 0


def cmd_archive_purge(args) -> int:
    from jeugdhulp import config, landing, warehouse

    days = landing.retention_days() if args.older_than is None else args.older_than
    with warehouse.connect(_warehouse_url()) as conn:
        warehouse.migrate(conn)
        report = landing.purge(conn, [config.archive_dir(), config.quarantine_dir()], days, dry_run=args.dry_run)
    print(f"{report.summary(args.dry_run)} (older than {days} days)")
    return 0


# --------------------------------------------------------------------------- pseudonymisation key


def cmd_key(args) -> int:
    from jeugdhulp import localenv, privacy, warehouse

    url = _warehouse_url()
    key = localenv.pseudonym_key()
    if args.key_command == "status":
        with warehouse.connect(url) as conn:
            warehouse.migrate(conn)
            rows = privacy.recorded_generations(conn)
            for generatie, fp, since in rows:
                print(f"generation {generatie}: fingerprint {fp[:12]}, in use since {since:%Y-%m-%d %H:%M}")
            if not rows:
                print("no key recorded yet: the first ingest records the fingerprint of the key it runs with")
                return 0
            privacy.checked_pseudonymiser(conn, key)  # raises PseudonymKeyMismatch with what to do
        print("the configured key is the warehouse's current key")
        return 0
    from jeugdhulp import key_rotation

    new_key = Path(args.new_key_file).read_text().strip()
    local = not (os.environ.get(privacy.KEY_ENV) or os.environ.get(privacy.KEY_FILE_ENV))
    result = key_rotation.rotate(url, key, new_key)
    print(f"rotated to generation {result['generation']} (fingerprint {result['fingerprint']}): "
          f"{result['pseudonyms']} pseudonyms re-keyed in {len(result['rows'])} tables")
    chain = " ".join([*key.split(), new_key])
    if local:
        path = localenv.pseudonym_key_path()
        tmp = path.with_name(path.name + ".new")
        tmp.write_text(chain + "\n")
        tmp.chmod(0o600)
        tmp.replace(path)
        print(f"{path} now holds the key chain of generation {result['generation']}; back it up in the key vault")
    else:
        print(f"Now set the key (Airflow connection '{privacy.KEY_CONN_ID}' password, or {privacy.KEY_ENV}) to the "
              f"current key chain, a space, and the key in {args.new_key_file}; store that chain in the key vault. "
              "Until then every ingest is refused (the warehouse holds the new generation).")
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
            with warehouse.connect(_warehouse_url()) as conn:
                warehouse.migrate(conn)
                result = contract.load(conn, args.file)
        except contract.ContractWorkbookError as exc:
            return _die(str(exc))
        print(json.dumps(result.as_dict()))
    return 0


def cmd_marts(args) -> int:
    from jeugdhulp import marts, pipeline, progress

    with progress.bar("refreshing the forecast and the marts", total=len(marts.MARTS) + 1, unit="steps") as advance:
        counts = pipeline.refresh_marts(_warehouse_url(), progress=lambda step: advance(label=step))
    for mart, n in counts.items():
        print(f"{mart}: {n} rows")
    return 0


def cmd_pc(args) -> int:
    from jeugdhulp import marts, warehouse

    with warehouse.connect(_warehouse_url()) as conn:
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

    with warehouse.connect(_warehouse_url()) as conn:
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
        with warehouse.connect(_warehouse_url()) as conn:
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
    """Run one DAG through Airflow's own ``dag.test()``; exit 1 unless the run succeeded.

    Unless ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` names another Airflow, this is the project's
    Airflow (as for the demo and ``jeugdhulp airflow``): its own metadata database in the embedded
    PostgreSQL, the project's DAGs, the local warehouse. Task logs land where the UI reads them."""
    from jeugdhulp import localenv
    from jeugdhulp.db import Cluster

    project = not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if project:
        cluster = Cluster.default()
        cluster.start()  # no-op when it runs; Airflow's metadata database lives in it
        os.environ.update(localenv.airflow_env(cluster))  # before Airflow is imported: it reads its config once
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ.get("AIRFLOW__CORE__DAGS_FOLDER") or str(config.PROJECT_ROOT / "dags"))
    if bag.import_errors:
        return _die("DAG files that do not import: " + "; ".join(f"{Path(f).name}: {e.strip().splitlines()[-1]}"
                                                                 for f, e in bag.import_errors.items()))
    dag = bag.dags.get(args.dag_id)
    if dag is None:
        return _die(f"there is no DAG {args.dag_id!r} in {bag.dag_folder}; the DAGs are: {', '.join(sorted(bag.dag_ids))}")
    if project:
        log_path = config.local_dir() / "logs" / "airflow-db-migrate.log"
        _run_logged([str(localenv.airflow_bin()), "db", "migrate"], dict(os.environ), log_path, "airflow db migrate")
    from jeugdhulp import dagtest

    run = dagtest.run(dag)
    state = str(getattr(run, "state", run))
    print(f"{args.dag_id}: {state} (run {run.run_id}; task logs in the Airflow UI and under "
          f"{os.environ.get('AIRFLOW_HOME', '~/airflow')}/logs)")
    return 0 if state.endswith("success") else 1


def _local_cluster_env() -> dict[str, str]:
    from jeugdhulp import localenv
    from jeugdhulp.db import Cluster

    cluster = Cluster.default()
    cluster.start()
    return {**os.environ, **localenv.airflow_env(cluster)}


def cmd_airflow(args) -> int:
    from jeugdhulp import localenv

    if getattr(args, "port", None):
        os.environ["JEUGDHULP_AIRFLOW_PORT"] = str(args.port)
    env = _local_cluster_env()
    if args.airflow_args[:1] == ["standalone"]:
        print(f"Airflow UI: http://localhost:{config.airflow_port()}  (stop with Ctrl-C or SIGTERM)", flush=True)
    return _run_process_group([str(localenv.airflow_bin()), *args.airflow_args], env)


class _Stop(Exception):
    def __init__(self, signum: int):
        self.signum = signum


def _run_process_group(cmd: list[str], env: dict, grace: float = 30.0) -> int:
    """Run ``cmd`` as the leader of its own process group and wait for it. SIGTERM, SIGINT or SIGHUP
    to this process stop the whole group: `airflow standalone` with its scheduler, api-server,
    dag-processor, triggerer and their workers (SIGTERM, then SIGKILL after ``grace`` seconds)."""
    import signal

    proc = subprocess.Popen(cmd, env=env, start_new_session=True)

    def stop(signum, frame):
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        try:
            return proc.wait()
        except _Stop as exc:
            signal.signal(exc.signum, signal.SIG_IGN)  # a second Ctrl-C does not interrupt the clean-up
            _stop_group(proc, grace)
            return 128 + exc.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_group(proc: subprocess.Popen, grace: float) -> None:
    import signal

    def group_alive() -> bool:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader, or it stays a zombie member of the group
            if not group_alive():
                return
            time.sleep(0.2)
    proc.wait()


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
    from jeugdhulp import localenv, progress, synth, warehouse

    started = time.monotonic()
    t = _step("starting the embedded warehouse (PostgreSQL)")
    env = _local_cluster_env()
    print(f"    ready in {time.monotonic() - t:.1f} s")

    landing = config.landing_dir()
    t = _step(f"generating a synthetic year of iJw traffic ({args.clients} youths, 11 gemeenten) into {landing}")
    before = _files_in(landing)
    with progress.watch("writing iJw files", lambda: _files_in(landing) - before):
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
            if dag_id == "ijw_ingest":  # files leave landing as they are staged (archived or quarantined)
                waiting = _files_in(landing)
                watching = progress.watch("staging landing files", lambda: waiting - _files_in(landing), total=waiting)
            else:
                watching = progress.watch(dag_id, None, unit="tasks")
            with watching:
                _run_logged([sys.executable, "-m", "jeugdhulp.cli", "dag", "test", dag_id], env, log_path, dag_id)
            print(f"    success in {time.monotonic() - t:.1f} s (log: {log_path})")

    with warehouse.connect(env[config.WAREHOUSE_URL_ENV]) as conn:
        print_summary(conn)
        _demo_reports(conn, f"{args.year}-Q4")
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s.")
    print("Open the Airflow UI on the same data:  .venv/bin/jeugdhulp airflow standalone   "
          f"(http://localhost:{config.airflow_port()}; another port: jeugdhulp airflow --port 8090 standalone)")
    if args.ui:
        return cmd_airflow(argparse.Namespace(airflow_args=["standalone"], port=None))
    return 0


def print_summary(conn) -> None:
    from jeugdhulp.marts import euro, realisatie_per_gemeente_maand

    files = dict(conn.execute("SELECT state, count(*) FROM meta.file_manifest GROUP BY state").fetchall())
    q_lines = conn.execute("SELECT count(*) FROM dq.quarantine").fetchone()[0]
    print(f"\nFiles: {files.get('loaded', 0)} loaded, {files.get('quarantined', 0)} quarantined; "
          f"{q_lines} declaration/assignment lines quarantined by iJw rules.")
    for name, reason in conn.execute(
        "SELECT file_name, reason FROM meta.file_manifest WHERE state = 'quarantined' ORDER BY file_name LIMIT 5"
    ):
        print(f"  quarantined {name}: {reason}")

    rows = realisatie_per_gemeente_maand(conn)
    months = sorted({m for _, m, *_ in rows})
    table: dict[str, dict] = {}
    pending: dict[str, int] = {}
    for gemeente, maand, toegekend, in_behandeling in rows:
        table.setdefault(gemeente, {})[maand] = toegekend
        pending[gemeente] = pending.get(gemeente, 0) + in_behandeling
    print("\nRealisatie = TOEGEKEND (approved by the gemeente, JW325) per gemeente per month of delivery "
          "(mart.pc_gemeente_maand), x € 1.000; IN BEHANDELING (no answer yet) beside it:")
    print(f"{'gemeente':<16}" + "".join(f"{m:%m-%y}".rjust(7) for m in months) + "  totaal toegekend  in behandeling")
    for gemeente in sorted(table):
        cells = table[gemeente]
        print(f"{gemeente:<16}" + "".join(f"{round(cells.get(m, 0) / 100_000):>7,}".replace(",", ".") for m in months)
              + f"  {euro(sum(cells.values())):>16}  {euro(pending[gemeente]):>14}")
    print(f"{'regio':<16}" + " " * 7 * len(months)
          + f"  {euro(sum(r[2] for r in rows)):>16}  {euro(sum(r[3] for r in rows)):>14}")

    per_youth = conn.execute(
        """
        SELECT gemeente_naam, jaar, bevolking_jaar, inwoners_0_17, realisatie_per_inwoner_0_17_bedrag,
               round(in_behandeling_bedrag::numeric / NULLIF(inwoners_0_17, 0))::bigint
        FROM mart.pc_gemeente_jaar
        WHERE inwoners_0_17 > 0
          AND jaar = (SELECT max(jaar) FROM mart.pc_gemeente_jaar WHERE realisatie_bedrag <> 0)
        ORDER BY gemeente_naam
        """
    ).fetchall()
    if per_youth:
        print(f"\nToegekend {per_youth[0][1]} per inhabitant aged 0-17 (CBS population on 1 January {per_youth[0][2]}, "
              "illustrative snapshot), in behandeling per inhabitant beside it:")
        for gemeente, _, _, youths, cents, pending_cents in per_youth:
            print(f"{gemeente:<16}{youths:>8,}".replace(",", ".") + f" youths  {euro(cents):>12}  {euro(pending_cents):>10}")
    print_pc_summary(conn)


def print_pc_summary(conn) -> None:
    from jeugdhulp import forecast
    from jeugdhulp.marts import euro, pc_summary

    rows = pc_summary(conn)
    if not rows:
        return
    peildatum = conn.execute("SELECT peildatum FROM core.peildatum").fetchone()[0]
    jaar = conn.execute("SELECT max(jaar) FROM mart.pc_gemeente_jaar WHERE realisatie_bedrag <> 0").fetchone()[0]
    print(f"\nP&C {jaar} per gemeente (mart.pc_gemeente_jaar; data up to declaration date {peildatum:%d-%m-%Y}); "
          "realisatie = toegekend, prognose = toegekend + in behandeling + nog te declareren + verplichtingen:")
    print(f"{'gemeente':<16}{'begroting':>17}{'toegekend':>17}{'in behandeling':>16}{'nog te decl.':>15}"
          f"{'prognose':>17}{'% begr.':>9}{'jeugd/1000':>11}")
    for naam, begroting, realisatie, in_behandeling, nog, _, prognose, pct, per_1000, _ in rows:
        print(f"{naam:<16}{euro(begroting):>17}{euro(realisatie):>17}{euro(in_behandeling):>16}{euro(nog):>15}"
              f"{euro(prognose):>17}{'' if pct is None else str(pct).replace('.', ','):>9}"
              f"{'' if per_1000 is None else str(per_1000).replace('.', ','):>11}")
    for age, n, mape, bias in forecast.backtest_summary(conn):
        print(f"  forecast backtest, {age} month(s) after delivery: mean absolute error {mape} % (bias {bias} %, {n} estimates)")


# --------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jeugdhulp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="the embedded warehouse PostgreSQL")
    db.add_argument("action", choices=["start", "stop", "status", "url"],
                    help="start/stop the local PostgreSQL, show its status, or print its URL")
    db.add_argument("--database", default="warehouse", help="for url: warehouse (default) or airflow")
    db.add_argument("--driver", default="postgresql", help="for url: e.g. postgresql+psycopg for SQLAlchemy")
    db.set_defaults(func=cmd_db)

    sy = sub.add_parser("synth", help="generate synthetic iJw 3.2 traffic")
    sy.add_argument("--out", required=True, help="folder to write the iJw XML files into (created if missing)")
    sy.add_argument("--seed", type=int, default=2025, help="random seed: the same seed gives the same files (default 2025)")
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
    sy.add_argument("--providers", type=int, default=12, help="care providers (aanbieders) per region (default 12)")
    sy.set_defaults(func=cmd_synth)

    ij = sub.add_parser("ijw", help="iJw message tools")
    ij_sub = ij.add_subparsers(dest="ijw_command", required=True)
    parse = ij_sub.add_parser("parse", help="parse files and print one JSON object per record")
    parse.add_argument("files", nargs="+", help="iJw 3.2 XML files (JW301 ... JW325)")
    parse.add_argument("--xsd-dir", default=None, help="validate against the official XSDs in this folder (or IJW_XSD_DIR)")
    parse.set_defaults(func=cmd_ijw_parse)

    dq = sub.add_parser("dq", help="data-quality tools")
    dq_sub = dq.add_subparsers(dest="dq_command", required=True)
    replay = dq_sub.add_parser("replay", help="re-audit the unpublished lines of a batch in a new batch")
    replay.add_argument("batch_id", type=int, help="meta.load_batch.batch_id of the batch to re-audit")
    replay.set_defaults(func=cmd_dq_replay)

    ar = sub.add_parser("archive", help="the stored originals in archive and quarantine (they hold BSNs)")
    ar_sub = ar.add_subparsers(dest="archive_command", required=True)
    purge = ar_sub.add_parser("purge", help="remove stored originals past their retention; manifest rows stay (purged)")
    purge.add_argument("--older-than", type=int, metavar="DAYS",
                       help="retention in days (default JEUGDHULP_ARCHIVE_RETENTION_DAYS, else 730)")
    purge.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    purge.set_defaults(func=cmd_archive_purge)

    ky = sub.add_parser("key", help="the pseudonymisation key (fingerprint check, rotation)")
    ky_sub = ky.add_subparsers(dest="key_command", required=True)
    ky_sub.add_parser("status", help="the key generations the warehouse recorded; does the configured key match?")
    ky_rotate = ky_sub.add_parser("rotate", help="re-key every pseudonym with a new key chained to the current one")
    ky_rotate.add_argument("--new-key-file", required=True,
                           help="file holding the new key (e.g. `openssl rand -hex 32 > new.key`); the current key "
                                "is the configured one")
    ky.set_defaults(func=cmd_key)

    ct = sub.add_parser("contract", help="contract master data (Excel workbook)")
    ct_sub = ct.add_subparsers(dest="contract_command", required=True)
    ct_sub.add_parser("template", help="write the empty workbook template").add_argument("out", help="the .xlsx file to write")
    ct_demo = ct_sub.add_parser("demo", help="write a filled workbook for the synthetic region")
    ct_demo.add_argument("out", help="the .xlsx file to write")
    ct_demo.add_argument("--year", type=int, default=2025, help="contract year (default 2025)")
    ct_sub.add_parser("load", help="validate a workbook and load it as a new version").add_argument(
        "file", help="the contract workbook (.xlsx)")
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
    ex.add_argument("--format", choices=["csv", "xlsx"], default="csv", help="csv (default; ; and decimal comma) or xlsx")
    ex.add_argument("--out", default=None, help="file to write (CSV default: stdout; XLSX default: MART.xlsx)")
    ex.set_defaults(func=cmd_export)

    rp = sub.add_parser("report", help="P&C report (PDF, HTML, XLSX) per gemeente or for the region")
    rp.add_argument("--period", required=True, help="a quarter (2025-Q4, bestuursrapportage) or a year (2025)")
    rp.add_argument("--gemeente", default=None, help="CBS code (0193) or name; default: the region")
    rp.add_argument("--out", default=None, help="folder (default: the outbox, JEUGDHULP_OUTBOX); files go to OUT/PERIOD/")
    rp.set_defaults(func=cmd_report)

    dag = sub.add_parser("dag", help="run a DAG once through Airflow")
    dag_sub = dag.add_subparsers(dest="dag_command", required=True)
    dag_test = dag_sub.add_parser("test", help="run a DAG once with dag.test() in the project's Airflow")
    dag_test.add_argument("dag_id", help="e.g. ijw_ingest, marts_refresh, pc_reports_quarterly")
    dag_test.set_defaults(func=cmd_dag_test)

    af = sub.add_parser("airflow", help="the airflow CLI with this project's DAGs and warehouse")
    af.add_argument("--port", type=int, default=None,
                    help="port of the UI/API and of the execution API the tasks call (default 8080, env JEUGDHULP_AIRFLOW_PORT)")
    af.add_argument("airflow_args", nargs=argparse.REMAINDER, help="arguments of the airflow CLI, e.g. standalone")
    af.set_defaults(func=cmd_airflow)

    demo = sub.add_parser("demo", help="end-to-end demo on a synthetic region")
    demo.add_argument("--clients", type=int, default=int(os.environ.get("JEUGDHULP_DEMO_CLIENTS", 9000)),
                      help="youths in the synthetic region (default 9000, env JEUGDHULP_DEMO_CLIENTS)")
    demo.add_argument("--seed", type=int, default=2025, help="random seed of the synthetic data (default 2025)")
    demo.add_argument("--year", type=int, default=2025, help="the year of care and declarations (default 2025)")
    demo.add_argument("--ui", action="store_true", help="start `airflow standalone` afterwards")
    demo.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a person sees a sentence, not a traceback (JEUGDHULP_DEBUG=1 shows it)
        if os.environ.get("JEUGDHULP_DEBUG"):
            raise
        return _die(_sentence(exc))


#: exceptions that mean a bug in jeugdhulp rather than a problem with the input or the setup
_BUGS = (AttributeError, KeyError, IndexError, TypeError, NameError, AssertionError, ImportError, NotImplementedError)


def _sentence(exc: BaseException) -> str:
    """What went wrong, as the exception's own message (our errors are written as sentences)."""
    message = " ".join(str(exc).split()) if "\n" not in str(exc).strip() else str(exc).strip()
    if isinstance(exc, _BUGS) or not message:
        return (f"unexpected error ({type(exc).__name__}: {message or 'no message'}); please report it, with the "
                "traceback that JEUGDHULP_DEBUG=1 shows")
    if type(exc).__module__.startswith("psycopg") and "connect" in message:
        return f"cannot connect to the warehouse: {message}"
    if type(exc).__module__.startswith("psycopg") and "has not been populated" in message:
        return f"{message.splitlines()[0]}: the marts were never refreshed; run `jeugdhulp marts refresh` first"
    return message


if __name__ == "__main__":
    sys.exit(main())
