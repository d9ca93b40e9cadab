"""Static checks of docker-compose.yml and the one Dockerfile (no Docker engine needed)."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).parent / "schemas" / "compose-spec.json"
APP_SERVICES = {
    "directory": 8001,
    "referrals": 8002,
    "notifications": 8003,
    "gateway": 8000,
    "web": 8004,
}
API_SERVICES = ("directory", "referrals", "notifications", "gateway")
REALM_FILE = ROOT / "deploy" / "keycloak" / "harbour-realm.json"
DEV_USERS_FILE = ROOT / "deploy" / "keycloak" / "dev-users.json"
KEYCLOAK_IMPORT = "/opt/keycloak/data/import"


@cache
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def validator() -> Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    assert "draft-07" in schema["$schema"] and schema["title"] == "Compose Specification"
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


@cache
def workspace_members() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Maps each workspace member's project name to its folder and its pyproject data."""
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members: dict[str, tuple[Path, dict[str, Any]]] = {}
    for folder in root["tool"]["uv"]["workspace"]["members"]:
        project = tomllib.loads((ROOT / folder / "pyproject.toml").read_text())["project"]
        members[project["name"]] = (ROOT / folder, project)
    return members


def dockerfile_of(service: dict[str, Any]) -> Path:
    build = service["build"]
    build = {"context": build} if isinstance(build, str) else build
    context = (COMPOSE_FILE.parent / build.get("context", ".")).resolve()
    return context / build.get("dockerfile", "Dockerfile")


def dockerfiles() -> list[Path]:
    return sorted({dockerfile_of(s) for s in services().values() if "build" in s})


