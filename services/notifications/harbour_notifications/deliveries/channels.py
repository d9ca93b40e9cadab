"""The channels a delivery goes out on: SMTP e-mail, SMS providers over HTTP, signed webhooks.

Each sender returns normally when the message was handed over, or raises `Transient` (network
trouble, 429, 5xx: retry later) or `Terminal` (the message can never go: do not retry).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from email.header import Header
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
    """Plain text and HTML e-mail over SMTP, on connections kept open between messages."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self.sender = parseaddr(settings.mail_from)[1]
        domain = self.sender.rpartition("@")[2]
        self.domain = domain or "harbour.invalid"
        self._idle: list[aiosmtplib.SMTP] = []

    def message_id(self, delivery_id: str) -> str:
        """A delivery's `Message-ID`: the same on every attempt, so mail clients fold repeats."""
        return f"<{delivery_id}@{self.domain}>"

    async def send(self, to: str, rendered: Rendered, *, delivery_id: str) -> str:
        """Hands one message to the SMTP server; returns the provider name.

        Delivery is at-least-once (a crash between the server's acceptance and our commit sends
        it again); a repeat carries the same `Message-ID`.
        """
        message = self.message(to, rendered, delivery_id=delivery_id)
        try:
            await self._transfer(to, message)
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

    def message(self, to: str, rendered: Rendered, *, delivery_id: str) -> bytes | EmailMessage:
        """The message as sent: multipart/alternative, plain text then HTML."""
        headers = (self.settings.mail_from, to, rendered.locale)
        if not all(h.isascii() and not _BREAKS.search(h) for h in headers):
            return _composed(self, to, rendered, delivery_id=delivery_id)
        # Written directly: the `email` package's header registry costs more than the send.
        boundary = f"=_harbour_{uuid.uuid4().hex}"  # "_" never occurs in base64 or our text
        subject = rendered.subject
        if not subject.isascii() or _BREAKS.search(subject) or len(subject) > 900:
            subject = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
        lines = (
            f"From: {self.settings.mail_from}\r\n"
            f"To: {to}\r\n"
            f"Message-ID: {self.message_id(delivery_id)}\r\n"
            f"Subject: {subject}\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'
            f"Content-Language: {rendered.locale}\r\n"
            "\r\n"
            f"--{boundary}\r\n{_part('plain', rendered.text)}"
            f"--{boundary}\r\n{_part('html', rendered.html)}"
            f"--{boundary}--\r\n"
        )
        return lines.encode("ascii")

    async def _transfer(self, to: str, message: bytes | EmailMessage) -> None:
        """Sends on an idle connection, or a new one; a stale idle one is replaced once."""
        smtp, reused = await self._connection()
        try:
            await self._hand_over(smtp, to, message)
        except (
            aiosmtplib.SMTPServerDisconnected,
            ConnectionError,
            aiosmtplib.SMTPResponseException,
        ) as error:
            smtp.close()
            if not reused or not _closed(error):
                raise
            # The server had closed the idle connection before this message: a new one.
            smtp, _ = await self._connection(fresh=True)
            try:
                await self._hand_over(smtp, to, message)
            except BaseException:
                smtp.close()
                raise
        except BaseException:
            smtp.close()  # its state is unknown after an error: never reused
            raise
        self._idle.append(smtp)

    async def _hand_over(
        self, smtp: aiosmtplib.SMTP, to: str, message: bytes | EmailMessage
    ) -> None:
        """One mail transaction on an open connection."""
        if isinstance(message, EmailMessage):
            await smtp.send_message(message)  # picks SMTPUTF8 for addresses beyond ASCII
        else:
            await smtp.sendmail(self.sender, [to], message)

    async def _connection(self, *, fresh: bool = False) -> tuple[aiosmtplib.SMTP, bool]:
        """An open connection (and whether it was used before); one per concurrent sender."""
        while self._idle and not fresh:
            smtp = self._idle.pop()
            if smtp.is_connected:
                return smtp, True
            smtp.close()
        password = self.settings.smtp_password
        smtp = aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=password.get_secret_value() if password else None,
            start_tls=self.settings.smtp_starttls,
            timeout=self.settings.smtp_timeout,
        )
        try:
            await smtp.connect()
        except BaseException:
            smtp.close()
            raise
        return smtp, False

    def close(self) -> None:
        """Closes the idle connections."""
        while self._idle:
            self._idle.pop().close()


_BREAKS = re.compile(r"[\r\n\x00]")


def _closed(error: Exception) -> bool:
    """Whether an error says the connection was gone (or going: 421) before the message."""
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return error.code == 421
    return True


def _part(subtype: str, content: str) -> str:
    """One text part: 7bit when it is short-lined ASCII, else base64 of its UTF-8."""
    lines = content.replace("\r\n", "\n").split("\n")
    if content.isascii() and "\x00" not in content and all(len(x) < 990 for x in lines):
        body, encoding = "\r\n".join(lines), "7bit"
    else:
        body, encoding = base64.encodebytes(content.encode()).decode("ascii"), "base64"
        body = body.rstrip("\n").replace("\n", "\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}\r\n"
    )


def _composed(
    sender: EmailSender, to: str, rendered: Rendered, *, delivery_id: str
) -> EmailMessage:
    """The message built by the `email` package, for addresses or names beyond ASCII."""
    message = EmailMessage()
    message["From"] = sender.settings.mail_from
    message["To"] = to
    message["Message-ID"] = sender.message_id(delivery_id)
    message["Subject"] = rendered.subject
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message["Content-Language"] = rendered.locale  # after the body: set_content clears it
    return message


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
