"""The CloudEvents envelope and the settings every service shares."""

from __future__ import annotations

import pytest

from harbour_directory.settings import DirectorySettings
from harbour_kit.contracts import ServiceUpserted
from harbour_kit.events.envelope import Envelope, current_traceparent, nats_subject

EVENT = ServiceUpserted(
    service_id="s1",
    organization_id="o1",
    name="Clinic",
    status="active",
    accepting_referrals=True,
    version=1,
)


def test_binary_mode_headers_carry_the_cloudevents_attributes() -> None:
    envelope = Envelope.wrap(EVENT, source="/harbour/directory", subject="s1")
    headers = envelope.headers()
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-id"] == envelope.id == headers["Nats-Msg-Id"]
    assert headers["ce-type"] == "harbour.directory.service.upserted.v1"
    assert headers["ce-source"] == "/harbour/directory"
    assert headers["ce-subject"] == "s1"
    assert headers["content-type"] == "application/json"
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert (version, len(trace_id), len(span_id), flags) == ("00", 32, 16, "01")
    again = Envelope.from_message(headers, envelope.body())
    assert again == envelope


def test_events_continue_the_trace_of_the_request() -> None:
    parent = "00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    token = current_traceparent.set(parent)
    try:
        envelope = Envelope.wrap(EVENT, source="/harbour/directory")
    finally:
        current_traceparent.reset(token)
    assert envelope.traceparent.split("-")[1] == "a" * 32
    assert envelope.traceparent.split("-")[2] != "b" * 16


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({}, b"{}"),
        (
            {
                "ce-id": "1",
                "ce-type": "t",
                "ce-source": "s",
                "ce-time": "2026-01-01T00:00:00+00:00",
                "ce-specversion": "0.3",
            },
            b"{}",
        ),
        (
            {
                "ce-id": "1",
                "ce-type": "t",
                "ce-source": "s",
                "ce-time": "yesterday",
                "ce-specversion": "1.0",
            },
            b"{}",
        ),
        (
            {
                "ce-id": "1",
                "ce-type": "t",
                "ce-source": "s",
                "ce-time": "2026-01-01T00:00:00+00:00",
                "ce-specversion": "1.0",
            },
            b"[1, 2]",
        ),
    ],
)
def test_messages_that_are_not_cloudevents_are_rejected(
    headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(ValueError):
        Envelope.from_message(headers, body)


def test_subjects_follow_the_namespace() -> None:
    assert nats_subject(EVENT.event_type, "harbour") == "harbour.directory.service.upserted.v1"
    assert nats_subject(EVENT.event_type, "t1") == "t1.directory.service.upserted.v1"
    with pytest.raises(ValueError):
        nats_subject("other.directory.x.v1", "harbour")


def test_contracts_refuse_unknown_fields() -> None:
    with pytest.raises(ValueError):
        ServiceUpserted.model_validate({**EVENT.model_dump(), "claimant_name": "x"})


def test_settings_use_the_service_prefix_and_shared_harbour_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIRECTORY_PORT", "9101")
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", "postgresql://db/directory")
    monkeypatch.setenv("HARBOUR_NATS_URL", "nats://nats:4222")
    monkeypatch.setenv("HARBOUR_EVENTS_BACKOFF", "1, 2.5,10")
    monkeypatch.setenv("HARBOUR_EVENTS_REPLICAS", "3")
    settings = DirectorySettings()
    assert settings.port == 9101
    assert settings.effective_database_url == "postgresql://db/directory"
    assert settings.nats_url == "nats://nats:4222"
    assert settings.events_backoff == [1.0, 2.5, 10.0]
    assert settings.events_replicas == 3


def test_the_embedded_default_is_a_sqlite_file_per_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("DIRECTORY_DATABASE_URL", raising=False)
    monkeypatch.setenv("HARBOUR_DATA_DIR", str(tmp_path))
    url = DirectorySettings().effective_database_url
    assert url == f"sqlite+aiosqlite:///{tmp_path}/db/directory.db"


def test_bad_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARBOUR_EVENTS_REPLICAS", "0")
    with pytest.raises(ValueError, match="HARBOUR_EVENTS_REPLICAS"):
        DirectorySettings()
