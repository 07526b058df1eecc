"""Pseudonymisation: a BSN never leaves the parser in clear text.

The pseudonym is ``HMAC-SHA256(key, bsn)`` in hex. The key is a secret held outside the repo
(an Airflow connection ``jeugdhulp_pseudonym``, the env var ``JEUGDHULP_PSEUDONYM_KEY`` or the
file named by ``JEUGDHULP_PSEUDONYM_KEY_FILE``); without the key a pseudonym cannot be linked back
to a BSN, and the same BSN gives the same pseudonym in every message so the warehouse can still
follow one client.

Key continuity: the warehouse keeps a fingerprint of the key it was filled with
(``meta.pseudonym_sleutel``; an HMAC of a constant, never the key) and every pseudonymising step
refuses to run with another key (:func:`checked_pseudonymiser`): a lost or mistyped key would
otherwise silently give every known client a second pseudonym.

Rotation (``jeugdhulp key rotate``, :func:`rotate`): core holds pseudonyms, not BSNs, so it can
only be re-keyed by chaining. After rotation ``g`` the key is the chain ``k1 k2 ... kg`` (the keys,
oldest first, separated by a space) and a pseudonym is ``HMAC(kg, ... HMAC(k2, HMAC(k1, bsn)))``;
every stored pseudonym ``p`` becomes ``HMAC(kg, p)``. Whoever holds a leaked earlier key can no
longer link anything in the warehouse: that takes every key of the chain. A chain of one key is
the plain ``HMAC(key, bsn)``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

KEY_ENV = "JEUGDHULP_PSEUDONYM_KEY"
#: env var naming a file that holds the key (a Docker secret); used when KEY_ENV is not set
KEY_FILE_ENV = "JEUGDHULP_PSEUDONYM_KEY_FILE"
#: Airflow connection whose password holds the key.
KEY_CONN_ID = "jeugdhulp_pseudonym"
#: characters per key of the chain (`openssl rand -hex 32` gives 64)
MIN_KEY_LENGTH = 32
#: what the fingerprint is an HMAC of: not a BSN (BSNs are 9 digits), so never a client's pseudonym
_FINGERPRINT_INPUT = "jeugdhulp:pseudoniem-sleutel-vingerafdruk:v1"
#: placeholders from templates and documentation, and words people type instead of a key
PLACEHOLDER = re.compile(r"change.?me|replace.?me|vervang.?mij|placeholder|example|voorbeeld|secret|geheim|"
                          r"password|passwd|wachtwoord|pseudonym.?key|your.?key|jouw.?sleutel", re.IGNORECASE)
#: a random key of 32+ characters uses many different ones; "aaaa…", "abab…", "0000…1" do not
_MIN_DISTINCT = 5

#: The official test range for BSNs; only these may appear in synthetic or test data.
TEST_BSN_MIN = 999_900_000
TEST_BSN_MAX = 999_999_999


class PseudonymKeyError(RuntimeError):
    """No usable pseudonymisation key was configured."""


class PseudonymKeyMismatch(PseudonymKeyError):
    """The configured key is not the key the warehouse's pseudonyms were made with."""


def elfproef(bsn: str) -> bool:
    """The BSN 11-proef: 9 digits, sum(w_i * d_i) with weights 9..2 and -1 divisible by 11."""
    if len(bsn) != 9 or not (bsn.isascii() and bsn.isdigit()):  # str.isdigit() alone accepts '²', '٣'
        return False
    d = bsn.encode()  # ASCII digits: byte - 48 is the digit (43 * 48 corrects the 9..2, -1 weights)
    total = 9 * d[0] + 8 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6] + 2 * d[7] - d[8] - 43 * 48
    return total % 11 == 0 and total != 0


def is_test_bsn(bsn: str) -> bool:
    return len(bsn) == 9 and bsn.isascii() and bsn.isdigit() and TEST_BSN_MIN <= int(bsn) <= TEST_BSN_MAX


def weak_key_reason(key: str) -> str | None:
    """Why ``key`` (one key of the chain) must not be used, or None."""
    if len(key) < MIN_KEY_LENGTH:
        return f"is {len(key)} characters; a key has at least {MIN_KEY_LENGTH}"
    if PLACEHOLDER.search(key):
        return "looks like a placeholder or a word, not a random key"
    if len(set(key)) < _MIN_DISTINCT:
        return f"uses only {len(set(key))} different characters; a random key uses many"
    return None


def require_strong_key(key: str) -> None:
    """Refuse a configured key that is short, a placeholder (``change-me-pseudonym-key``) or
    not random; for a chain, every key of it. The message never contains the key."""
    keys = key.split()
    if not keys:
        raise PseudonymKeyError(f"the pseudonymisation key is empty; {_KEY_HOWTO}")
    for n, k in enumerate(keys, 1):
        reason = weak_key_reason(k)
        if reason:
            which = "the pseudonymisation key" if len(keys) == 1 else f"key {n} of the pseudonymisation key chain"
            raise PseudonymKeyError(f"{which} {reason}: refused. {_KEY_HOWTO}")


_KEY_HOWTO = ("Generate one with `openssl rand -hex 32` and put it in the Airflow connection "
              f"'{KEY_CONN_ID}' (password) or {KEY_ENV} (docker compose: .env); keep a copy in the key vault")


def _hmac_chain(keys: Sequence[bytes], value: str) -> str:
    for key in keys:
        value = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    return value


