"""Where things are: every path and setting comes from an env var with a local default.

Local defaults keep all state of a developer's run under ``<project>/.local`` (git-ignored).
In docker-compose the env vars point at ``/opt/airflow/data``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = Path(os.environ.get("JEUGDHULP_INCLUDE", PROJECT_ROOT / "include"))
SQL_DIR = INCLUDE_DIR / "sql"
EXPECTATIONS_DIR = INCLUDE_DIR / "expectations"

#: Airflow connection id of the warehouse.
WAREHOUSE_CONN_ID = "jeugdhulp_warehouse"
#: Env var with a libpq URL of the warehouse, used outside Airflow (CLI, tests).
WAREHOUSE_URL_ENV = "JEUGDHULP_WAREHOUSE_URL"
#: Asset updated when new iJw data is published to core; marts_refresh is scheduled on it.
CORE_IJW_ASSET_URI = "jeugdhulp://warehouse/core/ijw"
#: Asset updated when a new version of the contract master data is loaded (DAG contract_master_data).
CORE_CONTRACT_ASSET_URI = "jeugdhulp://warehouse/core/contract"
#: Asset updated by marts_refresh when every mart was rebuilt; the P&C report DAGs check its freshness.
MARTS_ASSET_URI = "jeugdhulp://warehouse/marts"


def local_dir() -> Path:
    return Path(os.environ.get("JEUGDHULP_LOCAL", PROJECT_ROOT / ".local"))


def _path(env: str, default: str) -> Path:
    return Path(os.environ.get(env) or local_dir() / default)


def landing_dir() -> Path:
    return _path("JEUGDHULP_LANDING", "data/landing")


def archive_dir() -> Path:
    return _path("JEUGDHULP_ARCHIVE", "data/archive")


def quarantine_dir() -> Path:
    return _path("JEUGDHULP_QUARANTINE", "data/quarantine")


def outbox_dir() -> Path:
    """Folder where the P&C reports are published (DAGs pc_reports_*), one subfolder per period."""
    return _path("JEUGDHULP_OUTBOX", "data/outbox")


def contract_dir() -> Path:
    """Folder where contract management drops the contract workbook (*.xlsx); the newest is loaded."""
    return _path("JEUGDHULP_CONTRACT_DIR", "data/contract")


def data_docs_dir() -> Path:
    return _path("JEUGDHULP_DATA_DOCS", "data/data_docs")


def pg_data_dir() -> Path:
    return _path("JEUGDHULP_PG_DATA", "pg")


def pg_port() -> int:
    return int(os.environ.get("JEUGDHULP_PG_PORT", "54329"))


def airflow_port() -> int:
    """Port of the local Airflow UI/API (``jeugdhulp airflow --port``); default 8080."""
    return int(os.environ.get("JEUGDHULP_AIRFLOW_PORT") or 8080)
