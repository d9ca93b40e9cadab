"""The Kubernetes deployment: renders, validates offline, and keeps Harbour's network promises."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from jsonschema import Draft202012Validator

from harbour_directory.settings import DirectorySettings
from harbour_gateway.settings import GatewaySettings
from harbour_kit.auth import Role
from harbour_kit.settings import ServiceSettings
from harbour_notifications.settings import NotificationsSettings
from harbour_referrals.settings import ReferralsSettings
from harbour_web.settings import WebSettings
from tests.deploy.kustomize import Resource, pod_spec, render
from tests.deploy.netpol import Pod, allowed

ROOT = Path(__file__).resolve().parents[2]
KUBE = ROOT / "deploy" / "kubernetes"
SCHEMAS = Path(__file__).parent / "schemas"
BUILDS = {
    "base": KUBE / "base",
    "dev": KUBE / "overlays/dev",
    "production": KUBE / "overlays/production",
}
OVERLAYS = ("dev", "production")
KUBERNETES_VERSIONS = ("1.29.0", "1.33.0")
SETTINGS: dict[str, type[ServiceSettings]] = {
    "directory": DirectorySettings,
    "referrals": ReferralsSettings,
    "notifications": NotificationsSettings,
    "gateway": GatewaySettings,
    "web": WebSettings,
}
PORTS = {"gateway": 8000, "directory": 8001, "referrals": 8002, "notifications": 8003, "web": 8004}
DATABASES = ("directory", "referrals", "notifications")
REALM_FILE = ROOT / "deploy" / "keycloak" / "harbour-realm.json"
JWT_SETTINGS = {
    "HARBOUR_JWT_AUDIENCE": "harbour",
    "HARBOUR_JWT_ALGORITHMS": "RS256",
    "HARBOUR_JWT_ROLES_CLAIM": "roles",
    "HARBOUR_JWT_ORG_CLAIM": "org_id",
}


@cache
def build(name: str) -> tuple[Resource, ...]:
    return tuple(render(BUILDS[name]))


def by_kind(name: str, kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in build(name) if r["kind"] == kind}


def key(resource: Resource) -> tuple[str, str, str, str]:
    meta = resource["metadata"]
    return (resource["apiVersion"], resource["kind"], meta.get("namespace", ""), meta["name"])


def containers(resource: Resource) -> list[dict[str, Any]]:
    spec = pod_spec(resource) or {}
    return list(spec.get("containers", []))


def env_of(container: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in container.get("env", []) if e["name"] == name)


def config(name: str) -> dict[str, str]:
    return dict(by_kind(name, "ConfigMap")["harbour-config"]["data"])


@pytest.mark.parametrize("name", list(BUILDS))
def test_each_build_renders_unique_named_resources(name: str) -> None:
    resources = build(name)
    keys = [key(r) for r in resources]
    assert len(keys) == len(set(keys)), "a resource is declared twice"
    if name in OVERLAYS:
        namespace = yaml.safe_load((BUILDS[name] / "kustomization.yaml").read_text())["namespace"]
        assert {r["metadata"]["namespace"] for r in resources} == {namespace}
    if shutil.which("kubectl"):
        # Where kubectl is installed, its kustomize must build exactly what the renderer does.
        out = subprocess.run(
            ["kubectl", "kustomize", str(BUILDS[name])], capture_output=True, text=True, check=True
        ).stdout
        theirs = {key(r): r for r in yaml.safe_load_all(out) if r}
        assert theirs == {key(r): r for r in resources}


def builtin(name: str) -> list[Resource]:
    return [r for r in build(name) if not r["apiVersion"].startswith("postgresql.cnpg.io/")]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", list(BUILDS))
def test_kubernetes_kinds_validate_strictly_against_the_api_schemas(
    name: str, version: str
) -> None:
    for resource in builtin(name):
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_kubernetes_schemas_refuse_a_misspelt_field() -> None:
    deployment = copy.deepcopy(by_kind("production", "Deployment")["referrals"])
    probe = deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe["httpget"] = probe.pop("httpGet")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def schema(file: str, definition: str | None = None) -> Draft202012Validator:
    """A schema file's validator, or one for a single definition of it (clearer errors)."""
    document = json.loads((SCHEMAS / file).read_text())
    Draft202012Validator.check_schema(document)
    if definition is not None:
        document = {"$defs": document["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(document)


def errors(validator: Draft202012Validator, document: Any) -> list[str]:
    found = validator.iter_errors(document)
    return [f"{list(e.absolute_path)}: {e.message}" for e in found]


@pytest.mark.parametrize("name", list(BUILDS))
def test_cloudnative_pg_resources_match_the_fields_harbour_uses(name: str) -> None:
    crds = [r for r in build(name) if r["apiVersion"].startswith("postgresql.cnpg.io/")]
    assert crds
    for resource in crds:
        found = errors(schema("cloudnative-pg.json", resource["kind"]), resource)
        assert not found, (resource["metadata"]["name"], found)
    broken = copy.deepcopy(by_kind(name, "Cluster")["referrals-db"])
    broken["spec"]["instance"] = broken["spec"].pop("instances")
    assert errors(schema("cloudnative-pg.json"), broken)


def nats_values(file: str) -> dict[str, Any]:
    data = yaml.safe_load((KUBE / "nats" / file).read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("file", ["values.yaml", "values-dev.yaml"])
def test_nats_chart_values_use_the_charts_keys(file: str) -> None:
    validator = schema("nats-chart-values.json")
    assert not errors(validator, nats_values(file)), errors(validator, nats_values(file))
    typo = copy.deepcopy(nats_values(file))
    typo["config"]["jetstream"]["fileStorage"] = typo["config"]["jetstream"].pop("fileStore")
    assert errors(validator, typo)


def test_production_nats_is_three_servers_with_jetstream_on_volumes() -> None:
    values = nats_values("values.yaml")
    assert values["config"]["cluster"] == {"enabled": True, "replicas": 3}
    store = values["config"]["jetstream"]["fileStore"]
    assert values["config"]["jetstream"]["enabled"] and store["enabled"] and store["pvc"]["enabled"]
    assert config("production")["HARBOUR_EVENTS_REPLICAS"] == "3"
    assert config("dev")["HARBOUR_EVENTS_REPLICAS"] == "1"
    # The same server release as docker-compose.yml runs.
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["nats"]["image"] == f"nats:{values['container']['image']['tag']}"


def harbour_workloads(name: str, kind: str) -> dict[str, Resource]:
    return {n: r for n, r in by_kind(name, kind).items() if n.removesuffix("-migrate") in PORTS}


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_service_serves_with_probes_resources_autoscaling_and_a_budget(name: str) -> None:
    deployments = harbour_workloads(name, "Deployment")
    assert set(deployments) == set(PORTS)
    hpas, pdbs = by_kind(name, "HorizontalPodAutoscaler"), by_kind(name, "PodDisruptionBudget")
    services = by_kind(name, "Service")
    for service, deployment in deployments.items():
        [container] = containers(deployment)
        assert container["command"] == [f"harbour-{service}", "serve"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        assert container["ports"][0]["containerPort"] == PORTS[service]
        assert env_of(container, f"{service.upper()}_PORT")["value"] == str(PORTS[service])
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        target = hpas[service]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", service)
        assert 1 <= hpas[service]["spec"]["minReplicas"] <= hpas[service]["spec"]["maxReplicas"]
        for selector in (pdbs[service]["spec"]["selector"], deployment["spec"]["selector"]):
            assert selector["matchLabels"].items() <= labels.items()
        assert services[service]["spec"]["selector"].items() <= labels.items()
        assert services[service]["spec"]["ports"][0]["port"] == PORTS[service]


@pytest.mark.parametrize("name", list(BUILDS))
def test_each_database_service_migrates_in_its_own_job(name: str) -> None:
    jobs = harbour_workloads(name, "Job")
    assert set(jobs) == {f"{s}-migrate" for s in DATABASES}
    deployments = by_kind(name, "Deployment")
    for service in DATABASES:
        [migrate] = containers(jobs[f"{service}-migrate"])
        [serve] = containers(deployments[service])
        assert migrate["command"] == [f"harbour-{service}", "migrate"]
        assert migrate["image"] == serve["image"]
        url = f"{service.upper()}_DATABASE_URL"
        assert env_of(migrate, url) == env_of(serve, url)


def settings_variables(settings: type[ServiceSettings]) -> set[str]:
    """Every environment variable a settings class reads."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for field_name, info in settings.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        if choices:
            names |= {str(c) for c in choices}
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


@pytest.mark.parametrize("name", list(BUILDS))
def test_every_variable_set_is_one_the_process_reads(name: str) -> None:
    shared = set(config(name))
    for workload in (
        *harbour_workloads(name, "Deployment").values(),
        *harbour_workloads(name, "Job").values(),
    ):
        service = workload["metadata"]["name"].removesuffix("-migrate")
        known = settings_variables(SETTINGS[service])
        assert shared <= known, shared - known
        for container in containers(workload):
            assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == [
                "harbour-config"
            ]
            names = {e["name"] for e in container.get("env", [])}
            assert names <= known, (service, names - known)


def test_secrets_are_referenced_never_embedded() -> None:
    for name in BUILDS:
        assert not by_kind(name, "Secret")
        for resource in build(name):
            for container in containers(resource):
                for variable in container.get("env", []):
                    secretish = any(
                        w in variable["name"]
                        for w in ("PASSWORD", "KEYS", "TOKEN", "SECRET", "DATABASE_URL")
                    )
                    if secretish:
                        assert "secretKeyRef" in variable.get("valueFrom", {}), variable["name"]
    referrals = containers(by_kind("production", "Deployment")["referrals"])[0]
    assert env_of(referrals, "REFERRALS_ENCRYPTION_KEYS")["valueFrom"]["secretKeyRef"]["name"]
    notifications = containers(by_kind("production", "Deployment")["notifications"])[0]
    keys = env_of(notifications, "NOTIFICATIONS_ENCRYPTION_KEYS")
    assert keys["valueFrom"]["secretKeyRef"]["name"] == "notifications-encryption"
    # The web app and Keycloak share one client secret; the session key is the web app's own.
    for name in OVERLAYS:
        [web] = containers(by_kind(name, "Deployment")["web"])
        [keycloak] = containers(by_kind(name, "Deployment")["keycloak"])
        client = env_of(web, "WEB_OIDC_CLIENT_SECRET")["valueFrom"]["secretKeyRef"]
        assert client == env_of(keycloak, "HARBOUR_WEB_CLIENT_SECRET")["valueFrom"]["secretKeyRef"]
        session = env_of(web, "WEB_SESSION_SECRET")["valueFrom"]["secretKeyRef"]
        assert session["name"] == client["name"] and session["key"] != client["key"]


def test_postgresql_is_three_instances_per_database_with_postgis_and_backups() -> None:
    clusters = by_kind("production", "Cluster")
    assert set(clusters) == {f"{s}-db" for s in (*DATABASES, "keycloak")}
    for cluster in clusters.values():
        assert cluster["spec"]["instances"] == 3
        assert cluster["spec"]["backup"]["barmanObjectStore"]["s3Credentials"]
    assert "postgis" in clusters["directory-db"]["spec"]["imageName"]
    sql = clusters["directory-db"]["spec"]["bootstrap"]["initdb"]["postInitApplicationSQL"]
    assert any("postgis" in statement for statement in sql)
    backups = by_kind("production", "ScheduledBackup")
    assert {b["spec"]["cluster"]["name"] for b in backups.values()} == set(clusters)
    assert {c["spec"]["instances"] for c in by_kind("dev", "Cluster").values()} == {1}
    # Each service reads the URI that CloudNativePG writes for its own cluster.
    for service in DATABASES:
        [container] = containers(by_kind("production", "Deployment")[service])
        ref = env_of(container, f"{service.upper()}_DATABASE_URL")["valueFrom"]["secretKeyRef"]
        assert ref == {"name": f"{service}-db-app", "key": "uri"}


def realm_of(name: str) -> dict[str, Any]:
    text = by_kind(name, "ConfigMap")["keycloak-realm"]["data"]["harbour-realm.json"]
    realm = json.loads(text)
    assert isinstance(realm, dict)
    return realm


@pytest.mark.parametrize("name", list(BUILDS))
def test_the_realm_keycloak_imports_is_the_one_compose_mounts_without_its_users(name: str) -> None:
    realm = realm_of(name)
    assert realm == json.loads(REALM_FILE.read_text())
    assert not realm.get("users") and '"credentials"' not in json.dumps(realm)
    [keycloak] = containers(by_kind(name, "Deployment")["keycloak"])
    assert keycloak["args"] == ["start", "--import-realm"]
    [mount] = [m for m in keycloak["volumeMounts"] if m["mountPath"] == "/opt/keycloak/data/import"]
    spec = pod_spec(by_kind(name, "Deployment")["keycloak"]) or {}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes[mount["name"]]["configMap"]["name"] == "keycloak-realm"
    # Each `${NAME}` in the realm is filled from Keycloak's environment when imported.
    names = {e["name"] for e in keycloak["env"]}
    assert {"HARBOUR_WEB_URL", "HARBOUR_WEB_CLIENT_SECRET"} <= names
    # Keycloak keeps its data in its own PostgreSQL cluster, as its own user.
    assert env_of(keycloak, "KC_DB")["value"] == "postgres"
    assert env_of(keycloak, "KC_DB_URL_HOST")["value"] == "keycloak-db-rw"
    cluster = by_kind(name, "Cluster")["keycloak-db"]["spec"]["bootstrap"]["initdb"]
    assert env_of(keycloak, "KC_DB_URL_DATABASE")["value"] == cluster["database"]
    for variable in ("KC_DB_USERNAME", "KC_DB_PASSWORD"):
        ref = env_of(keycloak, variable)["valueFrom"]["secretKeyRef"]
        assert ref["name"] == "keycloak-db-app"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["keycloak"]["image"] == keycloak["image"]


def effective_env(name: str, deployment: str) -> dict[str, str]:
    """A Deployment's plain variables: the shared ConfigMap, then its own `env`."""
    [container] = containers(by_kind(name, "Deployment")[deployment])
    env = config(name) if container.get("envFrom") else {}
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


@pytest.mark.parametrize("name", list(BUILDS))
@pytest.mark.parametrize("service", sorted(set(PORTS) - {"web"}))
def test_every_service_and_the_gateway_check_keycloaks_tokens(name: str, service: str) -> None:
    env = effective_env(name, service)
    assert JWT_SETTINGS.items() <= env.items()
    assert env["HARBOUR_JWT_JWKS_URL"].startswith("http://keycloak:")
    assert env["HARBOUR_JWT_ISSUER"].startswith("https://")
    assert "HARBOUR_JWT_PUBLIC_KEY_FILE" not in env


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_web_app_signs_in_at_keycloak_and_is_served_on_its_public_url(name: str) -> None:
    web, keycloak = effective_env(name, "web"), effective_env(name, "keycloak")
    assert web["WEB_OIDC_ISSUER"] == config(name)["HARBOUR_JWT_ISSUER"]
    assert web["WEB_OIDC_CLIENT_ID"] == "harbour-web"
    assert web["WEB_OIDC_CLIENT_ID"] in {c["clientId"] for c in realm_of(name)["clients"]}
    # The realm's redirect URIs are built from the same address the web app sends.
    assert web["WEB_PUBLIC_URL"] == keycloak["HARBOUR_WEB_URL"]
    assert web["WEB_PUBLIC_URL"] == effective_env(name, "notifications")["NOTIFICATIONS_PUBLIC_URL"]
    assert web["WEB_GATEWAY_URL"] == f"http://gateway:{PORTS['gateway']}/graphql"
    assert web["WEB_COOKIE_SECURE"] == "true"
    rules = {r["host"]: r for r in by_kind(name, "Ingress")["harbour"]["spec"]["rules"]}
    [path] = rules[web["WEB_PUBLIC_URL"].removeprefix("https://")]["http"]["paths"]
    assert (path["path"], path["backend"]["service"]["name"]) == ("/", "web")
    tls = by_kind(name, "Ingress")["harbour"]["spec"]["tls"]
    assert set(rules) == {host for entry in tls for host in entry["hosts"]}
    # Sessions live in a replica's memory: the ingress keeps a browser on one replica.
    notes = by_kind(name, "Ingress")["harbour"]["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/session-cookie-secure"] == "true"


@pytest.mark.parametrize("name", OVERLAYS)
def test_tokens_come_from_keycloak_with_the_claims_services_check(name: str) -> None:
    settings = config(name)
    [keycloak] = containers(by_kind(name, "Deployment")["keycloak"])
    realm = realm_of(name)
    hostname = env_of(keycloak, "KC_HOSTNAME")["value"]
    assert settings["HARBOUR_JWT_ISSUER"] == f"{hostname}/realms/{realm['realm']}"
    service = by_kind(name, "Service")["keycloak"]
    port = service["spec"]["ports"][0]["port"]
    assert settings["HARBOUR_JWT_JWKS_URL"] == (
        f"http://keycloak:{port}/realms/{realm['realm']}/protocol/openid-connect/certs"
    )
    assert {r["name"] for r in realm["roles"]["realm"]} == {r.value for r in Role}
    mappers = [m for c in realm["clients"] for m in c["protocolMappers"]]
    claims = {m["config"].get("claim.name") for m in mappers}
    assert {"roles", "org_id", "locale"} <= claims
    audiences = {m["config"].get("included.custom.audience") for m in mappers}
    assert settings["HARBOUR_JWT_AUDIENCE"] in audiences
    hosts = {rule["host"] for rule in by_kind(name, "Ingress")["harbour"]["spec"]["rules"]}
    assert hostname.removeprefix("https://") in hosts


def test_the_gateway_reaches_each_service_by_its_service_name_and_port() -> None:
    [gateway] = containers(by_kind("production", "Deployment")["gateway"])
    for service in DATABASES:
        url = env_of(gateway, f"GATEWAY_{service.upper()}_URL")["value"]
        assert url == f"http://{service}:{PORTS[service]}"


def pods(name: str) -> dict[str, Pod]:
    """The pods the build makes (and those the NATS chart and CloudNativePG make)."""
    namespace = by_kind(name, "ConfigMap")["harbour-config"]["metadata"].get("namespace", "harbour")
    found: dict[str, Pod] = {}
    for resource in build(name):
        if resource["kind"] in {"Deployment", "Job"}:
            labels = resource["spec"]["template"]["metadata"]["labels"]
            found[resource["metadata"]["name"]] = Pod(
                resource["metadata"]["name"], namespace, labels
            )
        if resource["kind"] == "Cluster":
            db = resource["metadata"]["name"]
            found[db] = Pod(
                db, namespace, {"cnpg.io/cluster": db, "cnpg.io/instanceRole": "primary"}
            )
    found["nats"] = Pod("nats", namespace, {"app.kubernetes.io/name": "nats"})
    found["ingress-controller"] = Pod("ingress-controller", "ingress-nginx", {"app": "ingress"})
    found["stranger"] = Pod("stranger", "other-team", {"app.kubernetes.io/name": "gateway"})
    found["cnpg-operator"] = Pod("cnpg-operator", "cnpg-system", {"app": "cnpg"})
    found["internet"] = Pod("internet", "", {}, ip="203.0.113.7")
    found["kube-dns"] = Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"})
    return found


def reachable(name: str, target: str, port: int) -> set[str]:
    policies = list(by_kind(name, "NetworkPolicy").values())
    everyone = pods(name)
    return {
        n
        for n, pod in everyone.items()
        if n != target and allowed(policies, pod, everyone[target], port)
    }


@pytest.mark.parametrize("name", OVERLAYS)
def test_network_policies_let_through_only_what_harbour_needs(name: str) -> None:
    assert reachable(name, "gateway", 8000) == {"ingress-controller", "web"}
    assert reachable(name, "web", 8004) == {"ingress-controller"}
    for service in DATABASES:
        assert reachable(name, service, PORTS[service]) == {"gateway"}
        # A database: its own service (API and migration Job), its peers, the operator.
        assert reachable(name, f"{service}-db", 5432) == {
            service,
            f"{service}-migrate",
            "cnpg-operator",
        }
    assert reachable(name, "keycloak-db", 5432) == {"keycloak", "cnpg-operator"}
    assert reachable(name, "nats", 4222) == {
        "gateway",
        *DATABASES,
        *(f"{s}-migrate" for s in DATABASES),
    }
    assert reachable(name, "keycloak", 8080) == {
        "ingress-controller",
        "web",
        "gateway",
        *DATABASES,
        *(f"{s}-migrate" for s in DATABASES),
    }
    policies = list(by_kind(name, "NetworkPolicy").values())
    everyone = pods(name)
    # Notifications reaches SMTP relays and webhooks outside, but no private address.
    assert allowed(policies, everyone["notifications"], everyone["internet"], 587)
    assert not allowed(policies, everyone["referrals"], everyone["internet"], 443)
    private = Pod("metadata", "", {}, ip="169.254.169.254")
    assert not allowed(policies, everyone["notifications"], private, 443)
    for process in ("gateway", "web", *DATABASES):
        assert allowed(policies, everyone[process], everyone["kube-dns"], 53)
    # The web app talks to the gateway and Keycloak only: no service, database or NATS.
    web = everyone["web"]
    assert not allowed(policies, web, everyone["directory"], 8001)
    assert not allowed(policies, web, everyone["referrals-db"], 5432)
    assert not allowed(policies, web, everyone["nats"], 4222)
    assert not allowed(policies, web, everyone["internet"], 443)
    # Sign-in reads the issuer's discovery document at its public address, via the ingress.
    assert allowed(policies, web, everyone["ingress-controller"], 443)
    assert allowed(policies, web, everyone["keycloak"], 8080)
    assert not allowed(policies, everyone["directory"], everyone["referrals-db"], 5432)


def test_every_manifest_file_is_part_of_a_build() -> None:
    used: set[Path] = set()

    def walk(folder: Path) -> Iterator[Path]:
        spec = yaml.safe_load((folder / "kustomization.yaml").read_text())
        yield folder / "kustomization.yaml"
        for entry in spec.get("resources", []):
            path = (folder / entry).resolve()
            yield from (walk(path) if path.is_dir() else [path])
        for patch in spec.get("patches", []):
            if "path" in patch:
                yield (folder / patch["path"]).resolve()

    for folder in BUILDS.values():
        used |= set(walk(folder))
    files = {p.resolve() for p in KUBE.rglob("*.yaml") if p.parent.name != "nats"}
    assert files == used, files ^ used