class Pseudonymiser:
    """Keyed, deterministic BSN -> pseudonym mapping (cached: one client has many lines).

    ``key`` is one key or a chain of keys separated by whitespace, oldest first (see the module
    doc); a chain of one key gives the plain ``HMAC-SHA256(key, bsn)``."""

    def __init__(self, key: str | bytes):
        key_bytes = key.encode() if isinstance(key, str) else key
        self._keys = tuple(key_bytes.split()) or (b"",)
        for k in self._keys:
            if len(k) < MIN_KEY_LENGTH:
                raise PseudonymKeyError(
                    f"pseudonymisation key is {len(k)} bytes; use at least {MIN_KEY_LENGTH} "
                    f"random characters (e.g. `openssl rand -hex 32`)"
                )
        self._cache: dict[str, str] = {}

    def __reduce__(self):
        # a copy (e.g. for a parse worker process) gets the key, never the cache of clear BSNs
        return (Pseudonymiser, (b" ".join(self._keys),))

    @property
    def generation(self) -> int:
        """How many keys the chain holds (1 until the first rotation)."""
        return len(self._keys)

    def fingerprints(self) -> list[str]:
        """Fingerprint of each generation (the chain up to that key): safe to store and show."""
        return [_hmac_chain(self._keys[:g], _FINGERPRINT_INPUT) for g in range(1, len(self._keys) + 1)]

    def __call__(self, bsn: str) -> str:
        pseudonym = self._cache.get(bsn)
        if pseudonym is None:
            if len(self._keys) == 1:
                pseudonym = hmac.new(self._keys[0], bsn.encode(), hashlib.sha256).hexdigest()
            else:
                pseudonym = _hmac_chain(self._keys, bsn)
            self._cache[bsn] = pseudonym
        return pseudonym


def key_from_env() -> str:
    """The key from ``JEUGDHULP_PSEUDONYM_KEY`` or the file named by
    ``JEUGDHULP_PSEUDONYM_KEY_FILE``; refuses to go on without one or with a weak one."""
    key = os.environ.get(KEY_ENV, "")
    if not key and os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV])
        try:
            key = path.read_text().strip()
        except OSError as exc:
            raise PseudonymKeyError(f"{KEY_FILE_ENV} names {path}, which cannot be read ({exc.strerror})") from None
    if not key:
        raise PseudonymKeyError(
            f"no pseudonymisation key: set the Airflow connection '{KEY_CONN_ID}' (password), "
            f"the env var {KEY_ENV} or {KEY_FILE_ENV}; the demo writes one to .local/secrets/pseudonym.key"
        )
    require_strong_key(key)
    return key


# --------------------------------------------------------------------------- key continuity

_SHORT = 12  # characters of a fingerprint shown in messages


def recorded_generations(conn) -> list[tuple[int, str, object]]:
    """(generatie, vingerafdruk, in_gebruik_sinds) of every key the warehouse has used, oldest first."""
    return conn.execute(
        "SELECT generatie, vingerafdruk, in_gebruik_sinds FROM meta.pseudonym_sleutel ORDER BY generatie"
    ).fetchall()


def checked_pseudonymiser(conn, key: str) -> Pseudonymiser:
    """The pseudonymiser for ``key`` once it is proven to be the warehouse's key: call it at the
    start of every step that pseudonymises (after ``migrate``). On the first use of an empty
    warehouse the key's fingerprint is recorded; afterwards another key is refused with
    :class:`PseudonymKeyMismatch` saying what to do."""
    require_strong_key(key)
    p = Pseudonymiser(key)
    prints = p.fingerprints()
    with conn.transaction():
        # one first use at a time; ingest steps and a rotation take the ingest lock anyway
        conn.execute("LOCK TABLE meta.pseudonym_sleutel IN SHARE ROW EXCLUSIVE MODE")
        rows = recorded_generations(conn)
        if not rows:
            clients = conn.execute("SELECT count(*) FROM core.client").fetchone()[0]
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO meta.pseudonym_sleutel (generatie, vingerafdruk, toelichting) VALUES (%s, %s, %s)",
                    [(g, fp, "vastgelegd bij het eerste gebruik") for g, fp in enumerate(prints, 1)],
                )
            if clients:
                log.warning("the warehouse already held %s clients but no key fingerprint: recorded the fingerprint "
                            "%s of the key this step runs with; if that is not the key those pseudonyms were made "
                            "with, stop and restore the right key", clients, prints[-1][:_SHORT])
            else:
                log.info("pseudonymisation key (generation %s, fingerprint %s) recorded at first use",
                         len(prints), prints[-1][:_SHORT])
            return p
    generatie, current, since = rows[-1]
    if prints[-1] == current and len(prints) == generatie:
        return p
    raise PseudonymKeyMismatch(_mismatch(prints, rows))


def _mismatch(prints: list[str], rows) -> str:
    generatie, current, since = rows[-1]
    what = (f"the configured pseudonymisation key (fingerprint {prints[-1][:_SHORT]}) is not the key the "
            f"warehouse's pseudonyms were made with (generation {generatie}, fingerprint {current[:_SHORT]}, "
            f"in use since {since:%Y-%m-%d}). ")
    older = {fp: g for g, fp, _ in rows[:-1]}
    if prints[-1] in older:
        why = (f"It is the key chain of generation {older[prints[-1]]}, which a rotation replaced: configure the "
               f"current chain (all {generatie} keys, oldest first, separated by a space). ")
    else:
        why = ("With it every known client would get a second pseudonym. Was the key file deleted or the secret "
               "changed? ")
    return (what + why + "Nothing was ingested. Restore the key (or chain) from the key vault; to change the key on "
            "purpose run `jeugdhulp key rotate` (docs/deployment.md, 'Pseudonymisation key').")
