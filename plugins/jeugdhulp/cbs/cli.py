"""``python -m jeugdhulp.cbs.cli serve|load|snapshot`` – the CBS pieces without Airflow.

* ``serve [--snapshot DIR] [--port N]``: the local CBS-shaped server on 127.0.0.1 (demo);
* ``load --base-url URL [--warehouse URL] [--table ID …] [--force]``: load the configured tables;
* ``snapshot OUT [--profile demo|test]``: (re)build an illustrative snapshot.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from jeugdhulp import config


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m jeugdhulp.cbs.cli")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve a snapshot like CBS's OData servers")
    s.add_argument("--snapshot", default=str(config.INCLUDE_DIR / "cbs" / "snapshot"))
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--lifetime", type=float, default=3600.0)
    ld = sub.add_parser("load", help="load the configured CBS tables into the warehouse")
    ld.add_argument("--base-url", required=True)
    ld.add_argument("--warehouse", default=None, help="libpq URL (default: JEUGDHULP_WAREHOUSE_URL)")
    ld.add_argument("--table", action="append", default=None)
    ld.add_argument("--force", action="store_true")
    sn = sub.add_parser("snapshot", help="build an illustrative snapshot")
    sn.add_argument("out")
    sn.add_argument("--profile", default="demo")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if a.cmd == "serve":
        from jeugdhulp.cbs.server import SnapshotServer

        with SnapshotServer(a.snapshot, port=a.port, lifetime=a.lifetime) as srv:
            print(srv.base_url, flush=True)
            try:
                while srv._thread and srv._thread.is_alive():
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
        return 0
    if a.cmd == "snapshot":
        from jeugdhulp.cbs.snapshot import build

        print(build(a.out, a.profile))
        return 0

    from jeugdhulp import warehouse
    from jeugdhulp.cbs import load, spec
    from jeugdhulp.cbs.client import CbsClient

    url = a.warehouse or warehouse.warehouse_url()
    with warehouse.connect(url) as conn:
        warehouse.migrate(conn)
    cfg = spec.load_config()
    client = CbsClient(a.base_url)
    results = [load.load_table(url, client, t, cfg, force=a.force).as_dict() for t in (a.table or cfg.tables)]
    json.dump(results, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
