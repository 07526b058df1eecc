"""The recorded responses (tests/fixtures/cbs) and the bundled demo snapshot (include/cbs/snapshot)
are exactly what the deterministic generator writes, and carry what the tests rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jeugdhulp import config
from jeugdhulp.cbs.snapshot import LABEL, build

ROOT = Path(__file__).resolve().parents[2]
SETS = {"test": ROOT / "tests" / "fixtures" / "cbs", "demo": config.INCLUDE_DIR / "cbs" / "snapshot"}


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json")) + [root / "ILLUSTRATIVE.txt"]}


@pytest.mark.parametrize("profile", sorted(SETS))
def test_committed_snapshot_equals_the_generator_output(tmp_path, profile):
    assert files(build(tmp_path / profile, profile)) == files(SETS[profile])


@pytest.mark.parametrize("profile", sorted(SETS))
def test_snapshot_is_labelled_illustrative(profile):
    root = SETS[profile]
    assert LABEL in (root / "ILLUSTRATIVE.txt").read_text()
    assert "ILLUSTRATIVE" in (root / "README.md").read_text()
    info = json.loads((root / "v3" / "03759ned" / "TableInfos.json").read_text())["value"][0]
    assert "illustratief" in info["Source"]


def test_fixtures_have_padding_suppression_and_rows_to_filter_out():
    root = SETS["test"]
    typed = json.loads((root / "v3" / "84135NED" / "TypedDataSet.json").read_text())["value"]
    assert {"NL01  ", "PV23  ", "JZ06  ", "GM0200", "PV25  "} <= {r["RegioS"] for r in typed}
    assert any(r["TotaalJongerenMetJeugdzorg_1"] is None for r in typed)
    obs = json.loads((root / "v4" / "85100NED" / "Observations.json").read_text())["value"]
    assert any(r["Value"] is None and r["ValueAttribute"] != "None" for r in obs)
    assert {r["Persoonskenmerken"] for r in obs} == {"T009002", "3000"}
