"""The P&C report DAGs' params: the period of a run (param or logical date) and the gemeenten,
with sentences a person can act on (airflow_support.report_period / report_gemeenten)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from jeugdhulp import airflow_support
from jeugdhulp.reports import PeriodError


@pytest.mark.parametrize(("text", "kind", "code"), [
    ("2025-Q3", "quarter", "2025-Q3"), ("2025-q3", "quarter", "2025-Q3"), (" 2024-K1 ", "quarter", "2024-Q1"),
    ("2025", "year", "2025"),
])
def test_period_param_given(text, kind, code):
    assert airflow_support.report_period(kind, text, pendulum.datetime(2026, 4, 20)).code == code


@pytest.mark.parametrize(("text", "kind", "says"), [
    ("2025-Q5", "quarter", "expected a quarter like 2025-Q3"),
    ("Q3 2025", "quarter", "expected a quarter like 2025-Q3"),
    ("2025", "quarter", "this DAG makes quarterly reports, give a quarter like 2025-Q3"),
    ("2025-Q3", "year", "this DAG makes yearly reports, give a year like 2025"),
])
def test_bad_period_param_is_a_sentence(text, kind, says):
    with pytest.raises(PeriodError) as info:
        airflow_support.report_period(kind, text, pendulum.datetime(2026, 4, 20))
    assert says in str(info.value) and repr(text) in str(info.value)


@pytest.mark.parametrize("empty", [None, "", "  "])
def test_empty_period_is_the_one_before_the_logical_date(empty):
    """A backfill of 2025 gives each run its own quarter: the run of 20 Jan 2025 reports 2024-Q4, ..."""
    runs = [pendulum.datetime(2025, m, 20, 7, tz="Europe/Amsterdam") for m in (1, 4, 7, 10)]
    assert [airflow_support.report_period("quarter", empty, r).code for r in runs] == [
        "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]
    assert airflow_support.report_period("year", empty, pendulum.datetime(2026, 4, 1, 7)).code == "2025"


def test_logical_date_counts_in_amsterdam_time():
    # 31 Dec 2025 23:30 UTC is 1 Jan 2026 00:30 in Amsterdam: the previous quarter is 2025-Q4
    when = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.timezone.utc)
    assert airflow_support.report_period("quarter", None, when).code == "2025-Q4"


def test_gemeenten_param():
    known = ["regio", "0193", "0148"]
    assert airflow_support.report_gemeenten(None, known) == known
    assert airflow_support.report_gemeenten([], known) == known
    assert airflow_support.report_gemeenten(["0193", " regio", "0193", ""], known) == ["0193", "regio"]
    with pytest.raises(ValueError, match=r"unknown gemeente\(n\) 0363, zwolle: give CBS codes like 0193, or regio"):
        airflow_support.report_gemeenten(["zwolle", "0363", "0193"], known)
