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
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow.sdk import BaseHook

    try:
        password = BaseHook.get_connection(privacy.KEY_CONN_ID).password
    except AirflowNotFoundException:
        password = None
    return password or privacy.key_from_env()


def storage(kind: str):
    """Landing/archive/quarantine/outbox folder as an ObjectStoragePath.

    The Airflow Variable ``jeugdhulp_<kind>_url`` (e.g. ``s3://ijw-landing/ijsselland/``) wins;
    otherwise the local folder from ``JEUGDHULP_<KIND>``. The Variable ``jeugdhulp_storage_conn_id``
    names the connection for remote storage.
    """
    from airflow.sdk import ObjectStoragePath, Variable

    local = {"landing": config.landing_dir, "archive": config.archive_dir, "quarantine": config.quarantine_dir,
             "outbox": config.outbox_dir}[kind]
    url = Variable.get(f"jeugdhulp_{kind}_url", default=None) or f"file://{local()}"
    return ObjectStoragePath(url, conn_id=Variable.get("jeugdhulp_storage_conn_id", default=None))


def xsd_dir() -> str | None:
    """Folder with the official iJw XSDs (Variable ``ijw_xsd_dir`` or env ``IJW_XSD_DIR``); optional."""
    import os

    from airflow.sdk import Variable

    return Variable.get("ijw_xsd_dir", default=None) or os.environ.get("IJW_XSD_DIR") or None
