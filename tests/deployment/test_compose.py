"""The deployment files: docker-compose.yml and the Dockerfile (no Docker engine needed).

``test_compose_file_is_valid`` checks docker-compose.yml against the Compose specification
with every checker this machine has, and skips (saying why) only when it has none:

1. the Compose-spec JSON schema shipped by the PyPI package ``check-jsonschema``
   (``check_jsonschema/builtin_schemas/vendor/compose-spec.json``), when it is installed;
2. the ``compose_spec.json`` shipped by Debian's ``docker-compose`` package
   (``/usr/lib/python3/dist-packages/compose/config/``);
3. ``docker-compose config -q`` (Debian's Compose v1) or ``docker compose config -q``
   (Compose v2), which also checks interpolation: it must fail without SECRET_KEY.

The other tests read the YAML with PyYAML (anchors and ``<<`` merges resolved) and assert
the shape of the stack.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from jsonschema import validators

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

DEBIAN_COMPOSE_SCHEMA = Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")
APP_SERVICES = ("web", "worker", "beat")
SECRET_KEY_REF = re.compile(r"^\$\{SECRET_KEY:\?[^}]*\}$")
#: Every secret the stack needs, each from the environment (``${NAME:?…}``), none in the file.
SECRETS = ("SECRET_KEY", "POSTGRES_PASSWORD", "POSTGRES_OWNER_PASSWORD", "POSTGRES_APP_PASSWORD")


@pytest.fixture(scope="module")
def compose():
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def _env(service):
    """A service's environment as a dict (Compose allows a mapping or a KEY=VALUE list)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def _schemas():
    """(label, schema) for each Compose-spec JSON schema shipped by an installed package."""
    found = []
    # find_spec locates the package without importing it (and so without its dependencies).
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is not None and spec.submodule_search_locations:
        path = (
            Path(next(iter(spec.submodule_search_locations)))
            / "builtin_schemas"
            / "vendor"
            / "compose-spec.json"
        )
        if path.is_file():
            found.append((f"check-jsonschema ({path})", json.loads(path.read_text("utf-8"))))
    if DEBIAN_COMPOSE_SCHEMA.is_file():
        found.append(
            (
                f"Debian docker-compose ({DEBIAN_COMPOSE_SCHEMA})",
                json.loads(DEBIAN_COMPOSE_SCHEMA.read_text("utf-8")),
            )
        )
    return found


def _validator_class(schema):
    # Debian's schema says "http://json-schema.org/draft/2019-09/schema#", which jsonschema
    # knows only as "https://…/schema"; normalise so the draft is picked without a warning.
    uri = schema.get("$schema", "").rstrip("#").replace("http://", "https://", 1)
    return validators.validator_for({"$schema": uri}, default=validators.Draft202012Validator)


def _compose_commands():
    """The Compose CLIs on this machine: Debian's docker-compose (v1) and/or docker compose."""
    commands = []
    if shutil.which("docker-compose"):
        commands.append([shutil.which("docker-compose")])
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if probe.returncode == 0:
            commands.append([docker, "compose"])
    return commands


