"""Static checks of docker-compose.yml, docker/Dockerfile, .env.example and .gitignore.

There is no Docker engine on the build machines, so the deployment is checked as text/YAML:
structure, the env contract with the DAG code, secrets hygiene and healthcheck wiring.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
GITIGNORE = ROOT / ".gitignore"
LOCK_FILE = ROOT / "requirements.lock"

CORE_SERVICES = {
    "airflow-metadata-db",
    "warehouse-db",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
CELERY_SERVICES = {"redis", "airflow-worker"}
NON_AIRFLOW_SERVICES = {"airflow-metadata-db", "warehouse-db", "redis", "keycloak", "keycloak-db"}
LONG_RUNNING_AIRFLOW = CORE_SERVICES - NON_AIRFLOW_SERVICES - {"airflow-init"}
CONTRACT_CONN_IDS = ("jeugdhulp_warehouse", "jeugdhulp_pseudonym")
#: given to the services that pseudonymise as a Docker secret file, not as a connection (an Airflow
#: connection of that id still overrides it); tests/unit/test_deployment.py checks where it goes
SECRET_FILE_CONN_IDS = {"jeugdhulp_pseudonym"}
CONTRACT_ENV = {
    "JEUGDHULP_MODE": "production",
    "JEUGDHULP_LANDING": "/opt/airflow/data/landing",
    "JEUGDHULP_ARCHIVE": "/opt/airflow/data/archive",
    "JEUGDHULP_QUARANTINE": "/opt/airflow/data/quarantine",
    "JEUGDHULP_DATA_DOCS": "/opt/airflow/data/data_docs",
}
SECRET_KEY_RE = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|(^|_)KEY$", re.IGNORECASE)
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}, ${NAME:+alt}
VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
BARE_VAR_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


# ---------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def compose_text() -> str:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict:
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    svcs = compose.get("services")
    assert isinstance(svcs, dict) and svcs, "docker-compose.yml has no services"
    return svcs


def env_of(service: dict) -> dict[str, str]:
    """A service's environment as a dict (compose allows a mapping or a list of K=V)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def airflow_services(services: dict) -> dict:
    return {n: s for n, s in services.items() if n not in NON_AIRFLOW_SERVICES}


def mount_targets(service: dict) -> set[str]:
    targets = set()
    for vol in service.get("volumes") or []:
        if isinstance(vol, dict):
            targets.add(vol.get("target", ""))
        else:
            parts = str(vol).split(":")
            targets.add(parts[1] if len(parts) > 1 else parts[0])
    return targets


def mounts(service: dict) -> dict[str, str]:
    """container target -> source, for short-syntax and long-syntax volumes."""
    out = {}
    for vol in service.get("volumes") or []:
        if isinstance(vol, dict):
            out[vol.get("target", "")] = str(vol.get("source", ""))
        else:
            parts = str(vol).split(":")
            if len(parts) > 1:
                out[parts[1]] = parts[0]
    return out


def depends_on(service: dict) -> dict[str, dict]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short form == service_started
        return {d: {"condition": "service_started"} for d in deps}
    return {d: (spec or {"condition": "service_started"}) for d, spec in deps.items()}


def strings_in(node) -> list[str]:
    """Every string scalar (keys and values) of a loaded YAML document; comments are gone."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings_in(k) + strings_in(v)]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return [node] if isinstance(node, str) else []


def compose_vars(compose: dict) -> list[tuple[str, str | None]]:
    """(name, operator) of every interpolation in compose values; `$$` is a literal `$`."""
    found = []
    for text in strings_in(compose):
        text = text.replace("$$", "")
        found += [(m.group(1), m.group(2)) for m in VAR_RE.finditer(text)]
        found += [(m.group(1), None) for m in BARE_VAR_RE.finditer(VAR_RE.sub("", text))]
    return found


def parse_env_file(path: Path) -> dict[str, str]:
    """Uncommented KEY=VALUE assignments of a dotenv file."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip().strip("'\"")
    return out


def is_pure_reference(value: str) -> bool:
    """True if value is exactly one ${VAR} / ${VAR:?msg} / ${VAR?msg} / ${VAR:-} (no literal default)."""
    m = VAR_RE.fullmatch(value.strip())
    return bool(m) and (m.group(2) is None or m.group(2) in (":?", "?") or (m.group(2) == ":-" and not m.group(3)))


# ---------------------------------------------------------------------------------- structure
def test_compose_parses_to_services(compose: dict, services: dict) -> None:
    assert isinstance(services, dict)
    for name, svc in services.items():
        assert isinstance(svc, dict), f"service {name} is not a mapping"
        assert svc.get("image") or svc.get("build"), f"service {name} has no image/build"


