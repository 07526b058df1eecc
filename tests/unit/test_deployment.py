"""Static checks of the hardened deployment (docker-compose.yml, docker/, .env.example) and the
start-up secret check (jeugdhulp.deploy_check). There is no Docker engine on the build machines:
the compose file is checked as YAML; the warehouse roles run on the real PostgreSQL in
tests/integration/test_warehouse_roles.py.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

import pytest
import yaml

from jeugdhulp import deploy_check, privacy

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
ENV_EXAMPLE = ROOT / ".env.example"
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
AIRFLOW = {n for n, s in SERVICES.items() if "/opt/airflow/dags" in str(s.get("volumes"))}
#: the processes that run ingest tasks (LocalExecutor: the scheduler; Celery: the workers), and
#: airflow-init, which checks the key before anything starts
PSEUDONYMISING = {"airflow-scheduler", "airflow-worker", "airflow-init"}
KEYCLOAK_MANAGER = "airflow.providers.keycloak.auth_manager.keycloak_auth_manager.KeycloakAuthManager"


def _env(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    return {str(k): str(v) for k, v in env.items()}


def _default(value: str) -> str:
    """What a ${VAR:-default} reference gives when .env does not set VAR."""
    return VAR.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else f"<{m.group(1)}>", value)


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pairs[key.strip()] = value.strip()
    return pairs


def test_airflow_services_are_the_expected_ones():
    assert {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
            "airflow-worker", "flower"} <= AIRFLOW


# --------------------------------------------------------------------------- network exposure

def test_every_published_port_binds_to_localhost_unless_the_operator_opts_in():
    published = 0
    for name, svc in SERVICES.items():
        for port in svc.get("ports") or []:
            published += 1
            host_ip = _default(str(port)).rsplit(":", 2)[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} on {host_ip!r} by default"
    assert published >= 3
    api = SERVICES["airflow-apiserver"]["ports"]
    assert api == ["${AIRFLOW_BIND:-127.0.0.1}:${AIRFLOW_API_PORT:-8080}:8080"]
    assert "AIRFLOW_BIND" in ENV_EXAMPLE.read_text()


def test_redis_and_databases_are_not_published_except_the_warehouse_on_localhost():
    assert "ports" not in SERVICES["redis"] and "ports" not in SERVICES["airflow-metadata-db"]
    assert all(_default(p).startswith("127.0.0.1:") for p in SERVICES["warehouse-db"]["ports"])


# --------------------------------------------------------------------------- code mounts

@pytest.mark.parametrize("service", sorted(AIRFLOW))
def test_code_is_mounted_read_only_and_data_read_write(service):
    volumes = {v.split(":")[1]: v for v in SERVICES[service]["volumes"]}
    for folder in ("dags", "plugins", "include"):
        assert volumes[f"/opt/airflow/{folder}"] == f"./{folder}:/opt/airflow/{folder}:ro", service
    assert not volumes["/opt/airflow/data"].endswith(":ro")


def test_other_bind_mounts_are_read_only():
    for name, svc in SERVICES.items():
        for volume in svc.get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith("./docker"):
                assert str(volume).endswith(":ro"), (name, volume)


# --------------------------------------------------------------------------- authentication

@pytest.mark.parametrize("service", sorted(AIRFLOW))
def test_the_auth_manager_is_keycloak_not_the_simple_one(service):
    env = _env(service)
    assert env["AIRFLOW__CORE__AUTH_MANAGER"] == KEYCLOAK_MANAGER
    assert "SimpleAuthManager" not in json.dumps(SERVICES[service])
    assert VAR.fullmatch(env["AIRFLOW__KEYCLOAK_AUTH_MANAGER__CLIENT_SECRET"]).group(2) == ":?"
    assert VAR.fullmatch(env["AIRFLOW__KEYCLOAK_AUTH_MANAGER__SERVER_URL"]).group(2) == ":?"


def test_the_image_installs_the_keycloak_provider_pinned():
    text = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"apache-airflow-providers-keycloak==\d+\.\d+\.\d+", text)
    # the provider's module path of the auth manager class
    assert KEYCLOAK_MANAGER.startswith("airflow.providers.keycloak.auth_manager.")


def test_the_first_admin_comes_from_a_secret_in_the_realm():
    realm = json.loads((ROOT / "docker" / "keycloak" / "jeugdhulp-realm.json").read_text())
    assert realm["realm"] == _default(_env("airflow-apiserver")["AIRFLOW__KEYCLOAK_AUTH_MANAGER__REALM"])
    roles = {r["name"] for r in realm["roles"]["realm"]}
    assert {"Viewer", "User", "Op", "Admin", "SuperAdmin"} <= roles  # what `create-all` attaches policies to
    (admin,) = realm["users"]
    assert admin["username"] == "${AIRFLOW_ADMIN_USER}" and "Admin" in admin["realmRoles"]
    (credential,) = admin["credentials"]
    assert credential["value"] == "${AIRFLOW_ADMIN_PASSWORD}" and credential["temporary"] is False
    (client,) = realm["clients"]
    assert client["secret"] == "${AIRFLOW_KEYCLOAK_CLIENT_SECRET}" and client["publicClient"] is False
    assert client["authorizationServicesEnabled"] is True
    kc = _env("keycloak")
    for placeholder in ("AIRFLOW_ADMIN_USER", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_KEYCLOAK_CLIENT_SECRET",
                        "AIRFLOW_BASE_URL"):
        assert placeholder in kc, f"the realm file needs {placeholder} in the keycloak service"
    assert "--import-realm" in " ".join(SERVICES["keycloak"]["command"])


def test_keycloak_refuses_placeholder_secrets_at_start():
    script = " ".join(SERVICES["keycloak"]["command"])
    for name in ("KC_DB_PASSWORD", "KC_BOOTSTRAP_ADMIN_PASSWORD", "AIRFLOW_ADMIN_PASSWORD",
                 "AIRFLOW_KEYCLOAK_CLIENT_SECRET"):
        assert name in script
    assert "change.?me" in script and "exit 1" in script


# --------------------------------------------------------------------------- secrets

def test_no_secret_has_a_literal_default_in_compose():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "change-me" not in text.lower().replace("change-me...", "")
    for m in VAR.finditer(text):
        if re.search(r"PASSWORD|SECRET|FERNET|_KEY$", m.group(1)) and m.group(2) in (":-", "-"):
            assert m.group(3) == "", f"${{{m.group(1)}}} has a literal default"


def test_airflow_init_checks_the_secrets_before_anything_else():
    init = SERVICES["airflow-init"]
    script = init["command"][1]
    assert script.index("python -m jeugdhulp.deploy_check") < script.index("airflow db migrate")
    assert "set -euo pipefail" in script
    env = _env("airflow-init")
    for name in [*deploy_check.GENERATED, *deploy_check.PASSWORDS, deploy_check.FERNET]:
        assert VAR.fullmatch(env[name]).group(1) == name, name
    for name, svc in SERVICES.items():
        if name in AIRFLOW - {"airflow-init"}:
            assert svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name


def test_deploy_check_covers_every_secret_of_env_example():
    checked = {*deploy_check.GENERATED, *deploy_check.PASSWORDS, deploy_check.FERNET, privacy.KEY_ENV,
               "KEYCLOAK_DB_PASSWORD"}  # checked by the keycloak service itself
    secret_like = {k for k in _env_example() if re.search(r"PASSWORD|SECRET|FERNET|_KEY$", k)}
    assert secret_like == checked


def test_deploy_check_refuses_every_placeholder_of_env_example(monkeypatch, tmp_path):
    example = _env_example()
    found = deploy_check.problems(example)
    for name in [*deploy_check.GENERATED, *deploy_check.PASSWORDS, deploy_check.FERNET]:
        assert any(p.startswith(name + " ") for p in found), name
    for problem in found:
        assert not any(v and v in problem for v in example.values() if v.startswith("change-me")), problem
    key_file = tmp_path / "key"
    key_file.write_text(example[privacy.KEY_ENV])
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(key_file))
    assert "JEUGDHULP_PSEUDONYM_KEY" in deploy_check.pseudonym_key_problem()
    monkeypatch.setattr(os, "environ", {**example, privacy.KEY_FILE_ENV: str(key_file)})
    assert deploy_check.main() == 1


def test_deploy_check_accepts_generated_secrets(monkeypatch, tmp_path):
    from cryptography.fernet import Fernet

    env = {name: secrets.token_hex(32) for name in deploy_check.GENERATED}
    env |= {name: secrets.token_urlsafe(18) for name in deploy_check.PASSWORDS}
    env[deploy_check.FERNET] = Fernet.generate_key().decode()
    assert deploy_check.problems(env) == []
    assert deploy_check.problems({**env, "AIRFLOW_ADMIN_PASSWORD": ""}) == []  # optional (external Keycloak)
    bad = deploy_check.problems({**env, deploy_check.FERNET: "x" * 44, "AIRFLOW_JWT_SECRET": "a" * 40})
    assert [p.split()[0] for p in bad] == ["AIRFLOW_JWT_SECRET", deploy_check.FERNET]
    (tmp_path / "key").write_text(secrets.token_hex(32))
    monkeypatch.setattr(os, "environ", {**env, privacy.KEY_FILE_ENV: str(tmp_path / "key")})
    assert deploy_check.main() == 0


# --------------------------------------------------------------------------- pseudonymisation key

def test_the_key_reaches_only_the_services_that_pseudonymise():
    assert COMPOSE["secrets"]["jeugdhulp_pseudonym_key"] == {"environment": privacy.KEY_ENV}
    for name, svc in SERVICES.items():
        text = json.dumps({k: v for k, v in svc.items() if k != "secrets"})
        has_secret = "jeugdhulp_pseudonym_key" in (svc.get("secrets") or [])
        if name in PSEUDONYMISING:
            assert has_secret and _env(name)[privacy.KEY_FILE_ENV] == "/run/secrets/jeugdhulp_pseudonym_key", name
        else:
            assert not has_secret, name
            assert privacy.KEY_ENV not in text and "PSEUDONYM" not in text.upper(), name
    for name in ("airflow-apiserver", "airflow-triggerer", "flower", "airflow-dag-processor"):
        assert privacy.KEY_FILE_ENV not in _env(name) and privacy.KEY_ENV not in _env(name), name


# --------------------------------------------------------------------------- warehouse roles

def test_the_pipeline_is_not_the_warehouse_superuser():
    wh = _env("warehouse-db")
    assert VAR.fullmatch(wh["POSTGRES_USER"]).group(1) == "WAREHOUSE_ADMIN_USER"
    assert VAR.fullmatch(wh["POSTGRES_PASSWORD"]).group(1) == "WAREHOUSE_ADMIN_PASSWORD"
    pipeline_user = VAR.search(_env("airflow-scheduler")["AIRFLOW_CONN_JEUGDHULP_WAREHOUSE"]).group(1)
    assert pipeline_user == "WAREHOUSE_DB_USER" and wh["WAREHOUSE_DB_USER"].startswith("${WAREHOUSE_DB_USER")
    assert _default(wh["WAREHOUSE_DB_USER"]) != _default(wh["POSTGRES_USER"])
    mounts = SERVICES["warehouse-db"]["volumes"]
    assert "./docker/warehouse-db/initdb:/docker-entrypoint-initdb.d:ro" in mounts
    assert "./docker/warehouse-db/roles.sql:/jeugdhulp/roles.sql:ro" in mounts
    script = ROOT / "docker" / "warehouse-db" / "initdb" / "10-roles.sh"
    assert "/jeugdhulp/roles.sql" in script.read_text() and os.access(script, os.X_OK)


def test_deploy_check_runs_as_compose_runs_it_with_the_standard_library_only(tmp_path):
    """airflow-init runs `PYTHONPATH=/opt/airflow/plugins python -m jeugdhulp.deploy_check` as root,
    whose python may not see the image's packages: the check needs the standard library only."""
    import subprocess
    import sys

    key = tmp_path / "key"
    key.write_text(_env_example()[privacy.KEY_ENV])
    env = {**_env_example(), privacy.KEY_FILE_ENV: str(key), "PYTHONPATH": str(ROOT / "plugins")}
    # -S: no site-packages; the package is found through PYTHONPATH alone
    res = subprocess.run([sys.executable, "-S", "-m", "jeugdhulp.deploy_check"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 1, res.stderr
    assert "refusing to start" in res.stderr and "AIRFLOW_FERNET_KEY" in res.stderr
    assert "JEUGDHULP_PSEUDONYM_KEY" in res.stderr and "change-me" not in res.stderr.replace("(change-me...)", "")
