"""A client generated from the referrals service's OpenAPI document drives the running service."""

from __future__ import annotations

import importlib
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType

from tests.conftest import Mint, Serve, StartService
from tests.referrals.conftest import (
    DETAILS,
    LEGAL,
    NEEDS,
    OTHER_ORG,
    PARTNER_ORG,
    REFERRER_ORG,
    add_targets,
)


class Generated:
    """A generated client package, imported from the folder it was written to."""

    def __init__(self, package: str) -> None:
        """Imports the package's models, client classes and `UNSET`."""
        self.package = package
        self.models = importlib.import_module(f"{package}.models")
        self.client = importlib.import_module(f"{package}.client")
        self.unset = importlib.import_module(f"{package}.types").UNSET

    def operation(self, tag: str, name: str) -> ModuleType:
        """The module of one operation, as the generator names it."""
        return importlib.import_module(f"{self.package}.api.{tag}.{name}")

    def signed_in(self, url: str, token: str) -> Any:
        """A client that sends `token` as its bearer token."""
        return self.client.AuthenticatedClient(base_url=url, token=token, timeout=20.0)


ClientFrom = Callable[[dict[str, Any]], Generated]


@pytest.fixture
def client_from(tmp_path: Path) -> Iterator[ClientFrom]:
    """Generates a client package from an OpenAPI document and imports it."""
    packages: list[str] = []
    sys.path.insert(0, str(tmp_path))

    def _generate(document: dict[str, Any]) -> Generated:
        package = f"referrals_client_{uuid.uuid4().hex[:8]}"
        source = tmp_path / f"{package}.json"
        source.write_text(json.dumps(document), encoding="utf-8")
        config = Config.from_sources(
            ConfigFile(package_name_override=package, post_hooks=[]),
            MetaType.NONE,
            source,
            "utf-8",
            True,
            tmp_path / package,
        )
        problems = generate(config=config)
        assert list(problems) == [], [f"{p.header}: {p.detail}" for p in problems]
        packages.append(package)
        return Generated(package)

    yield _generate
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[name]


async def test_a_generated_client_records_consent_and_sends_and_reads_a_referral(
    start_service: StartService, serve: Serve, mint: Mint, client_from: ClientFrom
) -> None:
    referrals = await start_service("referrals")
    await add_targets(referrals)
    api = client_from(referrals.app.openapi())
    models = api.models
    url = await serve(referrals.app)
    worker = api.signed_in(url, mint("social_worker", org=REFERRER_ORG, sub="worker-1"))
    partner = api.signed_in(url, mint("partner_staff", org=PARTNER_ORG, sub="partner-1"))
    outsider = api.signed_in(url, mint("partner_staff", org=OTHER_ORG, sub="outsider-1"))
    async with worker, partner, outsider:
        recorded = await api.operation("consent", "create_claimant_claimants_post").asyncio(
            client=worker,
            body=models.ClaimantDetails(
                name=DETAILS["name"],
                phone=DETAILS["phone"],
                languages=["ur", "en"],
                interpreter_needed=True,
                safe_contact=models.SafeContact(sms_ok=True, notes="Call after 6pm only"),
            ),
        )
        assert isinstance(recorded, models.ClaimantRecorded)

        consent = await api.operation("consent", "create_consent_consents_post").asyncio(
            client=worker,
            body=models.ConsentIn(
                claimant_id=recorded.id,
                purpose=models.ConsentInPurpose.LEGAL,
                receiving_organization_ids=[PARTNER_ORG],
                data_categories=[
                    models.ConsentInDataCategoriesItem.IDENTITY,
                    models.ConsentInDataCategoriesItem.CONTACT,
                    models.ConsentInDataCategoriesItem.LANGUAGES,
                    models.ConsentInDataCategoriesItem.NEEDS,
                ],
                method=models.ConsentInMethod.VERBAL,
            ),
        )
        assert isinstance(consent, models.ConsentPublic)
        assert consent.active and consent.withdrawn_at is None
        assert consent.purpose == models.ConsentPublicPurpose.LEGAL
        assert isinstance(consent.given_at, datetime)
        listed = await api.operation("consent", "list_consents_consents_get").asyncio(
            client=worker, claimant_id=recorded.id
        )
        assert isinstance(listed, models.Consents)
        assert [c.id for c in listed.items] == [consent.id]

        create = api.operation("referrals", "create_referral_referrals_post")
        body = models.ReferralIn(
            claimant_id=recorded.id,
            service_id=LEGAL,
            purpose=models.ReferralInPurpose.LEGAL,
            urgency=models.ReferralInUrgency.SOON,
            needs_summary=NEEDS,
            send=True,
        )
        created = await create.asyncio_detailed(
            client=worker, body=body, idempotency_key="generated-1"
        )
        assert created.status_code == HTTPStatus.CREATED
        sent = created.parsed
        assert isinstance(sent, models.ReferralPublic)
        assert (sent.status, sent.side) == (models.Status.REQUESTED, models.Actor.REFERRER)
        assert sent.consent_id == consent.id and sent.recipient_organization_id == PARTNER_ORG
        assert models.Action.CANCEL in sent.allowed_actions
        assert isinstance(sent.acknowledge_by, datetime) and sent.closed_at is None
        replayed = await create.asyncio_detailed(
            client=worker, body=body, idempotency_key="generated-1"
        )
        assert replayed.status_code == HTTPStatus.OK
        assert isinstance(replayed.parsed, models.ReferralPublic)
        assert replayed.parsed.id == sent.id

        read = api.operation("referrals", "get_referral_referrals_referral_id_get")
        detail = await read.asyncio(sent.id, client=partner)
        assert isinstance(detail, models.ReferralDetail)
        assert detail.side == models.Actor.RECIPIENT
        assert [(h.action, h.from_, h.to) for h in detail.history] == [
            ("create", None, models.Status.DRAFT),
            (models.Action.SEND, models.Status.DRAFT, models.Status.REQUESTED),
        ]
        shared = await api.operation(
            "referrals", "shared_referrals_referral_id_claimant_get"
        ).asyncio(sent.id, client=partner)
        assert isinstance(shared, models.SharedClaimant)
        assert isinstance(shared.shared, models.SharedDetails)
        assert (shared.shared.name, shared.shared.phone) == (DETAILS["name"], "+85255550199")
        assert shared.shared.needs_summary == NEEDS
        assert shared.shared.vulnerability_flags is api.unset  # not a consented category

        accepted = await api.operation(
            "referrals", "act_referrals_referral_id_actions_action_post"
        ).asyncio(
            sent.id,
            models.Action.ACCEPT,
            client=partner,
            body=models.TransitionIn(assignee="partner-1"),
            if_match=f'"{detail.version}"',
        )
        assert isinstance(accepted, models.ReferralPublic)
        assert (accepted.status, accepted.assignee) == (models.Status.ACCEPTED, "partner-1")
        assert accepted.version == detail.version + 1

        hidden = await read.asyncio_detailed(sent.id, client=outsider)
        assert hidden.status_code == HTTPStatus.NOT_FOUND
        assert isinstance(hidden.parsed, models.ProblemDocument)
        assert hidden.parsed.code == "not-found"
