"""Great Expectations suites on the marts, run after every refresh.

Each mart in :data:`jeugdhulp.marts.MARTS` has a suite ``include/expectations/mart_<name>.json``
with its internal consistency rules (e.g. ingediend = toegekend + afgewezen + in behandeling;
prognose = realisatie + nog te declareren) and its reconciliation with core. A failing rule means
a defect in the model or in core, not a bad message, so nothing is quarantined: the refresh task
fails with the rules and row counts, and the finance users keep reading the refreshed marts. A rule
that cannot run (it raised) fails the check the same way: an unchecked rule is not a passed rule.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from jeugdhulp import config, gx_support


class MartQualityError(RuntimeError):
    pass


@dataclass(frozen=True)
class RuleResult:
    mart: str
    regel_code: str
    omschrijving: str
    success: bool
    unexpected: int | None
    error: str | None = None  # the exception when the rule could not run (then success is False)


def suite_path(mart: str):
    return config.EXPECTATIONS_DIR / f"mart_{mart.split('.', 1)[1]}.json"


def run_suite(url: str, mart: str, table: str | None = None):
    """The GX validation result of the suite of ``mart`` (schema-qualified) on ``table`` (default:
    the mart itself)."""
    import great_expectations as gx

    suite_json = json.loads(suite_path(mart).read_text())
    ctx, datasource = gx_support.context(url, "marts")
    schema, name = (table or mart).split(".", 1)
    ident = f"{suite_json['name']}_{uuid.uuid4().hex[:8]}"
    asset = datasource.add_table_asset(ident, table_name=name, schema_name=schema)
    suite = ctx.suites.add(gx.ExpectationSuite(**{**suite_json, "name": ident}))
    vd = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=ident, data=asset.add_batch_definition_whole_table(ident), suite=suite)
    )
    return vd.run(result_format={"result_format": "SUMMARY"})


def validate(url: str, mart: str, table: str | None = None) -> list[RuleResult]:
    """Run the suite of ``mart`` (schema-qualified) on ``table`` (default: the mart itself)."""
    out = []
    for res in run_suite(url, mart, table).results:
        meta = res.expectation_config.meta or {}
        error = gx_support.raised(res.exception_info)
        out.append(RuleResult(mart, meta["regel_code"], meta.get("omschrijving", ""),
                              bool(res.success) and error is None,
                              None if error else gx_support.unexpected_count(res), error))
    return out


def check(url: str, marts: tuple[str, ...]) -> list[RuleResult]:
    """Validate every mart; raise :class:`MartQualityError` naming each failing rule."""
    results = [r for mart in marts for r in validate(url, mart)]
    failed = [r for r in results if not r.success]
    if failed:
        raise MartQualityError(
            "mart consistency rules failed (the marts were refreshed; investigate before reporting): "
            + "; ".join(
                f"{r.mart} {r.regel_code} ({r.omschrijving}): "
                + (f"could not run ({r.error}; fix it in {suite_path(r.mart).name})" if r.error
                   else f"{r.unexpected} rows")
                for r in failed)
        )
    return results