def instructions(dockerfile: Path) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    lines = [ln for ln in dockerfile.read_text().splitlines() if not ln.lstrip().startswith("#")]
    return [i.strip() for i in re.sub(r"\\\n\s*", " ", "\n".join(lines)).splitlines() if i.strip()]


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    errors = sorted(validator().iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_rejects_a_broken_compose_file() -> None:
    broken = copy.deepcopy(compose())
    broken["services"]["gateway"]["depends_on"]["directory"]["condition"] = "service_ready"
    broken["services"]["postgres"]["helthcheck"] = {}
    assert len(list(validator().iter_errors(broken))) >= 2


def test_every_build_points_at_an_existing_dockerfile() -> None:
    built = {name for name, service in services().items() if "build" in service}
    assert set(APP_SERVICES) <= built
    for name in built:
        assert dockerfile_of(services()[name]).is_file(), f"{name}: no Dockerfile"


def depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`depends_on` in its long form, whichever form the file uses."""
    value = service.get("depends_on", {})
    return {target: {} for target in value} if isinstance(value, list) else value


def test_every_depends_on_target_exists_with_a_usable_condition() -> None:
    for name, service in services().items():
        for target, spec in depends_on(service).items():
            assert target in services() and target != name, f"{name} -> {target}"
            healthcheck = services()[target].get("healthcheck", {})
            if spec.get("condition") == "service_healthy":
                assert "test" in healthcheck and not healthcheck.get("disable"), target
            if spec.get("condition") == "service_completed_successfully":
                assert services()[target].get("restart", "no") == "no", target


def test_start_order_runs_migrations_before_services_and_services_before_gateway() -> None:
    for name in ("directory", "referrals", "notifications"):
        depends = services()[name]["depends_on"]
        assert depends[f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["nats"]["condition"] == "service_healthy"
        assert services()[f"{name}-migrate"]["command"] == [f"harbour-{name}", "migrate"]
        assert services()["gateway"]["depends_on"][name]["condition"] == "service_healthy"
    web = services()["web"]["depends_on"]
    assert web["gateway"]["condition"] == web["keycloak"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_each_image_is_the_one_dockerfile_built_for_its_own_member(name: str) -> None:
    service = services()[name]
    assert dockerfile_of(service) == ROOT / "Dockerfile"
    args = service["build"]["args"]
    assert args["SERVICE"] == name and int(args["PORT"]) == APP_SERVICES[name]
    folder, project = workspace_members()[f"harbour-{name}"]
    assert ROOT / args["MEMBER"] == folder
    assert f"harbour-{name}" in project["scripts"]  # the command the image runs


def test_the_dockerfile_syncs_the_member_it_is_given_and_runs_it_unprivileged() -> None:
    assert dockerfiles() == [ROOT / "Dockerfile"]
    steps = instructions(ROOT / "Dockerfile")
    syncs = [s for s in steps if "uv sync" in s]
    assert len(syncs) == 2 and all("--frozen" in s for s in syncs)
    assert all("--package harbour-${SERVICE}" in s for s in syncs)
    for member_folder, _ in workspace_members().values():
        pyproject = member_folder.relative_to(ROOT) / "pyproject.toml"
        assert any(s.startswith("COPY") and f" {pyproject} " in f"{s} " for s in steps), pyproject
    assert "COPY ${MEMBER} ${MEMBER}" in steps
    assert steps[0].startswith("ARG PYTHON_IMAGE=python:3.11-slim")
    assert any(re.fullmatch(r"USER (?!root|0\b)\S+", s) for s in steps)
    assert any(s.startswith("HEALTHCHECK") and "/healthz" in s for s in steps)
    assert "EXPOSE ${PORT}" in steps
    cmd = json.loads(next(s for s in steps if s.startswith("CMD "))[4:])
    assert cmd[:2] == ["sh", "-c"]
    assert 'harbour-"$HARBOUR_SERVICE" serve --host 0.0.0.0' in cmd[2]


def test_only_the_gateway_and_the_web_app_publish_ports_among_the_application_services() -> None:
    built = {name: service for name, service in services().items() if "build" in service}
    assert {name for name, service in built.items() if service.get("ports")} == {"gateway", "web"}
    assert any(str(p).endswith(":8000") for p in built["gateway"]["ports"])
    assert [str(p) for p in built["web"]["ports"]] == ["127.0.0.1:8004:8004"]


def environment(name: str) -> dict[str, str]:
    """A compose service's environment as a mapping, whichever form the file uses."""
    value = services()[name].get("environment", {})
    if isinstance(value, list):
        value = dict(item.split("=", 1) for item in value)
    return {k: str(v) for k, v in value.items()}


def realm() -> dict[str, Any]:
    data = json.loads(REALM_FILE.read_text())
    assert isinstance(data, dict)
    return data


def mounts(name: str) -> dict[str, Path]:
    """A service's bind mounts: target in the container to the file on this machine."""
    found: dict[str, Path] = {}
    for volume in services()[name].get("volumes", []):
        if isinstance(volume, str) and volume.startswith("./"):
            source, target, *_ = volume.split(":")
            found[target] = (COMPOSE_FILE.parent / source).resolve()
    return found


def test_keycloak_imports_the_realm_and_the_dev_users_at_start() -> None:
    keycloak = services()["keycloak"]
    assert keycloak["image"].startswith("quay.io/keycloak/keycloak:")
    assert keycloak["command"] == ["start-dev", "--import-realm"]
    # Keycloak's import reads `<realm>-realm.json` and `<realm>-users-<n>.json` only.
    assert mounts("keycloak") == {
        f"{KEYCLOAK_IMPORT}/harbour-realm.json": REALM_FILE,
        f"{KEYCLOAK_IMPORT}/harbour-users-0.json": DEV_USERS_FILE,
    }
    assert all(str(v).endswith(":ro") for v in keycloak["volumes"])
    assert "/health/ready" in " ".join(keycloak["healthcheck"]["test"])
    assert [str(p) for p in keycloak["ports"]] == ["127.0.0.1:8080:8080"]


def test_keycloak_names_itself_as_browsers_reach_it_and_containers_by_their_host() -> None:
    env = environment("keycloak")
    assert env["KC_HOSTNAME"] == "http://localhost:8080"
    assert env["KC_HOSTNAME_BACKCHANNEL_DYNAMIC"] == "true"
    assert env["KC_BOOTSTRAP_ADMIN_PASSWORD"].startswith("dev-only-")
    # Every placeholder of the realm file is given a value.
    assert {"HARBOUR_WEB_URL", "HARBOUR_WEB_CLIENT_SECRET"} <= set(env)


@pytest.mark.parametrize("name", [*API_SERVICES, *(f"{s}-migrate" for s in API_SERVICES[:3])])
def test_every_service_checks_keycloaks_tokens(name: str) -> None:
    env = environment(name)
    issuer = f"{environment('keycloak')['KC_HOSTNAME']}/realms/{realm()['realm']}"
    assert env["HARBOUR_JWT_ISSUER"] == issuer
    # Keys over the compose network; the issuer stays the browser-facing one.
    assert env["HARBOUR_JWT_JWKS_URL"] == (
        f"http://keycloak:8080/realms/{realm()['realm']}/protocol/openid-connect/certs"
    )
    assert env["HARBOUR_JWT_AUDIENCE"] == "harbour"
    assert env["HARBOUR_JWT_ALGORITHMS"] == "RS256"
    assert env["HARBOUR_JWT_ROLES_CLAIM"] == "roles"
    assert env["HARBOUR_JWT_ORG_CLAIM"] == "org_id"
    assert "HARBOUR_JWT_PUBLIC_KEY_FILE" not in env


def test_the_web_app_signs_in_with_the_realms_web_client() -> None:
    web, keycloak = environment("web"), environment("keycloak")
    [client] = [c for c in realm()["clients"] if c["clientId"] == web["WEB_OIDC_CLIENT_ID"]]
    assert web["WEB_OIDC_CLIENT_ID"] == "harbour-web"
    assert web["WEB_OIDC_ISSUER"] == environment("gateway")["HARBOUR_JWT_ISSUER"]
    assert web["WEB_OIDC_CLIENT_SECRET"] == keycloak["HARBOUR_WEB_CLIENT_SECRET"]
    assert client["secret"] == "${HARBOUR_WEB_CLIENT_SECRET}"
    # The redirect URI Keycloak accepts is the one the web app sends.
    assert web["WEB_PUBLIC_URL"] == keycloak["HARBOUR_WEB_URL"] == "http://localhost:8004"
    assert web["WEB_GATEWAY_URL"] == "http://gateway:8000/graphql"
    assert web["WEB_PORT"] == "8004" and web["WEB_HOST"] == "0.0.0.0"
    assert web["WEB_COOKIE_SECURE"] == "true"
    session_secret = web["WEB_SESSION_SECRET"]
    assert len(session_secret) >= 32 and session_secret.startswith("dev-only-")
    healthcheck = " ".join(services()["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8004/readyz" in healthcheck