def test_required_services_exist(services: dict) -> None:
    missing = (CORE_SERVICES | CELERY_SERVICES) - set(services)
    assert not missing, f"missing services: {sorted(missing)}"
    for name in CORE_SERVICES:
        assert not services[name].get("profiles"), f"{name} must run without a profile"
    for name in CELERY_SERVICES:
        assert "celery" in (services[name].get("profiles") or []), f"{name} not in profile celery"


def test_databases_are_postgres16_with_own_volumes(services: dict) -> None:
    volumes = {}
    for name in ("airflow-metadata-db", "warehouse-db"):
        svc = services[name]
        assert str(svc.get("image", "")).startswith("postgres:16"), name
        assert "healthcheck" in svc, f"{name} has no healthcheck"
        volumes[name] = mounts(svc).get("/var/lib/postgresql/data")
        assert volumes[name], f"{name} keeps its data in no volume"
    assert volumes["airflow-metadata-db"] != volumes["warehouse-db"], "databases share a volume"
    assert env_of(services["warehouse-db"]).get("POSTGRES_DB") == "warehouse"


def test_worker_is_scalable(services: dict) -> None:
    worker = services["airflow-worker"]
    assert "container_name" not in worker, "container_name prevents --scale airflow-worker=N"
    for port in worker.get("ports") or []:
        assert ":" not in str(port), f"fixed host port {port} prevents scaling"
    assert "celery worker" in " ".join(map(str, _cmd(worker)))


def _cmd(service: dict) -> list[str]:
    cmd = service.get("command") or []
    return cmd.split() if isinstance(cmd, str) else [str(c) for c in cmd]


def test_airflow_commands(services: dict) -> None:
    expected = {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }
    for name, sub in expected.items():
        assert sub in _cmd(services[name]), f"{name} does not run `airflow {sub}`"
    assert any("8080" in str(p).split(":")[-1] for p in services["airflow-apiserver"].get("ports", []))
    init = " ".join(_cmd(services["airflow-init"]))
    assert "airflow db migrate" in init, "airflow-init must run `airflow db migrate`"
    assert "users create" not in init, "the first admin comes from the Keycloak realm, not `airflow users create`"


def test_airflow_services_share_image_and_mounts(services: dict) -> None:
    af = airflow_services(services)
    assert set(af) >= LONG_RUNNING_AIRFLOW | {"airflow-init", "airflow-worker"}
    reference = services["airflow-apiserver"]
    ref_key = (reference.get("image"), json.dumps(reference.get("build"), sort_keys=True))
    assert reference.get("build"), "Airflow services must build docker/Dockerfile"
    for name, svc in af.items():
        key = (svc.get("image"), json.dumps(svc.get("build"), sort_keys=True))
        assert key == ref_key, f"{name} uses another image/build than airflow-apiserver"
        targets = mount_targets(svc)
        for folder in ("dags", "plugins", "include", "data"):
            assert f"/opt/airflow/{folder}" in targets, f"{name} does not mount {folder}"
        src = mounts(svc)
        for folder in ("dags", "plugins", "include"):
            assert src[f"/opt/airflow/{folder}"].rstrip("/") == f"./{folder}", (name, folder)


def test_build_points_at_dockerfile(services: dict) -> None:
    build = services["airflow-apiserver"]["build"]
    context = build.get("context", ".") if isinstance(build, dict) else build
    dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE.resolve()
    # The Dockerfile COPYs requirements.lock, so the context must be the repo root.
    assert (ROOT / context).resolve() == ROOT


def test_long_running_airflow_services_have_healthchecks(services: dict) -> None:
    for name in LONG_RUNNING_AIRFLOW | CELERY_SERVICES:
        hc = services[name].get("healthcheck")
        assert hc and hc.get("test") and not hc.get("disable"), f"{name} has no healthcheck"


def test_depends_on_conditions_are_satisfiable(services: dict) -> None:
    for name, svc in services.items():
        for dep, spec in depends_on(svc).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert dep != name
            target = services[dep]
            condition = spec.get("condition", "service_started")
            if condition == "service_healthy":
                hc = target.get("healthcheck")
                assert hc and hc.get("test") and not hc.get("disable"), (
                    f"{name} waits for {dep} to be healthy, but {dep} has no healthcheck"
                )
            elif condition == "service_completed_successfully":
                assert str(target.get("restart", "no")) in ("no", "False"), (
                    f"{name} waits for {dep} to complete, but {dep} restarts"
                )
            # A service that runs without a profile may only hard-depend on one that does too.
            if not svc.get("profiles") and target.get("profiles"):
                assert spec.get("required") is False, (
                    f"{name} (no profile) needs {dep} (profiles {target['profiles']}): "
                    "mark it `required: false`"
                )


