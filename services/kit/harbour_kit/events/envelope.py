"""CloudEvents 1.0 envelopes carried in NATS binary mode, and the base of event contracts."""

from __future__ import annotations

import contextvars
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict

SPEC_VERSION = "1.0"
TYPE_PREFIX = "harbour."

# The W3C trace context of the request being served, so events continue its trace.
current_traceparent: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_traceparent", default=None
)


class EventContract(BaseModel):
    """The body of one versioned event: ids and non-personal facts only."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    event_type: ClassVar[str]


def new_traceparent(parent: str | None = None) -> str:
    """Starts a span: same trace as `parent` if it is valid, else a new trace."""
    trace_id = secrets.token_hex(16)
    if parent:
        parts = parent.split("-")
        if len(parts) == 4 and len(parts[1]) == 32:
            trace_id = parts[1]
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


def nats_subject(event_type: str, namespace: str) -> str:
    """Maps an event type to its NATS subject within a namespace (`harbour` by default)."""
    if not event_type.startswith(TYPE_PREFIX):
        raise ValueError(f"event type {event_type!r} must start with {TYPE_PREFIX!r}")
    return namespace + "." + event_type[len(TYPE_PREFIX) :]


@dataclass(frozen=True)
class Envelope:
    """One event as it travels: CloudEvents attributes plus its JSON data."""

    id: str
    type: str
    source: str
    time: datetime
    data: dict[str, Any]
    subject: str | None = None
    traceparent: str = field(default_factory=new_traceparent)

    @classmethod
    def wrap(cls, contract: EventContract, *, source: str, subject: str | None = None) -> Envelope:
        """Wraps a contract into a new envelope with a fresh id, continuing the current trace."""
        return cls(
            id=str(uuid.uuid4()),
            type=contract.event_type,
            source=source,
            time=datetime.now(UTC),
            data=contract.model_dump(mode="json"),
            subject=subject,
            traceparent=new_traceparent(current_traceparent.get()),
        )

    def headers(self) -> dict[str, str]:
        """The binary-mode headers; `Nats-Msg-Id` equals the event id for de-duplication."""
        headers = {
            "ce-specversion": SPEC_VERSION,
            "ce-id": self.id,
            "ce-type": self.type,
            "ce-source": self.source,
            "ce-time": self.time.isoformat(),
            "content-type": "application/json",
            "Nats-Msg-Id": self.id,
            "traceparent": self.traceparent,
        }
        if self.subject:
            headers["ce-subject"] = self.subject
        return headers

    def body(self) -> bytes:
        """The JSON body."""
        return orjson.dumps(self.data)

    @classmethod
    def from_message(cls, headers: dict[str, str] | None, body: bytes) -> Envelope:
        """Reads an envelope from NATS headers and body; `ValueError` if it is not one."""
        headers = headers or {}
        missing = [h for h in ("ce-id", "ce-type", "ce-source", "ce-time") if not headers.get(h)]
        if missing:
            raise ValueError(f"not a CloudEvent: missing {', '.join(missing)}")
        if headers.get("ce-specversion") != SPEC_VERSION:
            raise ValueError("unsupported CloudEvents specversion")
        try:
            data = orjson.loads(body) if body else {}
            time = datetime.fromisoformat(headers["ce-time"])
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise ValueError(f"unreadable event: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError("event data must be a JSON object")
        return cls(
            id=headers["ce-id"],
            type=headers["ce-type"],
            source=headers["ce-source"],
            time=time,
            data=data,
            subject=headers.get("ce-subject"),
            traceparent=headers.get("traceparent") or new_traceparent(),
        )
