"""The channels a delivery goes out on: SMTP e-mail, SMS providers over HTTP, signed webhooks.

Each sender returns normally when the message was handed over, or raises `Transient` (network
trouble, 429, 5xx: retry later) or `Terminal` (the message can never go: do not retry).
"""

from __future__ import annotations

import asyncio
import json
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import aiohttp
import aiosmtplib

from harbour_notifications.settings import NotificationsSettings
from harbour_notifications.templates import Rendered
from harbour_notifications.webhooks import signing
from harbour_notifications.webhooks.outbound import OutboundGuard, Refused

RESPONSE_LIMIT = 64 * 1024  # bytes of a receiver's answer read at most; the rest is dropped


class Transient(Exception):
    """Worth trying again later."""


class Terminal(Exception):
    """Never worth trying again; `bounced` when the address itself was refused."""

    def __init__(self, reason: str, *, bounced: bool = False) -> None:
        super().__init__(reason)
        self.bounced = bounced


def _http_outcome(status: int, what: str) -> None:
    if 200 <= status < 300:
        return
    if status == 429 or status >= 500 or status == 408:
        raise Transient(f"{what} answered {status}")
    raise Terminal(f"{what} answered {status}")


class EmailSender:
    """Plain text and HTML e-mail over SMTP."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]
        self.domain = domain or "harbour.invalid"

    def message_id(self, delivery_id: str) -> str:
        """A delivery's `Message-ID`: the same on every attempt, so mail clients fold repeats."""
        return f"<{delivery_id}@{self.domain}>"

    async def send(self, to: str, rendered: Rendered, *, delivery_id: str) -> str:
        """Hands one message to the SMTP server; returns the provider name.

        Delivery is at-least-once (a crash between the server's acceptance and our commit sends
        it again); a repeat carries the same `Message-ID`.
        """
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Message-ID"] = self.message_id(delivery_id)
        message["Subject"] = rendered.subject
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
        message["Content-Language"] = rendered.locale  # after the body: set_content clears it
        password = self.settings.smtp_password
        try:
            await aiosmtplib.send(
                message,
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                username=self.settings.smtp_username,
                password=password.get_secret_value() if password else None,
                start_tls=self.settings.smtp_starttls,
                timeout=self.settings.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            raise Terminal("recipient refused", bounced=True) from refused
        except aiosmtplib.SMTPResponseException as error:
            if 500 <= error.code < 600:
                raise Terminal(
                    f"smtp {error.code}", bounced=error.code in (550, 551, 553)
                ) from error
            raise Transient(f"smtp {error.code}") from error
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as error:
            raise Transient(type(error).__name__) from error
        return "smtp"


class SmsSender:
    """SMS through a provider adapter: `local` writes to a file; `twilio` calls its REST API."""

    def __init__(self, settings: NotificationsSettings, http: aiohttp.ClientSession) -> None:
        self.settings = settings
        self.http = http

    async def send(self, to: str, text: str) -> str:
        """Sends with the main provider, then the fallback if one is set and the first failed."""
        providers = [self.settings.sms_provider]
        if self.settings.sms_fallback_provider:
            providers.append(self.settings.sms_fallback_provider)
        last: Exception | None = None
        for provider in providers:
            try:
                await self._send(provider, to, text)
                return provider
            except (Transient, Terminal) as error:
                last = error
        assert last is not None
        raise last

    async def _send(self, provider: str, to: str, text: str) -> None:
        if provider == "local":
            sink = self.settings.data_dir / "sms-outbox.jsonl"
            await asyncio.to_thread(_append, sink, {"to": to, "body": text})
            return
        if provider == "twilio":
            account, token = self.settings.sms_account, self.settings.sms_token
            if not account or not token:
                raise Terminal("twilio is not configured")
            base = self.settings.sms_api_url.rstrip("/")
            url = f"{base}/2010-04-01/Accounts/{account}/Messages.json"
            try:
                async with self.http.post(
                    url,
                    data={"To": to, "From": self.settings.sms_from, "Body": text},
                    headers={
                        "Authorization": aiohttp.encode_basic_auth(
                            account, token.get_secret_value()
                        )
                    },
                ) as response:
                    _http_outcome(response.status, "sms provider")
            except aiohttp.ClientError as error:
                raise Transient(type(error).__name__) from error
            return
        raise Terminal(f"unknown sms provider {provider!r}")


def _append(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")


class WebhookSender:
    """Standard Webhooks: a JSON body signed with every active secret of the endpoint.

    The client connects only to addresses the guard allowed; redirects are not followed and at
    most `RESPONSE_LIMIT` bytes of an answer are read.
    """

    def __init__(self, http: aiohttp.ClientSession, guard: OutboundGuard) -> None:
        self.http = http
        self.guard = guard

    async def send(
        self, url: str, secrets: list[str], *, message_id: str, payload: dict[str, Any]
    ) -> str:
        """POSTs the payload; the message id stays the same across retries."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        headers = {
            **signing.headers(secrets, msg_id=message_id, body=body),
            "content-type": "application/json",
        }
        try:
            self.guard.target(url)
            async with self.http.post(
                url, data=body.encode(), headers=headers, allow_redirects=False
            ) as response:
                await _read_some(response)
                if 300 <= response.status < 400:
                    raise Terminal(f"webhook receiver answered {response.status}; not followed")
                _http_outcome(response.status, "webhook receiver")
        except Refused as refused:
            raise Terminal(f"url not allowed: {refused}") from refused
        except aiohttp.ClientError as error:
            raise Transient(type(error).__name__) from error
        except TimeoutError as error:
            raise Transient("timeout") from error
        return "webhook"


async def _read_some(response: aiohttp.ClientResponse) -> None:
    """Reads at most `RESPONSE_LIMIT` bytes of an answer; a longer one closes the connection."""
    received = 0
    while received < RESPONSE_LIMIT:
        chunk = await response.content.read(RESPONSE_LIMIT - received)
        if not chunk:
            return
        received += len(chunk)
    response.close()
