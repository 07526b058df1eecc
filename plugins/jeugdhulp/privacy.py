"""Pseudonymisation: a BSN never leaves the parser in clear text.

The pseudonym is ``HMAC-SHA256(key, bsn)`` in hex. The key is a secret held outside the repo
(an Airflow connection ``jeugdhulp_pseudonym`` or the env var ``JEUGDHULP_PSEUDONYM_KEY``);
without the key a pseudonym cannot be linked back to a BSN, and the same BSN gives the same
pseudonym in every message so the warehouse can still follow one client.
"""

from __future__ import annotations

import hashlib
import hmac
import os

KEY_ENV = "JEUGDHULP_PSEUDONYM_KEY"
#: Airflow connection whose password holds the key.
KEY_CONN_ID = "jeugdhulp_pseudonym"
MIN_KEY_LENGTH = 16

#: The official test range for BSNs; only these may appear in synthetic or test data.
TEST_BSN_MIN = 999_900_000
TEST_BSN_MAX = 999_999_999


class PseudonymKeyError(RuntimeError):
    """No usable pseudonymisation key was configured."""


def elfproef(bsn: str) -> bool:
    """The BSN 11-proef: 9 digits, sum(w_i * d_i) with weights 9..2 and -1 divisible by 11."""
    if len(bsn) != 9 or not (bsn.isascii() and bsn.isdigit()):  # str.isdigit() alone accepts '²', '٣'
        return False
    d = bsn.encode()  # ASCII digits: byte - 48 is the digit (43 * 48 corrects the 9..2, -1 weights)
    total = 9 * d[0] + 8 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6] + 2 * d[7] - d[8] - 43 * 48
    return total % 11 == 0 and total != 0


def is_test_bsn(bsn: str) -> bool:
    return len(bsn) == 9 and bsn.isascii() and bsn.isdigit() and TEST_BSN_MIN <= int(bsn) <= TEST_BSN_MAX


class Pseudonymiser:
    """Keyed, deterministic BSN -> pseudonym mapping (cached: one client has many lines)."""

    def __init__(self, key: str | bytes):
        key_bytes = key.encode() if isinstance(key, str) else key
        if len(key_bytes) < MIN_KEY_LENGTH:
            raise PseudonymKeyError(
                f"pseudonymisation key is {len(key_bytes)} bytes; use at least {MIN_KEY_LENGTH} "
                f"random bytes (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        self._key = key_bytes
        self._cache: dict[str, str] = {}

    def __reduce__(self):
        # a copy (e.g. for a parse worker process) gets the key, never the cache of clear BSNs
        return (Pseudonymiser, (self._key,))

    def __call__(self, bsn: str) -> str:
        pseudonym = self._cache.get(bsn)
        if pseudonym is None:
            pseudonym = hmac.new(self._key, bsn.encode(), hashlib.sha256).hexdigest()
            self._cache[bsn] = pseudonym
        return pseudonym


def key_from_env() -> str:
    """The key from ``JEUGDHULP_PSEUDONYM_KEY``; refuses to go on without one."""
    key = os.environ.get(KEY_ENV, "")
    if not key:
        raise PseudonymKeyError(
            f"no pseudonymisation key: set the Airflow connection '{KEY_CONN_ID}' (password) "
            f"or the env var {KEY_ENV}; the demo writes one to .local/secrets/pseudonym.key"
        )
    return key
