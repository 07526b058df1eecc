"""Audit a staged batch with Great Expectations (GX Core 1.x) and quarantine the failing rows.

Suites are JSON files in ``include/expectations/<dataset>.json``, one per staging table, each
expectation carrying ``meta.regel_code`` (the iJw rule, e.g. ``TR346``) and ``meta.retour_code``
(the WJ001 code a gemeente would send back). GX runs the suite against the batch inside
PostgreSQL (SQL pushdown). Failing rows are written to ``dq.quarantine`` with their rule codes;
the per-rule counts go to ``dq.validation_result``. When the share of failing rows is above the
suite's ``meta.max_failed_share`` the batch is stopped with :class:`QualityGateError` and none of
its rows is published. An expectation that cannot run (it raised: bad SQL, a brace GX reads as a
placeholder) stops the batch the same way: an unchecked rule is not a passed rule.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import psycopg

from jeugdhulp import config, gx_support

log = logging.getLogger(__name__)

RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["row_id"],
    # without this GX cuts the list of failing row ids at 20
    "partial_unexpected_count": 1_000_000_000,
}


class QualityGateError(RuntimeError):
    """A batch failed more rows than its suite allows, or a rule of its suite could not run."""


@dataclass
class RuleResult:
    regel_code: str
    retour_code: str
    expectation: str
    success: bool
    row_ids: list[int]
    error: str | None = None  # the exception when the expectation could not run (then success is False)


@dataclass
class ValidationOutcome:
    dataset: str
    batch_id: int
    rows_checked: int
    rules: list[RuleResult] = field(default_factory=list)
    rows_quarantined: int = 0
    max_failed_share: float = 0.0
    data_docs_page: str | None = None  # relative to the Data Docs folder

    @property
    def failed_share(self) -> float:
        return self.rows_quarantined / self.rows_checked if self.rows_checked else 0.0

    @property
    def errors(self) -> list[RuleResult]:
        """The rules that could not run."""
        return [r for r in self.rules if r.error]

    def summary(self) -> str:
        broken = ", ".join(
            f"{r.regel_code} ({len(r.row_ids)})" for r in self.rules if not r.success and not r.error
        )
        errors = "; ".join(f"{r.regel_code} could not run: {r.error}" for r in self.errors)
        return (
            f"{self.dataset} batch {self.batch_id}: {self.rows_checked} rows checked, "
            f"{self.rows_quarantined} quarantined ({self.failed_share:.1%}, limit "
            f"{self.max_failed_share:.0%}){'; failed rules: ' + broken if broken else ''}"
            + (f"; rules that could not run: {errors}" if errors else "")
            + (f"; Data Docs: {self.data_docs_page}" if self.data_docs_page else "")
        )


def load_suite_json(dataset: str, directory: Path | None = None) -> dict:
    path = (directory or config.EXPECTATIONS_DIR) / f"{dataset}.json"
    return json.loads(path.read_text())


def sqlalchemy_url(url: str) -> str:
    """GX talks SQLAlchemy 2 with psycopg 3."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url


def _batch_subquery(table: str, batch_id: int) -> str:
    return f"SELECT * FROM {table} WHERE batch_id = {int(batch_id)}"


def _substitute_batch(query: str, table: str, batch_id: int) -> str:
    """Same substitution GX applies to ``{batch}`` in an unexpected_rows query (``str.format``: any
    other brace must be doubled, as GX requires)."""
    return query.format(batch=f"({_batch_subquery(table, batch_id)}) AS subselect")


DOCS_SITE = "jeugdhulp"


