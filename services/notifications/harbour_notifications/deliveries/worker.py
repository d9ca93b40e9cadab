"""The delivery worker: sends queued deliveries, retries with backoff, gives up into dead letters.

Deliveries are rows, so nothing waits in memory: a restart finds the same queue. Each delivery is
sent in its own transaction; on PostgreSQL several senders share the queue with `SKIP LOCKED`.
Transient failures are retried after `backoff * 2^(attempt-1)` seconds (capped, with jitter);
terminal ones and exhausted retries end as `failed`/`bounced` — the operators' dead letters,
which can be re-driven — and publish `notifications.delivery.failed`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import itertools
import random
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import aiohttp
import structlog
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from harbour_kit.contracts import DeliveryFailed
from harbour_kit.crypto import DecryptionError
from harbour_kit.service import Service
from harbour_notifications import templates
from harbour_notifications.deliveries import repository
from harbour_notifications.deliveries.channels import (
    EmailSender,
    SmsSender,
    Terminal,
    Transient,
    WebhookSender,
)
from harbour_notifications.models import Delivery, Notification, Recipient
from harbour_notifications.profile import repository as profiles
from harbour_notifications.runtime import Runtime
from harbour_notifications.webhooks import outbound, secrets
from harbour_notifications.webhooks import repository as webhooks

log = structlog.get_logger("harbour.notifications.delivery")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def backoff(attempts: int, *, base: float, cap: float) -> float:
    """Seconds before the next try: exponential, capped, with full jitter in its upper half."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return float(delay / 2 + random.uniform(0, delay / 2))  # noqa: S311 (jitter, not security)


def _clock(text: str | None) -> time | None:
    try:
        return time.fromisoformat(text) if text else None
    except ValueError:
        return None


def quiet_until(person: Recipient, now: datetime) -> datetime | None:
    """When the recipient's SMS quiet hours end, if `now` falls inside them."""
    start, end = _clock(person.quiet_start), _clock(person.quiet_end)
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(HONG_KONG)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    finish = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if finish <= local:
        finish += timedelta(days=1)
    return finish.astimezone(UTC)


# Senders sleep until a delivery is due: a commit that queues one wakes those of its database.
_SENDERS: weakref.WeakSet[Deliverer] = weakref.WeakSet()
_QUEUED = repository.QUEUED
BATCH = 5  # deliveries a sender takes per transaction (PostgreSQL; one at a time on SQLite)
EMAIL_PARTS = ("subject", "text", "html")


@event.listens_for(Session, "before_flush")
def _note_queued(session: Session, _context: object, _instances: object) -> None:
    changed = itertools.chain(session.new, session.dirty)
    if any(isinstance(o, Delivery) and o.status == "queued" for o in changed):
        session.info[_QUEUED] = True


@event.listens_for(Session, "after_commit")
def _wake_senders(session: Session) -> None:
    if session.info.pop(_QUEUED, False):
        for sender in list(_SENDERS):
            if sender.engine is session.bind:
                sender.wake.set()


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


