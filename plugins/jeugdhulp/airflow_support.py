"""The only module that talks to Airflow: connections to URLs and keys. Imported by DAG tasks."""

from __future__ import annotations

from urllib.parse import quote

from jeugdhulp import config, privacy

def warehouse_url() -> str:
    """libpq URL of the warehouse from the Airflow connection ``jeugdhulp_warehouse``."""
    from airflow.sdk import BaseHook

    c = BaseHook.get_connection(config.WAREHOUSE_CONN_ID)
    auth = quote(c.login or "", safe="") + (":" + quote(c.password, safe="") if c.password else "")
    return f"postgresql://{auth}@{c.host or 'localhost'}:{c.port or 5432}/{c.schema or 'warehouse'}"


def pseudonym_key() -> str:
    """HMAC key from the connection ``jeugdhulp_pseudonym`` (password), else the env var."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.sdk import BaseHook

    try:
        password = BaseHook.get_connection(privacy.KEY_CONN_ID).password
    except AirflowNotFoundException:
        password = None
    return password or privacy.key_from_env()