@lru_cache(maxsize=4)
def _gx_datasource(url: str, docs_dir: str):
    """One ephemeral GX context and Postgres data source per warehouse (creating one costs ~1 s),
    publishing Data Docs to ``docs_dir``."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO floods task logs
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    ctx.add_data_docs_site(
        DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            # keeps the pages of earlier runs (the default builder drops what this process did not make)
            "site_index_builder": {"class_name": "KeepingSiteIndexBuilder", "module_name": "jeugdhulp.gx_docs"},
        },
    )
    return ctx, ctx.data_sources.add_postgres("warehouse", connection_string=sqlalchemy_url(url))


def run_suite(url: str, dataset: str, batch_id: int, suite_json: dict | None = None):
    """Run the GX suite of ``dataset`` on one staged batch through a checkpoint that updates the
    Data Docs; returns (GX validation result, path of its Data Docs page relative to the site)."""
    suite_json = suite_json or load_suite_json(dataset)
    docs_dir = config.data_docs_dir()
    ctx, datasource = _gx_datasource(url, str(docs_dir))
    name = f"{dataset}_{batch_id}_{uuid.uuid4().hex[:8]}"
    # The batch is a view, not a query asset: for a query asset GX learns the column names by
    # running the whole query into memory (peak RSS ~1 GB at 1M lines); for a view it asks the
    # catalogue. In unexpected_rows queries GX renders {batch} as "(…) AS subselect" either way.
    view = f"gx_batch_{int(batch_id)}_{dataset}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE OR REPLACE VIEW staging.{view} AS {_batch_subquery(suite_json['meta']['table'], batch_id)}")
    try:
        return _run_checkpoint(ctx, datasource, name, view, suite_json, batch_id, docs_dir)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP VIEW IF EXISTS staging.{view}")


def _run_checkpoint(ctx, datasource, name: str, view: str, suite_json: dict, batch_id: int, docs_dir: Path):
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier

    asset = datasource.add_table_asset(name, table_name=view, schema_name="staging")
    suite = ctx.suites.add_or_update(gx.ExpectationSuite(**suite_json))
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=asset.add_batch_definition_whole_table(name), suite=suite)
    )
    checkpoint = ctx.checkpoints.add(
        gx.Checkpoint(
            name=name,
            validation_definitions=[vd],
            actions=[UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])],
            result_format=RESULT_FORMAT,
        )
    )
    run = checkpoint.run(run_id=RunIdentifier(run_name=f"batch_{batch_id}"))
    key, result = next(iter(run.run_results.items()))
    page = ctx.get_docs_sites_urls(resource_identifier=key, site_names=[DOCS_SITE])[0]["site_url"]
    return result, str(Path(page.removeprefix("file://")).relative_to(docs_dir))


def _failing_row_ids(conn: psycopg.Connection, res, table: str, batch_id: int) -> list[int]:
    cfg = res.expectation_config
    if cfg.type == "unexpected_rows_expectation":
        # GX returns at most 200 example rows; the rule's own query gives all of them
        query = _substitute_batch(cfg.kwargs["unexpected_rows_query"], table, batch_id)
        return [r[0] for r in conn.execute(query)]
    return [item["row_id"] for item in res.result.get("unexpected_index_list") or []]


def validate_batch(
    conn: psycopg.Connection, url: str, dataset: str, batch_id: int, suite_json: dict | None = None
) -> ValidationOutcome:
    """Audit one staged batch of one dataset, record the results and quarantine failing rows.
    Whether the batch may be published is :func:`gate`'s call, once every dataset is audited."""
    suite_json = suite_json or load_suite_json(dataset)
    table = suite_json["meta"]["table"]
    rows_checked = conn.execute(
        f"SELECT count(*) FROM {table} WHERE batch_id = %s", (batch_id,)
    ).fetchone()[0]
    outcome = ValidationOutcome(
        dataset, batch_id, rows_checked, max_failed_share=suite_json["meta"]["max_failed_share"]
    )
    if rows_checked == 0:
        return outcome
    result, outcome.data_docs_page = run_suite(url, dataset, batch_id, suite_json)
    for res in result.results:
        meta = res.expectation_config.meta or {}
        # GX reports an exception at the top of exception_info or per metric below it, and then
        # success is False with no failing rows: without this check it looked like a pass
        error = gx_support.raised(res.exception_info)
        outcome.rules.append(
            RuleResult(
                meta["regel_code"],
                meta.get("retour_code", ""),
                res.expectation_config.type,
                bool(res.success) and error is None,
                [] if res.success or error else _failing_row_ids(conn, res, table, batch_id),
                error,
            )
        )
    _record(conn, outcome, table, suite_json)
    log.info(outcome.summary())
    return outcome