def test_airflow_services_wait_for_init_and_databases(services: dict) -> None:
    for name in LONG_RUNNING_AIRFLOW | {"airflow-worker"}:
        deps = depends_on(services[name])
        assert deps.get("airflow-init", {}).get("condition") == "service_completed_successfully", name
        for db in ("airflow-metadata-db", "warehouse-db"):
            assert deps.get(db, {}).get("condition") == "service_healthy", f"{name} -> {db}"


# ---------------------------------------------------------------------------------- environment
def test_common_airflow_env(services: dict) -> None:
    for name, svc in airflow_services(services).items():
        env = env_of(svc)
        conn = env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
        assert "@airflow-metadata-db" in conn, f"{name}: metadata DB is not airflow-metadata-db"
        assert env.get("AIRFLOW__CORE__LOAD_EXAMPLES", "").lower() == "false", name
        assert env.get("AIRFLOW__CORE__EXECUTION_API_SERVER_URL") == (
            "http://airflow-apiserver:8080/execution/"
        ), name
        assert is_pure_reference(env.get("AIRFLOW__API_AUTH__JWT_SECRET", "")), name
        assert is_pure_reference(env.get("AIRFLOW__CORE__FERNET_KEY", "")), name
        for key, value in CONTRACT_ENV.items():
            assert env.get(key) == value, f"{name}: {key}={env.get(key)!r}, expected {value!r}"
        assert mounts(svc).get("/opt/airflow/data"), f"{name} has no /opt/airflow/data mount"


def test_executor_local_by_default_celery_via_override(services: dict) -> None:
    for name in LONG_RUNNING_AIRFLOW:
        executor = env_of(services[name]).get("AIRFLOW__CORE__EXECUTOR", "")
        m = VAR_RE.fullmatch(executor)
        assert m and m.group(2) in (":-", "-") and m.group(3) == "LocalExecutor", (
            f"{name}: executor must be ${{VAR:-LocalExecutor}}, got {executor!r}"
        )
    override = VAR_RE.fullmatch(env_of(services["airflow-scheduler"])["AIRFLOW__CORE__EXECUTOR"])
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert re.search(rf"^#?\s*{override.group(1)}=CeleryExecutor\s*$", example, re.M), (
        f".env.example must document {override.group(1)}=CeleryExecutor"
    )
    for name in ("airflow-worker", "flower"):
        if name in services:
            env = env_of(services[name])
            assert env.get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor", name
    env = env_of(services["airflow-worker"])
    assert env.get("AIRFLOW__CELERY__BROKER_URL", "").startswith("redis://redis:")
    assert env.get("AIRFLOW__CELERY__RESULT_BACKEND", "").startswith("db+postgresql://")


def test_dockerfile_installs_celery_provider() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "apache-airflow-providers-celery" in text


def test_connection_env_vars_follow_the_contract(services: dict) -> None:
    for name, svc in airflow_services(services).items():
        env = env_of(svc)
        for conn_id in set(CONTRACT_CONN_IDS) - SECRET_FILE_CONN_IDS:
            assert f"AIRFLOW_CONN_{conn_id.upper()}" in env, f"{name} lacks {conn_id}"
        for conn_id in SECRET_FILE_CONN_IDS:
            assert f"AIRFLOW_CONN_{conn_id.upper()}" not in env, f"{name}: {conn_id} must come from a secret file"
        url = urlsplit(VAR_RE.sub("x", env["AIRFLOW_CONN_JEUGDHULP_WAREHOUSE"]))
        assert url.scheme in ("postgresql", "postgres"), url
        assert (url.hostname, url.port, url.path) == ("warehouse-db", 5432, "/warehouse"), url


def _conn_ids_in_code() -> tuple[set[str], int]:
    files = list((ROOT / "dags").glob("*.py"))
    n_dags = len(files)
    files += list((ROOT / "plugins" / "jeugdhulp").rglob("*.py"))
    ids: set[str] = set()
    generic = [
        # conn_id="x", postgres_conn_id = 'x', conn_id: str = "x", KEY_CONN_ID = "x"
        re.compile(r"conn_id\w*\s*(?::\s*str\s*)?[=:]\s*[\"']([A-Za-z0-9_.-]+)[\"']", re.I),
        re.compile(r"get_connection\(\s*[\"']([A-Za-z0-9_.-]+)[\"']"),
    ]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        ids |= {cid for cid in CONTRACT_CONN_IDS if re.search(rf"[\"']{cid}[\"']", text)}
        for rx in generic:
            ids |= set(rx.findall(text))
    return ids, n_dags


def test_conn_ids_used_in_code_are_configured(services: dict) -> None:
    ids, n_dags = _conn_ids_in_code()
    if n_dags == 0 and not ids:
        pytest.skip("no DAG files (dags/*.py) yet")
    assert ids, "DAG/plugin code references no connection id at all"
    for name, svc in airflow_services(services).items():
        env = env_of(svc)
        for conn_id in sorted(ids - SECRET_FILE_CONN_IDS):
            var = f"AIRFLOW_CONN_{conn_id.upper()}"
            assert var in env, f"code uses connection {conn_id!r}; {name} does not set {var}"


