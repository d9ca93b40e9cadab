"""A small consuming service built from the kit, whose handler a test can break and repair."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.contracts import ServiceUpserted
from harbour_kit.events import Envelope, Handler, PermanentEventError
from harbour_kit.events.consumer import BatchHandler


class ProbeModel(SQLModel, registry=registry()):
    """Base of the probe's tables."""


class Effect(ProbeModel, table=True):
    """One row per applied event: the observable effect of the handler."""

    __tablename__ = "probe_effect"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=64)
    service_id: str = Field(max_length=36)


@dataclass
class Behaviour:
    """What the handler does next: apply, fail for a while (transient), or refuse (poison)."""

    failing: bool = False
    poison: bool = False
    calls: int = 0
    refused: set[str] = field(default_factory=set)  # listings whose events are poison
    batches: list[int] = field(default_factory=list)  # events per call of a batch handler


def handler_for(behaviour: Behaviour) -> Handler:
    """A handler that records an effect unless told to fail."""

    async def on_service_upserted(session: AsyncSession, envelope: Envelope) -> None:
        behaviour.calls += 1
        event = ServiceUpserted.model_validate(envelope.data)
        session.add(Effect(event_id=envelope.id, service_id=event.service_id))
        await session.flush()
        if behaviour.poison:
            raise PermanentEventError("listing refers to an unknown organisation")
        if behaviour.failing:
            raise RuntimeError("read model store unavailable")

    return on_service_upserted


def batch_handler_for(behaviour: Behaviour) -> BatchHandler:
    """A batch handler that records an effect per event; a refused listing's event is poison."""

    async def on_services_upserted(session: AsyncSession, envelopes: list[Envelope]) -> None:
        behaviour.batches.append(len(envelopes))
        for envelope in envelopes:
            behaviour.calls += 1
            event = ServiceUpserted.model_validate(envelope.data)
            session.add(Effect(event_id=envelope.id, service_id=event.service_id))
            if event.service_id in behaviour.refused:
                raise PermanentEventError("listing refers to an unknown organisation")
        await session.flush()
        if behaviour.failing:
            raise RuntimeError("read model store unavailable")

    return BatchHandler(on_services_upserted)


async def effects(session: AsyncSession) -> list[Effect]:
    """Every effect recorded so far."""
    return list((await session.exec(select(Effect).order_by(col(Effect.id)))).all())


async def effect_count(session: AsyncSession) -> int:
    """How many effects were recorded."""
    return (await session.exec(select(func.count()).select_from(Effect))).one()
