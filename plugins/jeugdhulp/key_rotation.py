"""Deliberate rotation of the pseudonymisation key: re-key every pseudonym in the warehouse.

Core holds pseudonyms, not BSNs, so a new key cannot be applied to the BSNs again; instead the new
key is chained (see :mod:`jeugdhulp.privacy`): every stored pseudonym ``p`` becomes
``HMAC(new_key, p)``, which is exactly what the chain ``old new`` computes for that client's BSN,
so files ingested after the rotation meet the same clients. Runs under the ingest lock (no ingest
step runs meanwhile) in one transaction: it happens completely or not at all.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from jeugdhulp import privacy, recovery, warehouse
from jeugdhulp.privacy import PseudonymKeyError, Pseudonymiser

log = logging.getLogger(__name__)

COLUMN = "client_pseudoniem"
#: the table every other pseudonym column refers to (foreign keys)
PARENT = ("core", "client")


def pseudonym_relations(conn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(tables, materialized views) with a ``client_pseudoniem`` column, in every schema."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.attname = %s AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND NOT c.relispartition "
        "ORDER BY 1, 2",
        (COLUMN,),
    ).fetchall()
    return [(s, t) for s, t, k in rows if k != "m"], [(s, t) for s, t, k in rows if k == "m"]


def _check_references(conn) -> None:
    """Only core.client may be the target of a foreign key on a pseudonym (it is re-keyed by
    insert + delete; every other table by UPDATE)."""
    targets = conn.execute(
        "SELECT DISTINCT confrelid::regclass::text FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.confrelid AND a.attnum = ANY (c.confkey) WHERE c.contype = 'f' AND a.attname = %s",
        (COLUMN,),
    ).fetchall()
    unexpected = {t for (t,) in targets} - {".".join(PARENT)}
    if unexpected:
        raise RuntimeError(f"cannot re-key: foreign keys point at pseudonyms in {sorted(unexpected)}; "
                           "key_rotation only knows core.client as their target")


def rotate(url: str, current_key: str, new_key: str) -> dict:
    """Re-key the warehouse from the key chain ``current_key`` to ``current_key + ' ' + new_key``.

    ``current_key`` must be the warehouse's current key (chain); ``new_key`` one new random key.
    Returns the new generation, its fingerprint and what was re-keyed (never a key): from now on
    configure the chain ``current_key + ' ' + new_key``."""
    privacy.require_strong_key(new_key)
    if len(new_key.split()) != 1:
        raise PseudonymKeyError("the new key must be one key (no spaces); the chain is made by the rotation")
    if new_key in current_key.split():
        raise PseudonymKeyError("the new key is already part of the current key chain; generate a new one")
    chain = " ".join([*current_key.split(), new_key])
    new_prints = Pseudonymiser(chain).fingerprints()
    key = new_key.encode()
    with recovery.ingest_session(url) as (conn, _):
        warehouse.migrate(conn)
        old = privacy.checked_pseudonymiser(conn, current_key)  # proves the current chain (or records it)
        with conn.transaction():
            conn.execute("LOCK TABLE meta.pseudonym_sleutel IN SHARE ROW EXCLUSIVE MODE")
            generatie = privacy.recorded_generations(conn)[-1][0]
            if generatie != old.generation:  # a rotation finished between the check and the lock
                raise privacy.PseudonymKeyMismatch("the key changed while rotating; run the rotation again")
            _check_references(conn)
            tables, matviews = pseudonym_relations(conn)
            conn.execute("CREATE TEMP TABLE sleutel_map (oud char(64) PRIMARY KEY, nieuw char(64) NOT NULL) ON COMMIT DROP")
            union = " UNION ".join(f'SELECT {COLUMN} FROM "{s}"."{t}"' for s, t in tables)
            olds = [p for (p,) in conn.execute(union).fetchall()]
            with conn.cursor().copy("COPY sleutel_map (oud, nieuw) FROM STDIN") as copy:
                for p in olds:
                    copy.write_row((p, hmac.new(key, p.encode(), hashlib.sha256).hexdigest()))
            conn.execute("ANALYZE sleutel_map")
            parent = f'"{PARENT[0]}"."{PARENT[1]}"'
            cols = [c for (c,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                "AND attgenerated = '' ORDER BY attnum", (parent,)).fetchall() if c != COLUMN]
            names = "".join(f', "{c}"' for c in cols)
            other = "".join(f', c."{c}"' for c in cols)
            rows = {parent: conn.execute(
                f"INSERT INTO {parent} ({COLUMN}{names}) "
                f"SELECT m.nieuw{other} FROM {parent} c JOIN sleutel_map m ON m.oud = c.{COLUMN}").rowcount}
            for s, t in tables:
                if (s, t) != PARENT:
                    rows[f'"{s}"."{t}"'] = conn.execute(
                        f'UPDATE "{s}"."{t}" x SET {COLUMN} = m.nieuw FROM sleutel_map m WHERE x.{COLUMN} = m.oud'
                    ).rowcount
            conn.execute(f"DELETE FROM {parent} c USING sleutel_map m WHERE c.{COLUMN} = m.oud")
            for s, t in matviews:
                conn.execute(f'REFRESH MATERIALIZED VIEW "{s}"."{t}"')
            conn.execute(
                "INSERT INTO meta.pseudonym_sleutel (generatie, vingerafdruk, toelichting) VALUES (%s, %s, %s)",
                (generatie + 1, new_prints[-1],
                 f"rotatie: {len(olds)} pseudoniemen, {sum(rows.values())} rijen in {len(rows)} tabellen opnieuw versleuteld"),
            )
    log.info("pseudonymisation key rotated to generation %s: %s pseudonyms re-keyed", generatie + 1, len(olds))
    return {"generation": generatie + 1, "fingerprint": new_prints[-1][:12], "pseudonyms": len(olds), "rows": rows}
