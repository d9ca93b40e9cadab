"""The JetStream streams: one per producing service, plus each consumer's dead-letter capture."""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

PRODUCERS = ("directory", "referrals", "notifications")
ADVISORY_KINDS = ("MAX_DELIVERIES", "MSG_TERMINATED")
DAY = 24 * 3600.0


def stream_name(namespace: str, producer: str) -> str:
    """`HARBOUR_REFERRALS` for the referrals service in the `harbour` namespace."""
    return f"{namespace.upper()}_{producer.upper()}"


def dead_letter_stream_name(namespace: str, consumer: str) -> str:
    """The stream that captures one consuming service's dead-letter advisories."""
    return f"{namespace.upper()}_DEADLETTERS_{consumer.upper()}"


def advisory_subjects(namespace: str, consumer: str, producers: list[str]) -> list[str]:
    """The advisory subjects JetStream publishes when `consumer` gives up on a message."""
    return [
        f"$JS.EVENT.ADVISORY.CONSUMER.{kind}.{stream_name(namespace, producer)}.{consumer}"
        for producer in producers
        for kind in ADVISORY_KINDS
    ]


async def _ensure(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.add_stream(config=config)
    except nats.js.errors.BadRequestError:
        # The stream exists with another configuration: bring it to the declared one.
        await js.update_stream(config=config)


async def ensure_event_stream(
    js: JetStreamContext,
    *,
    namespace: str,
    producer: str,
    replicas: int,
    max_age_days: float = 90,
    duplicate_window: float = 600,
) -> str:
    """Creates (or updates) a producer's stream; every service declares it identically."""
    name = stream_name(namespace, producer)
    await _ensure(
        js,
        StreamConfig(
            name=name,
            subjects=[f"{namespace}.{producer}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            num_replicas=replicas,
            max_age=max_age_days * DAY,
            duplicate_window=duplicate_window,
        ),
    )
    return name


async def ensure_dead_letter_stream(
    js: JetStreamContext, *, namespace: str, consumer: str, producers: list[str], replicas: int
) -> str:
    """Creates the stream that keeps a consumer's max-deliveries and terminated advisories."""
    name = dead_letter_stream_name(namespace, consumer)
    await _ensure(
        js,
        StreamConfig(
            name=name,
            subjects=advisory_subjects(namespace, consumer, producers),
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=replicas,
            max_age=30 * DAY,
        ),
    )
    return name
