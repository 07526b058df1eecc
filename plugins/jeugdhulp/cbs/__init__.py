"""CBS StatLine open data: youth-care use, costs and population per municipality.

* :mod:`jeugdhulp.cbs.client` – OData v3/v4 client (no Airflow, no database);
* :mod:`jeugdhulp.cbs.spec` – the table configuration ``include/cbs/tables.yaml``;
* :mod:`jeugdhulp.cbs.load` – skip-if-unchanged, COPY to staging, GX audit, publish to schema ``cbs``;
* :mod:`jeugdhulp.cbs.connection` – the client from the Airflow HTTP connection ``cbs_statline``;
* :mod:`jeugdhulp.cbs.server` / :mod:`jeugdhulp.cbs.snapshot` – a local CBS-shaped server and the
  illustrative snapshot it serves (tests and demo; this platform has no internet).

See docs/cbs.md.
"""

#: Airflow HTTP connection with the CBS host (default https://odata4.cbs.nl)
CONN_ID = "cbs_statline"
#: asset updated when the cbs_statline DAG published new CBS data
CBS_ASSET_URI = "jeugdhulp://warehouse/cbs"