class Bell:
    """Wakes one waiting sender per ring; a ring while none waits is kept for the next."""

    def __init__(self) -> None:
        self._rung = False
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    def set(self) -> None:
        """Rings: one waiter wakes (every commit waking every sender would only make them race)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._rung = True

    def clear(self) -> None:
        """Forgets a ring nobody took."""
        self._rung = False

    async def wait(self) -> None:
        """Returns at the next ring, or at once for a ring nobody took."""
        if self._rung:
            self._rung = False
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)


class Deliverer:
    """Runs the senders of one service instance."""

    def __init__(self, service: Service, runtime: Runtime) -> None:
        self.service = service
        self.runtime = runtime
        self.settings = runtime.settings
        self.wake = Bell()
        self.engine = service.engine.sync_engine
        self.stopping = False
        sqlite = service.settings.effective_database_url.startswith("sqlite")
        # On SQLite a transaction holds the one write lock: never across several sends.
        self.batch = 1 if sqlite else BATCH
        _SENDERS.add(self)

    async def run(self) -> None:
        """Sends until cancelled."""
        timeout = self.settings.webhook_timeout
        guard = self.runtime.guard
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            outbound.client(guard, timeout=timeout) as hooks,
        ):
            self.email = EmailSender(self.settings)
            self.sms = SmsSender(self.settings, http)
            self.webhooks = WebhookSender(hooks, guard)
            sqlite = self.service.settings.effective_database_url.startswith("sqlite")
            workers = 1 if sqlite else self.settings.delivery_workers
            try:
                await asyncio.gather(*(self._loop() for _ in range(workers)), self._digests())
            finally:
                self.email.close()

    async def _loop(self) -> None:
        while True:
            self.wake.clear()  # before looking: a delivery queued while we look wakes us again
            step = asyncio.ensure_future(self.step())
            try:
                if await asyncio.shield(step) >= self.batch:
                    continue  # a full batch: more may be due
            except asyncio.CancelledError:
                # A message the provider accepted must be recorded as sent, or a restart
                # would send it again: let the delivery in hand finish before stopping.
                self.stopping = True
                await _finish(step, within=self.settings.smtp_timeout)
                raise
            except Exception as exc:
                log.warning("delivery_step_failed", error=type(exc).__name__)
                # A delivery that keeps failing must not spin: look again after a pause.
                await asyncio.sleep(min(1.0, self.settings.delivery_poll_interval))
                continue
            with contextlib.suppress(TimeoutError):
                idle = await self._idle_for()
                await asyncio.wait_for(self.wake.wait(), idle)

    async def _idle_for(self) -> float:
        """Seconds until the next queued delivery is due, at most the poll interval."""
        longest = self.settings.delivery_poll_interval
        try:
            async with self.service.factory() as session:
                due = await repository.next_due_at(session=session)
        except Exception as exc:  # the database may be restarting: look again soon
            log.warning("delivery_due_lookup_failed", error=type(exc).__name__)
            return min(longest, 1.0)
        if due is None:
            return longest
        if due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        return max(0.0, min(longest, (due - datetime.now(UTC)).total_seconds()))

    async def step(self, now: datetime | None = None) -> int:
        """Sends the due deliveries, up to a batch in one transaction; how many it took."""
        now = now or datetime.now(UTC)
        failed: BaseException | None = None
        async with self.service.uow() as session:
            due = await repository.next_due(session=session, now=now, limit=self.batch)
            if len(due) >= self.batch:
                self.wake.set()  # more may be due: another sender takes the next batch
            ready: list[tuple[Delivery, Notification, Transmit]] = []
            for delivery, notification, person in due:
                if self.stopping:
                    break
                try:
                    transmit = await self._prepare(session, delivery, notification, person, now)
                except OUTCOMES as outcome:
                    await self._record(session, delivery, notification, outcome, now)
                    continue
                except Exception as exc:
                    session.expunge(delivery)  # unchanged: it is looked at again
                    failed = exc
                    break
                ready.append((delivery, notification, transmit))
            # The batch's messages go out side by side: the provider's round trips dominate.
            results = await asyncio.gather(
                *(transmit() for _, _, transmit in ready), return_exceptions=True
            )
            for (delivery, notification, _), result in zip(ready, results, strict=True):
                if isinstance(result, (str, *OUTCOMES)):
                    await self._record(session, delivery, notification, result, now)
                else:
                    # Keep what was sent beside it; this one, unchanged, is looked at again.
                    session.expunge(delivery)
                    failed = failed or result
        if failed is not None:
            raise failed
        return len(due)

    async def _record(
        self,
        session: AsyncSession,
        delivery: Delivery,
        notification: Notification,
        outcome: str | Exception,
        now: datetime,
    ) -> None:
        """Records what became of one attempt: sent (the provider's name), later, or never."""
        if isinstance(outcome, str):
            delivery.provider = outcome
            if delivery.status == "queued":
                delivery.status = "delivered" if delivery.channel == "webhook" else "sent"
                delivery.reason = None
                delivery.attempts += 1
                delivery.next_attempt_at = None
        elif isinstance(outcome, Postponed):
            delivery.next_attempt_at = outcome.until
        elif isinstance(outcome, NotSent):
            delivery.status, delivery.reason, delivery.next_attempt_at = (
                "not_sent",
                str(outcome),
                None,
            )
        elif isinstance(outcome, Transient):
            delivery.attempts += 1
            delivery.reason = str(outcome)[:200]
            if delivery.attempts >= self.settings.delivery_max_attempts:
                await self._give_up(session, delivery, notification, "failed", now)
            else:
                wait = backoff(
                    delivery.attempts,
                    base=self.settings.delivery_backoff,
                    cap=self.settings.delivery_backoff_cap,
                )
                delivery.next_attempt_at = now + timedelta(seconds=wait)
        elif isinstance(outcome, Terminal):
            delivery.attempts += 1
            delivery.reason = str(outcome)[:200]
            await self._give_up(
                session, delivery, notification, "bounced" if outcome.bounced else "failed", now
            )
        delivery.updated_at = now  # changed only after sending: no write is held open meanwhile
        session.add(delivery)
        log.info(
            "delivery",
            delivery_id=delivery.id,
            channel=delivery.channel,
            status=delivery.status,
            attempts=delivery.attempts,
        )

    async def _give_up(
        self,
        session: AsyncSession,
        delivery: Delivery,
        notification: Notification,
        status: str,
        now: datetime,
    ) -> None:
        delivery.status, delivery.next_attempt_at = status, None
        await self.service.outbox.add(
            session,
            DeliveryFailed(
                delivery_id=delivery.id,
                notification_kind=notification.kind,
                channel=delivery.channel,
                organization_id=delivery.organization_id,
                reason=delivery.reason or status,
                attempts=delivery.attempts,
                occurred_at=now,
            ),
            subject=delivery.id,
        )

    async def _prepare(
        self,
        session: AsyncSession,
        delivery: Delivery,
        notification: Notification,
        person: Recipient | None,
        now: datetime,
    ) -> Transmit:
        """What sends one delivery (its reads done here); raises what it cannot become."""
        context = notification.context
        if delivery.channel == "webhook":
            endpoint = await webhooks.get_endpoint(
                session=session, endpoint_id=notification.recipient.removeprefix("webhook:")
            )
            if endpoint is None or not endpoint.enabled:
                raise NotSent("endpoint removed or disabled")
            payload = {
                "type": notification.kind,
                "timestamp": notification.created_at.isoformat(),
                "data": context,
            }
            try:
                signing_secrets = secrets.active(
                    self.runtime.cipher, endpoint.id, endpoint.secrets, now
                )
            except (DecryptionError, KeyError) as error:
                raise Terminal("webhook secret unreadable with the configured keys") from error
            return partial(
                self.webhooks.send,
                endpoint.url,
                signing_secrets,
                message_id=f"msg_{notification.id}",
                payload=payload,
            )
        if person is None:
            raise NotSent("recipient unknown")
        rendered = templates.render(
            notification.kind,
            locale=person.locale,
            reference=str(context.get("reference", "")),
            link=str(context.get("link", "")),
            parts=EMAIL_PARTS if delivery.channel == "email" else ("sms",),
            **templates.stored_wording(context),
        )
        if delivery.channel == "email":
            if not person.email:
                raise NotSent("no e-mail address")
            return partial(self.email.send, person.email, rendered, delivery_id=delivery.id)
        if not person.phone:
            raise NotSent("no phone number")
        until = quiet_until(person, now)
        if until is not None:
            raise Postponed(until)
        return partial(self.sms.send, person.phone, rendered.sms)

    async def _digests(self) -> None:
        while True:
            try:
                await self.send_digests()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("digest_failed", error=type(exc).__name__)
            await asyncio.sleep(self.settings.digest_interval)

    async def send_digests(self, now: datetime | None = None) -> int:
        """One e-mail per recipient whose oldest waiting referral is older than their interval."""
        now = now or datetime.now(UTC)
        sent = 0
        async with self.service.uow() as session:
            waiting = await repository.waiting_for_digest(session=session)
            by_person: dict[str, list[tuple[Delivery, Notification]]] = {}
            for delivery, notification in waiting:
                by_person.setdefault(notification.recipient, []).append((delivery, notification))
            for sub, pairs in by_person.items():
                person = await profiles.get_recipient(session=session, sub=sub)
                if person is None or not person.email:
                    continue
                oldest = pairs[0][0].created_at.replace(tzinfo=pairs[0][0].created_at.tzinfo or UTC)
                if now - oldest < timedelta(minutes=person.digest_minutes or 0):
                    continue
                items = [
                    {
                        "reference": str(n.context.get("reference", "")),
                        "service_name": str(n.context.get("service_name") or ""),
                    }
                    for _, n in pairs
                ]
                rendered = templates.render_digest(
                    locale=person.locale, items=items, link=f"{self.settings.public_url}/inbox"
                )
                try:
                    provider = await self.email.send(
                        person.email, rendered, delivery_id=_digest_id(pairs)
                    )
                except (Transient, Terminal) as error:
                    log.warning("digest_not_sent", error=type(error).__name__)
                    continue
                for delivery, _ in pairs:
                    delivery.status, delivery.provider, delivery.updated_at = "sent", provider, now
                    delivery.attempts += 1
                    session.add(delivery)
                sent += 1
        return sent


def _digest_id(pairs: list[tuple[Delivery, Notification]]) -> str:
    """One id for a digest of these deliveries: the same digest sent again gets the same one."""
    joined = ",".join(sorted(delivery.id for delivery, _ in pairs))
    return "digest-" + hashlib.sha256(joined.encode()).hexdigest()[:32]


class NotSent(Exception):
    """The delivery is not possible and never will be (no address, endpoint removed)."""


class Postponed(Exception):
    """Not now (quiet hours); try again at `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


async def _finish(task: asyncio.Future[int], *, within: float) -> None:
    """Waits up to `within` seconds for a task, through repeated cancellation of the waiter."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not task.done() and loop.time() < deadline:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({task}, timeout=deadline - loop.time())
    if not task.done():
        task.cancel()
    elif not task.cancelled() and task.exception() is not None:
        log.warning("delivery_step_failed", error=type(task.exception()).__name__)


Transmit = Callable[[], Awaitable[str]]  # hands one message over; returns the provider's name
OUTCOMES = (Postponed, NotSent, Transient, Terminal)
