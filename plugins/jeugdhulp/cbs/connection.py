"""The CBS client as configured by the Airflow HTTP connection ``cbs_statline``.

The connection's host is the base URL (``https://odata4.cbs.nl``; the v3 calls then go to
``https://opendata.cbs.nl``; any other host must serve both APIs, like the local snapshot
server). Define it as JSON so the scheme survives::

    AIRFLOW_CONN_CBS_STATLINE='{"conn_type": "http", "host": "https://odata4.cbs.nl"}'

The HTTP provider's ``HttpHook`` builds the ``requests.Session``: login/password (basic auth, for
a proxy), and the extras ``proxies``, ``verify``, ``cert``, ``trust_env``, ``timeout``, plus any
other extra as a request header (e.g. ``{"User-Agent": "jeugdhulp-ijsselland"}``). Without the
connection the public CBS host is used. Retries: env ``JEUGDHULP_CBS_ATTEMPTS`` (default 5) and
``JEUGDHULP_CBS_BACKOFF`` (seconds, default 2; doubled per attempt, at most 120).
"""

from __future__ import annotations

import logging
import os

from jeugdhulp.cbs import CONN_ID
from jeugdhulp.cbs.client import PUBLIC_V4, CbsClient

log = logging.getLogger(__name__)


def client_from_connection(conn_id: str = CONN_ID) -> CbsClient:
    from airflow.sdk.exceptions import AirflowNotFoundException
    from airflow.providers.http.hooks.http import HttpHook

    attempts = int(os.environ.get("JEUGDHULP_CBS_ATTEMPTS", "5"))
    backoff = float(os.environ.get("JEUGDHULP_CBS_BACKOFF", "2"))
    hook = HttpHook(method="GET", http_conn_id=conn_id)
    try:
        session = hook.get_conn()
    except AirflowNotFoundException:
        log.warning("no Airflow connection %r: using the public CBS host %s", conn_id, PUBLIC_V4)
        return CbsClient(PUBLIC_V4, attempts=attempts, backoff=backoff, max_backoff=120)
    timeout = float((getattr(hook, "merged_extra", None) or {}).get("timeout") or 60)
    log.info("CBS via connection %r: %s", conn_id, hook.base_url)
    return CbsClient(hook.base_url, session=session, timeout=timeout, attempts=attempts, backoff=backoff,
                     max_backoff=120)
