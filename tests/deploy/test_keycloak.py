"""The `harbour` realm Keycloak imports, and the development users compose adds to it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from harbour_kit.auth import Role
from harbour_runner.personas import PERSONAS

ROOT = Path(__file__).resolve().parents[2]
KEYCLOAK = ROOT / "deploy" / "keycloak"
REALM_FILE = KEYCLOAK / "harbour-realm.json"
DEV_USERS_FILE = KEYCLOAK / "dev-users.json"
SAMPLE_DIRECTORY = ROOT / "services/directory/harbour_directory/data/sample_directory.json"
WEB_CLIENT = "harbour-web"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


@cache
def realm() -> dict[str, Any]:
    data = json.loads(REALM_FILE.read_text())
    assert isinstance(data, dict)
    return data


@cache
def dev_users() -> dict[str, Any]:
    data = json.loads(DEV_USERS_FILE.read_text())
    assert isinstance(data, dict)
    return data


def web_client() -> dict[str, Any]:
    [client] = [c for c in realm()["clients"] if c["clientId"] == WEB_CLIENT]
    return dict(client)


def mapper(kind: str, claim: str | None = None) -> dict[str, str]:
    """The config of the web client's one mapper of `kind` (and claim name, if given)."""
    found = [
        m["config"]
        for m in web_client()["protocolMappers"]
        if m["protocolMapper"] == kind and (claim is None or m["config"].get("claim.name") == claim)
    ]
    assert len(found) == 1, (kind, claim, found)
    return dict(found[0])


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield name
            yield from keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys(item)


def placeholders() -> set[str]:
    """The environment variables Keycloak fills into the realm file when importing it."""
    return {name for text in strings(realm()) for name in PLACEHOLDER.findall(text)}


def test_the_realm_is_harbour_with_exactly_the_roles_services_know() -> None:
    assert REALM_FILE.name == f"{realm()['realm']}-realm.json"  # Keycloak's import naming
    assert realm()["realm"] == "harbour" and realm()["enabled"] is True
    assert realm()["sslRequired"] in {"external", "all"}
    assert realm()["registrationAllowed"] is False
    assert sorted(r["name"] for r in realm()["roles"]["realm"]) == sorted(r.value for r in Role)


def test_the_web_client_is_confidential_with_the_code_flow_and_pkce_only() -> None:
    client = web_client()
    assert client["publicClient"] is False and client["clientAuthenticatorType"] == "client-secret"
    assert client["secret"] == "${HARBOUR_WEB_CLIENT_SECRET}"
    assert client["standardFlowEnabled"] is True
    assert client["implicitFlowEnabled"] is False
    assert client["directAccessGrantsEnabled"] is False
    assert client["serviceAccountsEnabled"] is False
    attributes = client["attributes"]
    assert attributes["pkce.code.challenge.method"] == "S256"
    assert attributes.get("oauth2.device.authorization.grant.enabled") == "false"
    assert client["redirectUris"] == ["${HARBOUR_WEB_URL}/auth/callback"]
    assert attributes["post.logout.redirect.uris"] == "${HARBOUR_WEB_URL}/*"
    assert client["webOrigins"] == ["${HARBOUR_WEB_URL}"]
    assert placeholders() == {"HARBOUR_WEB_URL", "HARBOUR_WEB_CLIENT_SECRET"}


def test_access_tokens_carry_roles_org_locale_name_and_the_harbour_audience() -> None:
    roles = mapper("oidc-usermodel-realm-role-mapper", "roles")
    assert roles["multivalued"] == "true"
    assert roles["access.token.claim"] == roles["id.token.claim"] == "true"
    org = mapper("oidc-usermodel-attribute-mapper", "org_id")
    assert org["user.attribute"] == "org_id" and org["access.token.claim"] == "true"
    assert org.get("multivalued", "false") == "false"  # one organisation, a string claim
    locale = mapper("oidc-usermodel-attribute-mapper", "locale")
    assert locale["user.attribute"] == "locale" and locale["access.token.claim"] == "true"
    assert mapper("oidc-full-name-mapper")["access.token.claim"] == "true"
    audience = mapper("oidc-audience-mapper")
    assert audience["included.custom.audience"] == "harbour"
    assert audience["access.token.claim"] == "true"


def test_the_user_profile_declares_org_id_so_keycloak_keeps_it() -> None:
    [provider] = realm()["components"]["org.keycloak.userprofile.UserProfileProvider"]
    [text] = provider["config"]["kc.user.profile.config"]
    profile = json.loads(text)
    attributes = {a["name"]: a for a in profile["attributes"]}
    assert {"username", "email", "firstName", "lastName", "org_id"} <= set(attributes)
    # Only an administrator sets a person's organisation.
    assert attributes["org_id"]["permissions"]["edit"] == ["admin"]
    pattern = re.compile(attributes["org_id"]["validations"]["pattern"]["pattern"])
    assert pattern.fullmatch("819f7319-e516-5db8-95ee-826dcda7c4cb")
    assert not pattern.fullmatch("not-an-organisation")


def test_the_realm_file_holds_no_people_and_no_password() -> None:
    assert not realm().get("users")
    assert not {"credentials", "password"} & set(keys(realm()))


def test_dev_users_match_the_demo_personas_and_are_named_for_keycloaks_import() -> None:
    assert dev_users()["realm"] == realm()["realm"]
    users = {u["username"]: u for u in dev_users()["users"]}
    assert set(users) == {p.key.replace("_", "-") for p in PERSONAS}
    organizations = {o["id"] for o in json.loads(SAMPLE_DIRECTORY.read_text())["organizations"]}
    roles = {r["name"] for r in realm()["roles"]["realm"]}
    for persona in PERSONAS:
        user = users[persona.key.replace("_", "-")]
        assert set(user["realmRoles"]) == set(persona.roles) <= roles
        org = user["attributes"].get("org_id")
        assert org == ([persona.org_id] if persona.org_id else None)
        assert org is None or org[0] in organizations
        [locale] = user["attributes"]["locale"]
        assert locale in realm()["supportedLocales"] and persona.locale.startswith(locale)
        assert user["enabled"] is True and user["firstName"]
    assert users["partner-staff"]["attributes"]["locale"] == ["zh-Hant"]


def test_dev_passwords_say_they_are_for_development_only() -> None:
    for user in dev_users()["users"]:
        [credential] = user["credentials"]
        assert credential["type"] == "password" and credential["temporary"] is False
        assert credential["value"].startswith("dev-only-"), user["username"]
