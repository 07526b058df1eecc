"""What the demo prints: realisatie as toegekend, in behandeling beside it (issue #11 bug 3)."""

from __future__ import annotations

import mart_corpus as mc
import pytest

from jeugdhulp import cli, marts

pytestmark = pytest.mark.integration


def test_summary_prints_toegekend_with_in_behandeling_beside_it(conn, db_url, capsys):
    from jeugdhulp import config
    from jeugdhulp.cbs import load
    from jeugdhulp.cbs.client import CbsClient
    from jeugdhulp.cbs.server import SnapshotServer

    mc.seed(conn)
    with SnapshotServer(config.INCLUDE_DIR / "cbs" / "snapshot") as srv:
        load.load_all(db_url, CbsClient(srv.base_url, backoff=0.0, sleep=lambda s: None))
    marts.refresh(conn)
    inwoners = conn.execute("SELECT inwoners_0_17 FROM mart.pc_gemeente_jaar WHERE gemeente = '0193'").fetchone()[0]
    cli.print_summary(conn)
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith(("Zwolle", "Deventer", "regio"))}
    # monthly table: Zwolle toegekend 90000 (Jan) + 100000 (Feb) = € 1.900,00; R106 (March) in behandeling
    # € 1.000,00; R103 and Deventer's R202 were rejected and appear nowhere
    assert "Realisatie = TOEGEKEND" in out
    zwolle = [line for line in out.splitlines() if line.startswith("Zwolle")]
    assert zwolle[0].split()[-4:] == ["€", "1.900,00", "€", "1.000,00"]
    assert [line for line in out.splitlines() if line.startswith("Deventer")][0].split()[-4:] == \
        ["€", "5.600,00", "€", "0,00"]
    assert lines["regio"].split()[-4:] == ["€", "7.500,00", "€", "1.000,00"]
    # per inhabitant uses toegekend (190000 cents), in behandeling (100000) beside it
    assert zwolle[1].split()[-4:] == ["€", marts.euro(round(190000 / inwoners))[2:], "€",
                                      marts.euro(round(100000 / inwoners))[2:]]
    # P&C table: toegekend and in behandeling in their own columns
    assert "toegekend" in out and "in behandeling" in out
    assert zwolle[2].split()[3:7] == ["€", "1.900,00", "€", "1.000,00"]