def test_compose_file_is_valid(compose, tmp_path):
    checked = []

    for label, schema in _schemas():
        cls = _validator_class(schema)
        cls.check_schema(schema)
        errors = sorted(cls(schema).iter_errors(compose), key=lambda e: list(e.absolute_path))
        assert not errors, f"docker-compose.yml does not match the schema from {label}:\n" + (
            "\n".join(f"  {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        )
        checked.append(label)

    # An empty --env-file, so a developer's .env cannot supply (or hide a missing) SECRET_KEY.
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    base_env.pop("SECRET_KEY", None)
    for command in _compose_commands():
        argv = [*command, "-f", str(COMPOSE_FILE), "--env-file", str(empty_env_file)]
        given = {name: f"test-only-{name.lower()}" for name in SECRETS}
        for name in SECRETS:
            base_env.pop(name, None)
        ok = subprocess.run(
            [*argv, "config", "-q"],
            cwd=ROOT,
            env={**base_env, **given},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert ok.returncode == 0, f"{' '.join(command)} config -q failed:\n{ok.stderr}"
        for name in SECRETS:  # each one is required
            missing = subprocess.run(
                [*argv, "config", "-q"],
                cwd=ROOT,
                env={**base_env, **{k: v for k, v in given.items() if k != name}},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert missing.returncode != 0 and name in missing.stderr, (
                f"{' '.join(command)} config accepted the file without {name} set"
            )
        checked.append(" ".join(command))

    if not checked:
        pytest.skip(
            "docker-compose.yml NOT validated: no Compose-spec JSON schema (install "
            "check-jsonschema, or Debian's docker-compose package) and no docker-compose / "
            "docker compose CLI on this machine"
        )


def test_compose_specification_has_no_version_key(compose):
    assert "version" not in compose, "the Compose specification has no top-level version:"


def test_the_five_services_exist(services):
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)


def test_app_services_share_build_env_and_private_volume(compose, services):
    web = services["web"]
    assert web.get("build") is not None, "web must be built from the Dockerfile"
    for name in ("worker", "beat"):
        assert services[name].get("build") == web["build"], f"{name} builds another image"
        assert services[name].get("image") == web.get("image"), f"{name} uses another image"
        assert _env(services[name]) == _env(web), f"{name} has a different environment"
        assert services[name].get("volumes") == web.get("volumes")

    env = _env(web)
    # The runtime role, its password from the environment (README, "PostgreSQL").
    assert re.fullmatch(r"postgres://consultancy_app:\$\{POSTGRES_APP_PASSWORD:\?[^}]*\}"
                        r"@db:5432/consultancy", env["DATABASE_URL"])
    assert "DATABASE_APP_ROLE" not in env  # only the migration grants
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert "ALLOWED_HOSTS" in env
    assert env["MEDIA_ROOT"] == "/data/private"
    assert "private:/data/private" in web["volumes"]
    assert "private" in compose.get("volumes", {})


def test_web_waits_for_healthy_db_and_redis(compose, services):
    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in ("db", "redis"):
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (
                f"{name} must wait for {dependency} to be healthy"
            )
        assert depends_on.get("migrate", {}).get("condition") == (
            "service_completed_successfully"), f"{name} must wait for the migrations"
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert services["db"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    named_volumes = compose.get("volumes") or {}
    assert any(v.split(":")[0] in named_volumes for v in services["db"].get("volumes", [])), (
        "db needs a named volume"
    )


def test_secret_key_is_not_hard_coded(services):
    for name in APP_SERVICES:
        value = _env(services[name]).get("SECRET_KEY")
        assert isinstance(value, str) and SECRET_KEY_REF.match(value), (
            f"{name}: SECRET_KEY must come from the environment as ${{SECRET_KEY:?…}}, "
            f"got {value!r}"
        )
    for line in COMPOSE_FILE.read_text("utf-8").splitlines():
        if re.match(r"\s*-?\s*SECRET_KEY\s*[:=]", line):
            assert "${SECRET_KEY:?" in line, f"hard-coded SECRET_KEY: {line.strip()}"


def test_the_owner_migrates_and_nobody_else_has_its_password(services):
    migrate = services["migrate"]
    env = _env(migrate)
    assert migrate["command"] == "python manage.py migrate --noinput"
    assert migrate["restart"] == "no"
    assert re.fullmatch(r"postgres://consultancy_owner:\$\{POSTGRES_OWNER_PASSWORD:\?[^}]*\}"
                        r"@db:5432/consultancy", env["DATABASE_URL"])
    assert env["DATABASE_APP_ROLE"] == "consultancy_app"
    for name in APP_SERVICES:
        assert "POSTGRES_OWNER_PASSWORD" not in str(services[name]), name


def test_the_database_creates_both_roles_with_passwords_from_the_environment(services):
    db = services["db"]
    env = _env(db)
    assert "./deploy/postgres:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    assert (ROOT / "deploy/postgres/10-roles.sh").is_file()
    assert (ROOT / "deploy/postgres/roles.psql").is_file()
    assert env["APP_DB_OWNER"] == "consultancy_owner" and env["APP_DB_USER"] == "consultancy_app"
    for key, secret in (("POSTGRES_PASSWORD", "POSTGRES_PASSWORD"),
                        ("APP_DB_OWNER_PASSWORD", "POSTGRES_OWNER_PASSWORD"),
                        ("APP_DB_PASSWORD", "POSTGRES_APP_PASSWORD")):
        assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]*\}}", env[key]), key
    script = (ROOT / "deploy/postgres/roles.psql").read_text("utf-8")
    assert "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS" in script


def test_no_password_is_written_in_the_file():
    text = COMPOSE_FILE.read_text("utf-8")
    for url in re.findall(r"postgres://[^\s]+", text):
        password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert password.startswith("${") and ":?" in password, url
    for line in text.splitlines():
        if re.match(r"\s*[A-Z_]*PASSWORD\s*:", line):
            assert "${" in line and ":?" in line, line.strip()


def test_commands(services):
    web_command = services["web"]["command"]
    web_command = " ".join(web_command) if isinstance(web_command, list) else web_command
    assert re.search(r"gunicorn consultancy\.wsgi", web_command)
    assert "migrate" not in web_command  # the migrate service, as the owner
    assert "8000:8000" in [str(p) for p in services["web"]["ports"]]
    worker, beat = (" ".join(services[s]["command"]) for s in ("worker", "beat"))
    assert worker.endswith("exec celery -A consultancy worker -l info")
    assert "exec celery -A consultancy beat -l info" in beat
    assert "--schedule /tmp/" in beat


def test_dockerfile_final_stage_is_nonroot_without_node():
    # Instructions only: comments dropped, backslash continuations joined.
    text = re.sub(r"(?m)^\s*#.*\n", "", DOCKERFILE.read_text("utf-8")).replace("\\\n", " ")
    assert "python:3.11-slim-bookworm" in text
    final_stage = re.split(r"(?m)^FROM\s", text)[-1]
    assert not re.search(r"\b(nodejs|npm)\b", final_stage.replace("node_modules", "")), (
        "node/npm must stay in the build stage"
    )
    users = re.findall(r"(?m)^USER\s+(\S+)", final_stage)
    assert users and users[-1] not in ("root", "0"), "the final stage must run as non-root"
    assert re.search(r"(?m)^EXPOSE\s+8000\b", final_stage)
    assert not re.search(r"(?m)^ENV\b.*SECRET_KEY", text), "SECRET_KEY must not be an ENV"
    assert "collectstatic --noinput" in final_stage and "compilemessages" in final_stage
    assert "consultancy.wsgi:application" in final_stage


def test_redis_persists_and_the_background_services_wait_and_are_checked(services):
    """Redis keeps its queue across a restart (append-only file on a volume); the worker
    and the beat start once the migrations ran; every service of ours has a health check
    (the web's is /healthz)."""
    redis = services["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert any(v.endswith(":/data") for v in redis["volumes"])
    for name in ("worker", "beat"):
        command = " ".join(services[name]["command"])
        assert "migrate --check" in command and command.index("migrate --check") < \
            command.index("celery")
    for name in ("web", "worker", "beat", "redis", "db"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "healthz-worker" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "healthz-beat" in " ".join(services["beat"]["healthcheck"]["test"])
