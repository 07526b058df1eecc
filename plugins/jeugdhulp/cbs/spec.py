"""The table configuration (``include/cbs/tables.yaml``) and its resolution against a table's metadata.

The YAML says, per StatLine table, which API serves it, which warehouse table receives it, what
every dimension must be (a stored column, or one fixed code such as "Totaal") and which measures
to take (by their StatLine *title*: CBS's measure keys differ between v3 and v4 and are not
stable across table versions). :func:`resolve` checks that against the live metadata and turns
it into a :class:`Plan`: the exact codes to filter on at CBS and the measure keys to request.
Anything that does not fit raises :class:`~jeugdhulp.cbs.client.CbsShapeError` naming what
changed and what to edit.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jeugdhulp import config
from jeugdhulp.cbs.client import V3, V4, CbsShapeError, Code, TableMetadata

TABLES_ENV = "JEUGDHULP_CBS_TABLES"

#: value column per measure type (see include/sql/cbs/)
VALUE_COLUMNS = {"count": "aantal", "money_k_eur": "bedrag_cent", "percentage": "waarde", "number": "waarde"}
#: warehouse fact table (schema cbs) -> (its dimension columns, its value column)
TARGETS: dict[str, tuple[tuple[str, ...], str]] = {
    "jeugdzorg_gebruik": (("regio", "periode", "vorm"), "aantal"),
    "jeugdzorg_indicator": (("regio", "periode"), "waarde"),
    "jeugdzorg_kosten": (("regio", "periode", "vorm"), "bedrag_cent"),
    "bevolking": (("regio", "periode", "leeftijd"), "aantal"),
}
PERIOD_RE = re.compile(r"^(\d{4})(JJ|HJ|KW|MM)(\d{2})$")


def tables_path() -> Path:
    return Path(os.environ.get(TABLES_ENV) or config.INCLUDE_DIR / "cbs" / "tables.yaml")


@dataclass(frozen=True)
class MeasureSpec:
    name: str  # our stable name, stored in column `maat`
    title: str  # StatLine title to find it by
    type: str  # count | money_k_eur | percentage | number
    rounded_to: int | None = None


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    api: str
    title: str
    target: str
    dimensions: dict[str, dict[str, Any]]
    measures: tuple[MeasureSpec, ...]
    raw: dict[str, Any]

    @property
    def value_column(self) -> str:
        return TARGETS[self.target][1]

    def dimension_for(self, column: str) -> str:
        return next(d for d, c in self.dimensions.items() if c and c.get("column") == column)

    @property
    def columns(self) -> dict[str, str]:
        """dimension -> warehouse column, for the dimensions that are stored."""
        return {d: c["column"] for d, c in self.dimensions.items() if c.get("column")}


@dataclass
class Config:
    regions: dict[str, dict[str, Any]]
    tables: dict[str, TableSpec]
    path: Path | None = None

    def table(self, table_id: str) -> TableSpec:
        try:
            return self.tables[table_id]
        except KeyError:
            raise KeyError(f"CBS table {table_id} is not configured in {self.path}") from None

    def fingerprint(self, table_id: str) -> str:
        """sha256 of everything that decides what a load of this table contains."""
        spec = self.table(table_id)
        payload = {"table": spec.raw, "regions": self.regions}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _fail(path, msg: str):
    raise ValueError(f"{path}: {msg}")


def parse(data: dict[str, Any], path: Path | None = None) -> Config:
    """Validate the YAML structure (not against CBS: that is :func:`resolve`)."""
    regions = data.get("regions") or {}
    for name, r in regions.items():
        if not (isinstance(r, dict) and (r.get("keys") or r.get("title"))):
            _fail(path, f"region group {name!r} needs 'keys' or 'title'")
    tables = {}
    for t in data.get("tables") or []:
        tid = t.get("id") or _fail(path, "a table without id")
        if t.get("api") not in (V3, V4):
            _fail(path, f"{tid}: api must be v3 or v4")
        if t.get("target") not in TARGETS:
            _fail(path, f"{tid}: target must be one of {TARGETS}")
        dims = t.get("dimensions") or _fail(path, f"{tid}: no dimensions")
        for d, c in dims.items():
            c = c or {}
            if not c.get("column") and not (c.get("select") and ("key" in c["select"] or "title" in c["select"])):
                _fail(path, f"{tid}.{d}: a dimension is either stored ('column') or fixed to one code (select key/title)")
            for g in (c.get("regions") or []) + (c.get("optional_regions") or []):
                if g not in regions:
                    _fail(path, f"{tid}.{d}: unknown region group {g!r}")
        measures = []
        for name, m in (t.get("measures") or {}).items():
            if m.get("type") not in VALUE_COLUMNS:
                _fail(path, f"{tid}.{name}: type must be one of {sorted(VALUE_COLUMNS)}")
            measures.append(MeasureSpec(name, m["title"], m["type"], m.get("rounded_to")))
        if not measures:
            _fail(path, f"{tid}: no measures")
        target_dims, target_value = TARGETS[t["target"]]
        if {VALUE_COLUMNS[m.type] for m in measures} != {target_value}:
            _fail(path, f"{tid}: target {t['target']} stores {target_value}; measure types do not fit")
        columns = sorted(c["column"] for c in dims.values() if c and c.get("column"))
        if columns != sorted(target_dims):
            _fail(path, f"{tid}: target {t['target']} needs dimension columns {sorted(target_dims)}, got {columns}")
        for d, c in dims.items():
            if c and c.get("column") == "periode" and not c.get("periods"):
                _fail(path, f"{tid}.{d}: the periode dimension needs a 'periods' selection")
            if c and c.get("column") == "regio" and not c.get("regions"):
                _fail(path, f"{tid}.{d}: the regio dimension needs a 'regions' selection")
        if tid in tables:
            _fail(path, f"{tid} configured twice")
        tables[tid] = TableSpec(tid, t["api"], t.get("title", ""), t["target"], dims, tuple(measures), t)
    if not tables:
        _fail(path, "no tables")
    return Config(regions, tables, path)


def load_config(path: Path | None = None) -> Config:
    import yaml

    path = path or tables_path()
    return parse(yaml.safe_load(path.read_text()), path)


# --------------------------------------------------------------------------- resolution


@dataclass
class Plan:
    spec: TableSpec
    meta: TableMetadata
    filters: dict[str, list[str]]  # dimension -> codes, sent as $filter
    fixed: dict[str, Code]  # dimensions pinned to one code (not stored as a column)
    measure_keys: dict[str, str]  # our name -> CBS key
    regions: dict[str, str] = field(default_factory=dict)  # code -> group (gemeenten, jeugdregio, …)
    notes: list[str] = field(default_factory=list)

    def selection(self) -> dict[str, Any]:
        """JSON-able record of what was asked from CBS (stored with the load)."""
        return {
            "filters": self.filters,
            "fixed": {d: {"code": c.key, "title": c.title} for d, c in self.fixed.items()},
            "measures": self.measure_keys,
            "notes": self.notes,
        }


def _norm(title: str) -> str:
    return re.sub(r"\s+", " ", title.replace("*", "")).strip().lower()


def _by_title(codes: list[Code], title: str) -> list[Code]:
    want = _norm(title)
    return [c for c in codes if _norm(c.title) == want]


def _sample(codes: list[Code], n: int = 12) -> str:
    shown = ", ".join(f"{c.key}={c.title!r}" for c in codes[:n])
    return shown + (f", … ({len(codes)} codes)" if len(codes) > n else "")


def _select(tid: str, dim: str, codes: list[Code], sel: dict[str, Any]) -> list[Code]:
    by_key = {c.key: c for c in codes}
    if "key" in sel or "keys" in sel:
        keys = [sel["key"]] if "key" in sel else list(sel["keys"])
        missing = [k for k in keys if k not in by_key]
        if missing:
            raise CbsShapeError(f"CBS table {tid}: dimension {dim} has no code {missing}; it has {_sample(codes)}")
        return [by_key[k] for k in keys]
    if "title" in sel:
        found = _by_title(codes, sel["title"])
        if len(found) != 1:
            raise CbsShapeError(
                f"CBS table {tid}: dimension {dim} has {len(found)} codes titled {sel['title']!r} (need exactly 1); "
                f"it has {_sample(codes)}"
            )
        return found
    if "title_pattern" in sel:
        pat = re.compile(sel["title_pattern"])
        lo, hi = sel.get("min"), sel.get("max")
        found: dict[int | str, Code] = {}
        for c in codes:
            m = pat.match(c.title.strip())
            if not m:
                continue
            n = int(m.group(1)) if m.groups() else c.key
            if isinstance(n, int) and ((lo is not None and n < lo) or (hi is not None and n > hi)):
                continue
            found[n] = c
        if lo is not None and hi is not None:
            missing = [n for n in range(lo, hi + 1) if n not in found]
            if missing:
                raise CbsShapeError(
                    f"CBS table {tid}: dimension {dim} has no code titled like {sel['title_pattern']!r} for {missing}; "
                    f"it has {_sample(codes)}"
                )
        if not found:
            raise CbsShapeError(f"CBS table {tid}: no code of {dim} matches {sel['title_pattern']!r}")
        return [found[k] for k in sorted(found, key=lambda k: (isinstance(k, str), k if isinstance(k, int) else 0, str(k)))]
    raise ValueError(f"{tid}.{dim}: unknown select {sel}")


def _periods(tid: str, dim: str, codes: list[Code], sel: dict[str, Any]) -> list[Code]:
    lo, hi, kinds = sel.get("from"), sel.get("to"), set(sel.get("kinds") or ["JJ"])
    out = []
    for c in codes:
        m = PERIOD_RE.match(c.key)
        if m and m.group(2) in kinds and (lo is None or int(m.group(1)) >= lo) and (hi is None or int(m.group(1)) <= hi):
            out.append(c)
    if not out:
        raise CbsShapeError(
            f"CBS table {tid}: no period of kind {sorted(kinds)} between {lo} and {hi} in {dim}; it has {_sample(codes)}"
        )
    return out


def _regions(cfg: Config, tid: str, dim: str, codes: list[Code], groups: list[str], optional: list[str], plan: Plan) -> list[Code]:
    by_key = {c.key: c for c in codes}
    out: list[Code] = []
    for g in list(groups) + list(optional):
        rc = cfg.regions[g]
        if rc.get("keys"):
            found = [by_key[k] for k in rc["keys"] if k in by_key]
            missing = [k for k in rc["keys"] if k not in by_key]
        else:
            found = _by_title(codes, rc["title"])
            missing = [] if found else [rc["title"]]
        if missing:
            if g in optional:
                plan.notes.append(f"{dim}: optional region group {g} not in this table ({missing})")
                continue
            raise CbsShapeError(
                f"CBS table {tid}: region group {g} not found in {dim}: {missing} "
                f"(the region was renamed or re-coded? it has {_sample(codes)})"
            )
        for c in found:
            plan.regions[c.key] = g
        out.extend(found)
    return out


def resolve(cfg: Config, spec: TableSpec, meta: TableMetadata) -> Plan:
    """Match the configuration to the table as CBS describes it now."""
    tid = spec.table_id
    expected, actual = set(spec.dimensions), set(meta.dimensions)
    if expected != actual:
        raise CbsShapeError(
            f"CBS table {tid} changed shape: its dimensions are {sorted(actual)}, the configuration expects "
            f"{sorted(expected)} (new: {sorted(actual - expected) or '-'}, gone: {sorted(expected - actual) or '-'}). "
            f"Update {tid} in include/cbs/tables.yaml."
        )
    plan = Plan(spec, meta, {}, {}, {})
    for dim, dc in spec.dimensions.items():
        dc = dc or {}
        codes = meta.codes[dim]
        if dc.get("regions"):
            chosen = _regions(cfg, tid, dim, codes, dc["regions"], dc.get("optional_regions") or [], plan)
        elif dc.get("periods"):
            chosen = _periods(tid, dim, codes, dc["periods"])
        elif dc.get("select"):
            chosen = _select(tid, dim, codes, dc["select"])
        else:
            chosen = None  # every code
        if not dc.get("column"):
            if not chosen or len(chosen) != 1:
                raise CbsShapeError(f"CBS table {tid}: fixed dimension {dim} must resolve to one code")
            plan.fixed[dim] = chosen[0]
        if chosen is not None:
            plan.filters[dim] = [c.key for c in chosen]
    by_title: dict[str, list[str]] = {}
    for m in meta.measures.values():
        by_title.setdefault(_norm(m.title), []).append(m.key)
    for ms in spec.measures:
        keys = by_title.get(_norm(ms.title), [])
        if len(keys) != 1:
            raise CbsShapeError(
                f"CBS table {tid}: {len(keys)} measures titled {ms.title!r} (need 1); its measures are "
                + "; ".join(f"{m.key}={m.title!r}" for m in meta.measures.values())
            )
        plan.measure_keys[ms.name] = keys[0]
    return plan
