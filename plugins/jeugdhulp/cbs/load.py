"""Load configured CBS tables into schema ``cbs``: skip-if-unchanged, COPY, GX audit, publish.

Per table (:func:`load_table`), write-audit-publish like the iJw ingest:

1. ask CBS for the table's properties (one request) and compare its ``Modified`` date and the
   fingerprint of its configuration with the latest ``loaded`` row in ``cbs.tabel_load``: equal
   means *skipped*, nothing is written;
2. read the metadata (DataProperties / Dimensions + MeasureCodes, every code list), resolve the
   configuration against it (:func:`jeugdhulp.cbs.spec.resolve`), open a manifest row and stream
   the filtered cells page by page into ``cbs.stg_<target>`` with COPY;
3. run the GX suite ``include/expectations/cbs_<target>.json`` on that staged load; any failing
   expectation rejects the load (status ``rejected``, the published rows stay as they were);
4. in one transaction: upsert the conformed dimensions (``cbs.regio``, ``cbs.periode``), replace
   the table's metadata and its facts with the staged rows, mark the manifest row ``loaded``.

A rerun against an unchanged table changes no row; a reload of a changed table replaces that
table's rows (CBS revises provisional figures, so the whole filtered slice is reloaded).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import psycopg
from psycopg.types.json import Jsonb

from jeugdhulp import config, gx_support, warehouse
from jeugdhulp.cbs.client import CbsClient, CbsError, CbsShapeError, Observation
from jeugdhulp.cbs.spec import PERIOD_RE, Config, Plan, TableSpec, load_config, resolve

log = logging.getLogger(__name__)

REGION_KINDS = {"GM": "gemeente", "JZ": "jeugdregio", "PV": "provincie", "LD": "landsdeel", "CR": "corop", "NL": "land"}
_HALF = {1: "1e halfjaar", 2: "2e halfjaar"}
_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december")


class CbsQualityError(CbsError):
    """A load failed its GX suite; nothing of it was published."""


@dataclass
class LoadResult:
    table_id: str
    status: str  # loaded | skipped
    modified: str
    load_id: int | None = None
    rows: int = 0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- conversions


def period_row(code: str) -> tuple:
    """(periode, soort, jaar, volgnummer, begindatum, einddatum, naam) of a StatLine period code."""
    m = PERIOD_RE.match(code)
    if not m:
        raise CbsShapeError(f"period code {code!r} is not of the form YYYY(JJ|HJ|KW|MM)nn")
    year, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
    if kind == "JJ":
        return code, "jaar", year, 0, dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
    months = {"HJ": 6, "KW": 3, "MM": 1}[kind]
    if not 1 <= n <= 12 // months:
        raise CbsShapeError(f"period code {code!r}: number {n} out of range")
    first = (n - 1) * months + 1
    last = first + months - 1
    begin, end = dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])
    soort, naam = {
        "HJ": ("halfjaar", f"{year} {_HALF.get(n, '')}"),
        "KW": ("kwartaal", f"{year} {n}e kwartaal"),
        "MM": ("maand", f"{year} {_MONTHS[n - 1]}"),
    }[kind]
    return code, soort, year, n, begin, end, naam


def region_kind(code: str) -> str:
    return REGION_KINDS.get(code[:2], "overig")


def convert(value, mtype: str):
    """CBS value -> warehouse value. None stays None (a suppressed/unknown cell)."""
    if value is None:
        return None
    d = Decimal(str(value))
    if mtype == "count":
        return int(d.to_integral_value(ROUND_HALF_UP))
    if mtype == "money_k_eur":  # thousands of euros -> euro cents
        return int((d * 100_000).to_integral_value(ROUND_HALF_UP))
    return d


# --------------------------------------------------------------------------- manifest


def latest_load(conn: psycopg.Connection, table_id: str) -> tuple | None:
    return conn.execute(
        "SELECT load_id, modified, config_sha256 FROM cbs.tabel_load WHERE tabel_id = %s AND status = 'loaded' "
        "ORDER BY load_id DESC LIMIT 1",
        (table_id,),
    ).fetchone()


def _finish(conn: psycopg.Connection, load_id: int, status: str, reason: str | None = None, dq=None) -> None:
    with conn.transaction():
        conn.execute(
            "UPDATE cbs.tabel_load SET status = %s, reden = %s, dq_resultaat = COALESCE(%s, dq_resultaat), "
            "klaar_op = now() WHERE load_id = %s",
            (status, reason, Jsonb(dq) if dq is not None else None, load_id),
        )


def _clear_staging(conn: psycopg.Connection, target: str, load_id: int) -> None:
    with conn.transaction():
        conn.execute(f"DELETE FROM cbs.stg_{target} WHERE batch_id = %s", (load_id,))


# --------------------------------------------------------------------------- stage


def _stage(conn: psycopg.Connection, client: CbsClient, plan: Plan, load_id: int) -> int:
    spec = plan.spec
    dims, value_col = spec.columns, spec.value_column
    cols = list(dims.values())
    by_key = {key: name for name, key in plan.measure_keys.items()}
    types = {m.name: m.type for m in spec.measures}
    fixed = {d: c.key for d, c in plan.fixed.items()}
    rows = 0
    with conn.transaction():
        with conn.cursor().copy(
            f"COPY cbs.stg_{spec.target} (batch_id, tabel_id, maat, {', '.join(cols)}, {value_col}, geheim, waarde_attribuut) "
            "FROM STDIN"
        ) as copy:
            obs: Observation
            for obs in client.observations(plan.meta, plan.measure_keys.values(), plan.filters):
                for d, code in fixed.items():  # a pinned dimension must come back pinned
                    if obs.dims[d] != code:
                        raise CbsShapeError(
                            f"CBS table {spec.table_id}: got {d}={obs.dims[d]!r} although the request asked for {code!r}"
                        )
                maat = by_key.get(obs.measure)
                if maat is None:
                    raise CbsShapeError(f"CBS table {spec.table_id}: unexpected measure {obs.measure!r} in the data")
                value = convert(obs.value, types[maat])
                copy.write_row(
                    (load_id, spec.table_id, maat, *[obs.dims[d] for d in dims], value, value is None, obs.value_attribute)
                )
                rows += 1
    return rows


# --------------------------------------------------------------------------- audit


def load_suite(target: str) -> dict:
    return json.loads((config.EXPECTATIONS_DIR / f"cbs_{target}.json").read_text())


def run_suite(url: str, suite_json: dict, load_id: int):
    """Run a suite on the staged rows of one load (``SELECT * FROM <stg> WHERE batch_id = …``)."""
    import great_expectations as gx

    ctx, datasource = gx_support.context(url, "cbs_warehouse")
    name = f"{suite_json['name']}_{int(load_id)}_{uuid.uuid4().hex[:8]}"
    asset = datasource.add_query_asset(
        name, query=f"SELECT * FROM {suite_json['meta']['table']} WHERE batch_id = {int(load_id)}"
    )
    suite = ctx.suites.add(gx.ExpectationSuite(**{**suite_json, "name": name}))
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=asset.add_batch_definition_whole_table(name), suite=suite)
    )
    return vd.run(result_format={"result_format": "SUMMARY"})


def audit(url: str, target: str, load_id: int) -> dict:
    """Run the GX suite of ``target`` on a staged load; returns a JSON-able summary."""
    suite = load_suite(target)
    dataset = suite["name"]
    result = run_suite(url, suite, load_id)
    rules = []
    for res in result.results:
        meta = res.expectation_config.meta or {}
        error = gx_support.raised(res.exception_info)
        if error:
            raise CbsError(f"expectation {meta.get('regel_code')} of suite {dataset} could not run: {error}")
        unexpected = gx_support.unexpected_count(res)
        rules.append({
            "regel_code": meta.get("regel_code"),
            "omschrijving": meta.get("omschrijving"),
            "expectation": res.expectation_config.type,
            "success": bool(res.success),
            "unexpected": unexpected,
        })
    return {"suite": dataset, "success": all(r["success"] for r in rules), "rules": rules}


# --------------------------------------------------------------------------- publish


def _publish(conn: psycopg.Connection, plan: Plan, load_id: int) -> None:
    spec, meta = plan.spec, plan.meta
    tid = spec.table_id
    regio_dim, periode_dim = spec.dimension_for("regio"), spec.dimension_for("periode")
    region_codes = meta.code_keys(regio_dim)
    regions = sorted(plan.filters[regio_dim])
    periods = sorted(period_row(c) for c in plan.filters[periode_dim])
    columns = {d: c for d, c in spec.columns.items()}
    measure_of = {key: name for name, key in plan.measure_keys.items()}
    target_cols = ["tabel_id", "maat", *columns.values(), spec.value_column, "geheim", "waarde_attribuut"]
    with conn.transaction():
        # one publisher at a time: conformed dimensions are shared by every table
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('jeugdhulp.cbs.publish'))")
        conn.execute(
            """
            INSERT INTO cbs.regio (regio, regio_naam, regio_soort, gemeente)
            SELECT v.regio, v.naam, v.soort, g.gemeente
            FROM unnest(%s::text[], %s::text[], %s::text[]) AS v(regio, naam, soort)
            LEFT JOIN core.gemeente g ON v.regio = 'GM' || g.gemeente
            ON CONFLICT (regio) DO UPDATE SET regio_naam = EXCLUDED.regio_naam, regio_soort = EXCLUDED.regio_soort,
                gemeente = EXCLUDED.gemeente
            WHERE (cbs.regio.regio_naam, cbs.regio.regio_soort, cbs.regio.gemeente)
                  IS DISTINCT FROM (EXCLUDED.regio_naam, EXCLUDED.regio_soort, EXCLUDED.gemeente)
            """,
            (regions, [region_codes[r].title.strip() for r in regions], [region_kind(r) for r in regions]),
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO cbs.periode (periode, periode_soort, jaar, volgnummer, begindatum, einddatum, periode_naam) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (periode) DO NOTHING",
                periods,
            )
        conn.execute(f"DELETE FROM cbs.{spec.target} WHERE tabel_id = %s", (tid,))
        conn.execute(
            """
            INSERT INTO cbs.tabel (tabel_id, api, titel, modified, eigenschappen, load_id)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (tabel_id) DO UPDATE SET api = EXCLUDED.api, titel = EXCLUDED.titel,
                modified = EXCLUDED.modified, eigenschappen = EXCLUDED.eigenschappen, load_id = EXCLUDED.load_id
            """,
            (tid, meta.info.api, meta.info.title, meta.info.modified, Jsonb(meta.info.raw), load_id),
        )
        conn.execute("DELETE FROM cbs.tabel_eigenschap WHERE tabel_id = %s", (tid,))
        conn.execute("DELETE FROM cbs.code WHERE tabel_id = %s", (tid,))
        with conn.cursor().copy(
            "COPY cbs.tabel_eigenschap (tabel_id, positie, sleutel, soort, titel, eenheid, decimalen, kolom, maat, ruw) FROM STDIN"
        ) as copy:
            for i, p in enumerate(meta.properties):
                key = (p.get("Key") or p.get("Identifier") or "").strip() or None
                copy.write_row((
                    tid, i, key, p.get("Type") or "?", p.get("Title"), p.get("Unit"), p.get("Decimals"),
                    columns.get(key), measure_of.get(key), json.dumps(p, default=str),
                ))
        with conn.cursor().copy(
            "COPY cbs.code (tabel_id, dimensie, code, code_ruw, titel, omschrijving, groep, status, positie) FROM STDIN"
        ) as copy:
            for dim, codes in meta.codes.items():
                for c in codes:
                    copy.write_row((tid, dim, c.key, c.raw_key, c.title, c.description, c.group, c.status, c.position))
        cols = ", ".join(target_cols)
        conn.execute(
            f"INSERT INTO cbs.{spec.target} ({cols}, load_id) SELECT {cols}, batch_id FROM cbs.stg_{spec.target} "
            "WHERE batch_id = %s",
            (load_id,),
        )
        conn.execute(f"DELETE FROM cbs.stg_{spec.target} WHERE batch_id = %s", (load_id,))
        conn.execute(
            "UPDATE cbs.tabel_load SET status = 'loaded', klaar_op = now() WHERE load_id = %s", (load_id,)
        )


# --------------------------------------------------------------------------- entry points


def load_table(
    url: str,
    client: CbsClient,
    table_id: str,
    cfg: Config | None = None,
    *,
    run_id: str | None = None,
    force: bool = False,
) -> LoadResult:
    """Load one configured table unless its Modified date and configuration are unchanged."""
    cfg = cfg or load_config()
    spec: TableSpec = cfg.table(table_id)
    info = client.table_info(table_id, spec.api)
    fingerprint = cfg.fingerprint(table_id)
    with warehouse.connect(url) as conn:
        last = latest_load(conn, table_id)
        if last and not force and last[1] == info.modified and last[2] == fingerprint:
            log.info("CBS %s: Modified %s unchanged since load %s; skipped", table_id, info.modified, last[0])
            return LoadResult(table_id, "skipped", info.modified, last[0])
        meta = client.metadata(table_id, spec.api, info)
        plan = resolve(cfg, spec, meta)
        for note in plan.notes:
            log.warning("CBS %s: %s", table_id, note)
        with conn.transaction():
            load_id = conn.execute(
                "INSERT INTO cbs.tabel_load (tabel_id, api, bron_url, modified, config_sha256, selectie, run_id) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING load_id",
                (table_id, spec.api, client.url(spec.api, table_id), info.modified, fingerprint,
                 Jsonb(plan.selection()), run_id),
            ).fetchone()[0]
        try:
            rows = _stage(conn, client, plan, load_id)
            with conn.transaction():
                conn.execute("UPDATE cbs.tabel_load SET rijen = %s WHERE load_id = %s", (rows, load_id))
            log.info("CBS %s: %d cells staged (load %s)", table_id, rows, load_id)
            dq = audit(url, spec.target, load_id)
            if not dq["success"]:
                failed = "; ".join(
                    f"{r['regel_code']} {r['omschrijving']} ({r['unexpected']} rows)" for r in dq["rules"] if not r["success"]
                )
                _finish(conn, load_id, "rejected", f"GX suite {dq['suite']} failed: {failed}", dq)
                _clear_staging(conn, spec.target, load_id)
                raise CbsQualityError(
                    f"CBS {table_id} load {load_id} rejected, the published rows are unchanged: {failed}. "
                    f"See cbs.tabel_load.dq_resultaat."
                )
            with conn.transaction():
                conn.execute("UPDATE cbs.tabel_load SET dq_resultaat = %s WHERE load_id = %s", (Jsonb(dq), load_id))
            _publish(conn, plan, load_id)
        except CbsQualityError:
            raise
        except Exception as exc:
            _finish(conn, load_id, "failed", f"{type(exc).__name__}: {exc}"[:2000])
            _clear_staging(conn, spec.target, load_id)
            raise
    log.info("CBS %s: load %s published, %d cells (Modified %s)", table_id, load_id, rows, info.modified)
    return LoadResult(table_id, "loaded", info.modified, load_id, rows, plan.notes)


def load_all(url: str, client: CbsClient, cfg: Config | None = None, *, run_id: str | None = None) -> list[LoadResult]:
    """Every configured table, in file order (the CLI and tests; the DAG maps one task per table)."""
    cfg = cfg or load_config()
    return [load_table(url, client, tid, cfg, run_id=run_id) for tid in cfg.tables]


def announce(url: str) -> list[str]:
    """Mark published loads that no asset event has announced yet; returns their tables.

    The DAG's last task calls this and emits the ``cbs`` asset only when the list is not empty,
    so a month without CBS changes triggers nothing downstream, and loads of a run that failed
    half-way are announced by the next successful run.
    """
    with warehouse.connect(url) as conn, conn.transaction():
        rows = conn.execute(
            "UPDATE cbs.tabel_load SET gemeld_op = now() WHERE status = 'loaded' AND gemeld_op IS NULL "
            "RETURNING tabel_id"
        ).fetchall()
    return sorted({r[0] for r in rows})
