"""Start-up check of the docker compose deployment: refuse placeholder or weak secrets.

``airflow-init`` runs ``python -m jeugdhulp.deploy_check`` before anything else; every other
service waits for airflow-init to succeed, so with a ``change-me-...`` value from .env.example,
an empty, short or non-random secret nothing starts. The message names each bad setting and what
to do, never a value.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from collections.abc import Mapping

from jeugdhulp import privacy

#: generated secrets (`openssl rand -hex 32`): name -> minimum length
GENERATED = {
    "AIRFLOW_DB_PASSWORD": 24,
    "WAREHOUSE_DB_PASSWORD": 24,
    "WAREHOUSE_ADMIN_PASSWORD": 24,
    "AIRFLOW_JWT_SECRET": 32,
    "AIRFLOW_KEYCLOAK_CLIENT_SECRET": 24,
}
#: passwords a person types to log in; checked when set (the keycloak profile requires them)
PASSWORDS = {"AIRFLOW_ADMIN_PASSWORD": 12, "KEYCLOAK_ADMIN_PASSWORD": 12}
FERNET = "AIRFLOW_FERNET_KEY"


def _weak(value: str, minimum: int) -> str | None:
    if not value:
        return "is empty"
    if privacy.PLACEHOLDER.search(value):
        return "is a placeholder (change-me...) or a word, not a secret"
    if len(value) < minimum:
        return f"has {len(value)} characters; at least {minimum}"
    if len(set(value)) < 5:
        return "is not random (almost one character repeated)"
    return None


def _fernet(value: str) -> str | None:
    if not value or privacy.PLACEHOLDER.search(value):
        return "is empty or a placeholder"
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        return "is not a Fernet key (32 bytes, url-safe base64)"
    return None


def problems(env: Mapping[str, str]) -> list[str]:
    """One sentence per bad setting in ``env`` (the deployment's environment)."""
    found = []
    for name, minimum in GENERATED.items():
        reason = _weak(env.get(name, ""), minimum)
        if reason:
            found.append(f"{name} {reason}: generate one with `openssl rand -hex 32`")
    for name, minimum in PASSWORDS.items():
        reason = _weak(env.get(name, ""), minimum) if env.get(name) else None
        if reason:
            found.append(f"{name} {reason}: choose a long pass phrase")
    reason = _fernet(env.get(FERNET, ""))
    if reason:
        found.append(f"{FERNET} {reason}: generate one with `python -c \"from cryptography.fernet import Fernet; "
                     "print(Fernet.generate_key().decode())\"`")
    return found


def pseudonym_key_problem() -> str | None:
    """The pseudonymisation key (Docker secret file or env), checked like every ingest checks it."""
    try:
        privacy.key_from_env()
    except privacy.PseudonymKeyError as exc:
        return f"JEUGDHULP_PSEUDONYM_KEY: {exc}"
    return None


def main() -> int:
    found = problems(os.environ)
    key = pseudonym_key_problem()
    if key:
        found.append(key)
    if found:
        print("jeugdhulp deploy check: refusing to start. Fix these settings in .env (see .env.example), then run "
              "`docker compose up -d` again:", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("jeugdhulp deploy check: every secret is set and none is a placeholder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
