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


def pseudonym_key() -> str:
    """Env var first; otherwise the local demo key when one was made; otherwise refuse."""
    if os.environ.get(privacy.KEY_ENV):
        return privacy.key_from_env()
    local = config.local_dir() / "secrets" / "pseudonym.key"
    if local.exists():
        return local.read_text().strip()
    return privacy.key_from_env()  # raises with the explanation


def airflow_env(cluster: Cluster) -> dict[str, str]:
    """Env vars for running Airflow on this project's DAGs against the embedded warehouse."""
    home = config.local_dir() / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    key = secret("pseudonym.key")
    return {
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
