"""Shared Great Expectations plumbing for the suites run outside the ingest audit (CBS loads,
marts): one ephemeral context with a Postgres data source per warehouse, and reading errors."""

from __future__ import annotations

import logging
from functools import lru_cache


@lru_cache(maxsize=8)
def context(url: str, source_name: str):
    """(ephemeral GX context, Postgres data source) for a warehouse URL."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    scheme, rest = url.split("://", 1)
    sa_url = f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url
    return ctx, ctx.data_sources.add_postgres(source_name, connection_string=sa_url)


def raised(info) -> str | None:
    """GX puts an exception either at the top of exception_info or per metric below it."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for v in info.values():
        if isinstance(v, dict) and v.get("raised_exception"):
            return str(v.get("exception_message"))
    return None


def unexpected_count(res) -> int | None:
    """Number of failing rows of one expectation result (None when the expectation has no rows)."""
    r = res.result or {}
    unexpected = r.get("unexpected_count")
    if unexpected is None and isinstance(r.get("observed_value"), int):
        unexpected = r["observed_value"] if res.expectation_config.type == "unexpected_rows_expectation" else None
    return unexpected