def gate(outcomes: list[ValidationOutcome]) -> None:
    """Raise QualityGateError when any dataset failed more rows than its suite allows or a rule
    could not run (its rows were not checked, so the batch may not be published)."""
    broken = [o for o in outcomes if o.errors]
    if broken:
        raise QualityGateError(
            " | ".join(o.summary() for o in broken)
            + f". The batch (batch_id = {broken[0].batch_id}) is not published: these rules were not checked. "
            "Fix the expectation in include/expectations/ (the error names it), then re-audit the "
            f"batch with `jeugdhulp dq replay {broken[0].batch_id}`."
        )
    over = [o for o in outcomes if o.failed_share > o.max_failed_share]
    if over:
        raise QualityGateError(
            " | ".join(o.summary() for o in over)
            + f". The batch is not published. Look at dq.quarantine (batch_id = {over[0].batch_id}) "
            "for the failing lines, fix the source files and resend them."
        )


def _record(conn: psycopg.Connection, outcome: ValidationOutcome, table: str, suite_json: dict) -> None:
    descriptions = {
        e["meta"]["regel_code"]: e["meta"].get("omschrijving", "") for e in suite_json["expectations"]
    }
    with conn.transaction():
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO dq.validation_result (batch_id, dataset, regel_code, expectation, success, "
                "rows_checked, rows_failed, data_docs_page, omschrijving) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (batch_id, dataset, regel_code) DO UPDATE SET success = EXCLUDED.success, "
                "rows_failed = EXCLUDED.rows_failed, data_docs_page = EXCLUDED.data_docs_page, "
                "omschrijving = EXCLUDED.omschrijving, validated_at = now()",
                [
                    (outcome.batch_id, outcome.dataset, r.regel_code, r.expectation, r.success,
                     outcome.rows_checked, len(r.row_ids), outcome.data_docs_page, descriptions.get(r.regel_code) or None)
                    for r in outcome.rules
                ],
            )
            failing = [r for r in outcome.rules if r.row_ids]
            for r in failing:
                code = f"{r.regel_code}/{r.retour_code}" if r.retour_code else r.regel_code
                reden = f"{code}: {descriptions.get(r.regel_code, r.expectation)}"
                cur.execute(
                    f"""
                    INSERT INTO dq.quarantine (dataset, row_id, batch_id, file_sha256, bron_regel, regel_codes, reden)
                    SELECT %(dataset)s, s.row_id, s.batch_id, s.file_sha256, s.bron_regel, ARRAY[%(code)s], %(reden)s
                    FROM {table} s WHERE s.row_id = ANY(%(ids)s)
                    ON CONFLICT (dataset, row_id) DO UPDATE SET
                        regel_codes = CASE WHEN %(code)s = ANY(dq.quarantine.regel_codes)
                                      THEN dq.quarantine.regel_codes
                                      ELSE dq.quarantine.regel_codes || EXCLUDED.regel_codes END,
                        reden = CASE WHEN %(code)s = ANY(dq.quarantine.regel_codes)
                                THEN dq.quarantine.reden ELSE dq.quarantine.reden || '; ' || EXCLUDED.reden END
                    """,
                    {"dataset": outcome.dataset, "code": code, "reden": reden, "ids": r.row_ids},
                )
        outcome.rows_quarantined = conn.execute(
            "SELECT count(*) FROM dq.quarantine WHERE dataset = %s AND batch_id = %s",
            (outcome.dataset, outcome.batch_id),
        ).fetchone()[0]