# ---------------------------------------------------------------------------------- secrets
def test_required_compose_vars_are_in_env_example(compose: dict) -> None:
    assert ENV_EXAMPLE.is_file(), ".env.example is missing"
    example = parse_env_file(ENV_EXAMPLE)
    example_text = ENV_EXAMPLE.read_text(encoding="utf-8")
    found = compose_vars(compose)
    assert found, "compose interpolates no variables: where do the secrets come from?"
    for var, op in found:
        if op in (":-", "-", ":+", "+"):
            # Optional: at least mention it so operators know it exists.
            assert re.search(rf"\b{var}\b", example_text), f"{var} is not mentioned in .env.example"
        else:
            assert var in example, f"compose needs ${{{var}}} but .env.example does not set it"


def test_env_example_has_only_placeholders() -> None:
    for key, value in parse_env_file(ENV_EXAMPLE).items():
        if SECRET_KEY_RE.search(key):
            assert value == "" or "change-me" in value.lower(), (
                f".env.example: {key} looks like a real secret; use a change-me placeholder"
            )


def test_no_secret_literals_in_compose(services: dict, compose_text: str) -> None:
    for name, svc in services.items():
        for key, value in env_of(svc).items():
            if SECRET_KEY_RE.search(key):
                assert is_pure_reference(value), f"{name}: {key} must be only ${{VAR}}, got {value!r}"
            # Passwords inside URLs: scheme://user:PASSWORD@host
            pw = _url_password(value)
            assert not pw or is_pure_reference(pw), (
                f"{name}: {key} has a literal password in its URL: {pw!r}"
            )
            # Passwords inside JSON connections
            if value.lstrip().startswith("{"):
                doc = json.loads(value)
                for field in ("password", "extra"):
                    if isinstance(doc.get(field), str) and doc[field]:
                        assert is_pure_reference(doc[field]), f"{name}: {key}.{field} is a literal"
    # Belt and braces on the raw text: no `password: literal` / `PASSWORD=literal` anywhere.
    for m in re.finditer(r"(?im)^[ \t]*-?[ \t]*\"?[A-Z0-9_]*(PASSWORD|SECRET)[A-Z0-9_]*\"?[ \t]*[:=][ \t]*(.+)$",
                         compose_text):
        assert m.group(2).strip().strip("'\"").startswith("${"), f"literal secret: {m.group(0)!r}"


def _url_password(value: str) -> str | None:
    """The password part of the first URL in value, with ${...} references kept intact."""
    refs: list[str] = []

    def keep(m: re.Match) -> str:
        refs.append(m.group(0))
        return f"\0{len(refs) - 1}\0"

    masked = VAR_RE.sub(keep, value)
    m = re.search(r"://([^/@\s]*)@", masked)
    if not m or ":" not in m.group(1):
        return None
    pw = m.group(1).split(":", 1)[1]
    return re.sub(r"\0(\d+)\0", lambda r: refs[int(r.group(1))], pw)


def test_dotenv_is_gitignored() -> None:
    assert GITIGNORE.is_file(), ".gitignore is missing"
    lines = {ln.strip() for ln in GITIGNORE.read_text(encoding="utf-8").splitlines()}
    assert lines & {".env", "/.env", "**/.env", ".env*"}, ".env is not in .gitignore"
    assert "!.env" not in lines


# ---------------------------------------------------------------------------------- image
def _dockerfile_from() -> str:
    m = re.search(r"^FROM\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert m, "docker/Dockerfile has no FROM line"
    return m.group(1)


def test_dockerfile_base_image() -> None:
    image = _dockerfile_from()
    assert re.fullmatch(r"apache/airflow:\d+\.\d+\.\d+-python3\.11", image), image
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^COPY\s+requirements\.lock\s", text, re.M), "Dockerfile must COPY the lock"
    assert re.search(r"pip install --no-cache-dir[^\n]*(\\\n[^\n]*)*-r \S*requirements\.lock", text)
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in text, "pin Airflow to the base image version"


def test_dockerfile_tag_matches_locked_airflow() -> None:
    if not LOCK_FILE.is_file():
        pytest.skip("requirements.lock not written yet")
    m = re.search(
        r"^apache[-_]airflow(?:\[[^\]]*\])?\s*==\s*([^\s;#\\]+)",
        LOCK_FILE.read_text(encoding="utf-8"),
        re.M | re.I,
    )
    assert m, "requirements.lock does not pin apache-airflow"
    tag = _dockerfile_from().split(":", 1)[1]
    assert tag.split("-python")[0] == m.group(1), f"FROM {tag} vs apache-airflow=={m.group(1)}"
