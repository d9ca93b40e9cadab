"""Every service verifies tokens itself and refuses bad ones with problem documents."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harbour_kit.auth import Principal, TokenVerifier, mint_token
from harbour_kit.errors import Unauthorized
from harbour_kit.keys import ensure_keypair
from tests.conftest import Keys, Mint, StartService, bearer

ORG = "0e8f1a52-4b0e-4c1e-9a57-3b1f6c2d0a02"


def _verifier(public_path: Path, **kwargs: object) -> TokenVerifier:
    options: dict[str, object] = {
        "issuer": "harbour-local",
        "audience": "harbour",
        "algorithms": ["EdDSA"],
    }
    options.update(kwargs)
    return TokenVerifier(public_key_file=public_path, **options)  # type: ignore[arg-type]


async def test_a_valid_token_gives_the_principal(keys: Keys) -> None:
    token = mint_token(
        keys.private_pem, sub="u1", org_id=ORG, roles=["partner_staff"], locale="zh-Hant-HK"
    )
    principal = await _verifier(keys.public_path).verify(token)
    assert principal == Principal(
        sub="u1", org_id=ORG, roles=frozenset({"partner_staff"}), locale="zh-Hant-HK", token=token
    )
    assert principal.belongs_to(ORG) and not principal.belongs_to("other")
    assert principal.has_role("partner_staff", "org_admin")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"now": time.time() - 7200, "ttl_seconds": 60}, "token-expired"),
        ({"issuer": "someone-else"}, "invalid-token"),
        ({"audience": "another-app"}, "invalid-token"),
    ],
)
async def test_expired_or_foreign_tokens_are_refused(
    keys: Keys, change: dict[str, object], code: str
) -> None:
    token = mint_token(keys.private_pem, sub="u1", org_id=ORG, roles=["social_worker"], **change)  # type: ignore[arg-type]
    with pytest.raises(Unauthorized) as refused:
        await _verifier(keys.public_path).verify(token)
    assert refused.value.code == code


async def test_a_token_signed_with_another_key_is_refused(keys: Keys, tmp_path: Path) -> None:
    stranger_private, _ = ensure_keypair(tmp_path)
    token = mint_token(stranger_private.read_text(), sub="u1", org_id=ORG, roles=["org_admin"])
    with pytest.raises(Unauthorized) as refused:
        await _verifier(keys.public_path).verify(token)
    assert refused.value.code == "invalid-token"


async def test_garbage_and_unsigned_tokens_are_refused(keys: Keys) -> None:
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    for token in ("not-a-jwt", unsigned):
        with pytest.raises(Unauthorized):
            await _verifier(keys.public_path).verify(token)


# One protected endpoint per service, and a role that must not pass it.
PROTECTED = [
    ("directory", "PUT", "/services/s-1", {"name": "X"}, "social_worker"),
    ("referrals", "GET", "/targets", None, None),
    ("notifications", "GET", "/inbox", None, None),
    ("referrals", "GET", "/admin/dead-letters", None, "org_admin"),
    ("notifications", "GET", "/admin/dead-letters", None, "partner_staff"),
]


@pytest.mark.parametrize(("service", "method", "path", "body", "wrong_role"), PROTECTED)
async def test_services_called_directly_refuse_bad_tokens(
    start_service: StartService,
    mint: Mint,
    tmp_path: Path,
    service: str,
    method: str,
    path: str,
    body: dict[str, str] | None,
    wrong_role: str | None,
) -> None:
    running = await start_service(service)
    stranger_private, _ = ensure_keypair(tmp_path)
    cases: list[tuple[dict[str, str], int, str]] = [
        ({}, 401, "missing-token"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, 401, "missing-token"),
        (
            bearer(
                mint("org_admin", "network_admin", org=ORG, now=time.time() - 7200, ttl_seconds=60)
            ),
            401,
            "token-expired",
        ),
        (
            bearer(
                mint_token(
                    stranger_private.read_text(),
                    sub="x",
                    org_id=ORG,
                    roles=["org_admin", "network_admin"],
                )
            ),
            401,
            "invalid-token",
        ),
    ]
    if wrong_role:
        cases.append((bearer(mint(wrong_role, org=ORG)), 403, "wrong-role"))
    for headers, status, code in cases:
        response = await running.client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (headers, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == status and problem["code"] == code
        assert problem["type"].endswith("/" + code) and problem["detail"]
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
