"""The local (demo / developer) environment: secrets under ``.local/secrets`` and the env vars
that point Airflow at the project's DAGs, its own metadata database and the embedded warehouse.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from jeugdhulp import config, privacy
from jeugdhulp.db import Cluster


def secret(name: str) -> str:
    """A generated secret kept in ``.local/secrets/<name>`` (mode 600), made on first use."""
    path = config.local_dir() / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


PSEUDONYM_KEY_FILE = "pseudonym.key"


def pseudonym_key_path() -> Path:
    return config.local_dir() / "secrets" / PSEUDONYM_KEY_FILE


def pseudonym_key() -> str:
    """Env var first; otherwise the local demo key when one was made; otherwise refuse."""
    if os.environ.get(privacy.KEY_ENV) or os.environ.get(privacy.KEY_FILE_ENV):
        return privacy.key_from_env()
    local = pseudonym_key_path()
    if local.exists():
        key = local.read_text().strip()
        privacy.require_strong_key(key)
        return key
    return privacy.key_from_env()  # raises with the explanation


def local_pseudonym_key(warehouse_url: str | None) -> str:
    """The local key file's key, made on first use - but never while the warehouse (at
    ``warehouse_url``, None when it is not running) already holds pseudonyms of a key (its
    fingerprint): a new key would give every known client a second one."""
    path = pseudonym_key_path()
    if not path.exists():
        recorded = _recorded_key_generations(warehouse_url) if warehouse_url else 0
        if recorded:
            raise privacy.PseudonymKeyError(
                f"{path} is gone, but the warehouse holds pseudonyms made with a key ({recorded} generation(s) "
                "recorded in meta.pseudonym_sleutel): restore the key file from your backup or key vault. "
                "Making a new key would split every client in two. To start over on purpose, delete the warehouse "
                "(`jeugdhulp db stop`, remove its data folder) as well."
            )
    key = secret(PSEUDONYM_KEY_FILE)
    privacy.require_strong_key(key)
    return key


def _recorded_key_generations(warehouse_url: str) -> int:
    """How many key generations the warehouse recorded (0 when it is new)."""
    import psycopg

    try:
        with psycopg.connect(warehouse_url, connect_timeout=10) as conn:
            if conn.execute("SELECT to_regclass('meta.pseudonym_sleutel')").fetchone()[0] is None:
                return 0
            return conn.execute("SELECT count(*) FROM meta.pseudonym_sleutel").fetchone()[0]
    except psycopg.OperationalError:  # e.g. the warehouse database does not exist yet
        return 0


def airflow_env(cluster: Cluster) -> dict[str, str]:
    """Env vars for running Airflow on this project's DAGs against the embedded warehouse."""
    home = config.local_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    key = local_pseudonym_key(cluster.url("warehouse") if cluster.initialised() and cluster.running() else None)
    port = config.airflow_port()
    return {
        # one port setting: the UI/API, the execution API the tasks call back on, and (offset by the
        # same amount from Airflow's defaults) the log servers, so a second instance does not collide
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(8793 + port - 8080),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(8794 + port - 8080),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(config.PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(config.PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": secret("airflow_jwt.key"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": cluster.url("airflow", driver="postgresql+psycopg2"),
        "AIRFLOW_CONN_JEUGDHULP_WAREHOUSE": cluster.url("warehouse"),
        "AIRFLOW_CONN_JEUGDHULP_PSEUDONYM": json.dumps({"conn_type": "generic", "password": key}),
        config.WAREHOUSE_URL_ENV: cluster.url("warehouse"),
        privacy.KEY_ENV: key,
        "JEUGDHULP_MODE": "demo",
        # `airflow standalone` starts its components as `airflow …` found on PATH
        "PATH": os.pathsep.join(p for p in (str(airflow_bin().parent), os.environ.get("PATH")) if p),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(config.PROJECT_ROOT / "plugins"), os.environ.get("PYTHONPATH")) if p
        ),
    }


def airflow_bin() -> Path:
    """The ``airflow`` script next to this interpreter (the project venv)."""
    import sys

    return Path(sys.executable).with_name("airflow")
