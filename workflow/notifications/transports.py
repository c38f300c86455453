"""How messages leave the building: e-mail over SMTP and JSON webhooks in the chat-robot shape."""
from __future__ import annotations

import html
import http.client
import json
import smtplib
import socket
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from .safe_urls import Resolver, Target, allowed_hosts, check_url

TIMEOUT_SECONDS = 15
# A chat robot answers in well under a second; a receiver that makes us wait longer is down or
# hostile, and the message is retried later.
WEBHOOK_CONNECT_SECONDS = 3
WEBHOOK_READ_SECONDS = 5
WEBHOOK_ANSWER_BYTES = 64 * 1024


def smtp_sender(smtp_url: str, sender: str = "jieyue@localhost"):
    """A transport for `smtp://[user:password@]host:port` (smtps:// for TLS, ?starttls=1 to upgrade)."""
    url = urlparse(smtp_url)

    def send(msg) -> None:
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = msg.address
        mail["Subject"] = msg.subject
        # One fixed Message-ID per (event, recipient, channel): a receiving system can drop a repeat.
        mail["Message-ID"] = f"<{msg.event_id}.{msg.recipient.replace(':', '-')}@jieyue>"
        mail.set_content(f"{msg.body}\n\n{msg.link}\n")
        mail.add_alternative(
            f"<html><body><p>{html.escape(msg.body)}</p><p><a href=\"{html.escape(msg.link)}\">"
            f"{html.escape(msg.link)}</a></p></body></html>", subtype="html")
        # After the content: set_content() clears every Content-* header set before it.
        mail["Content-Language"] = "zh-CN" if msg.language == "zh" else "en"
        cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with cls(url.hostname or "localhost", url.port or (465 if url.scheme == "smtps" else 25),
                 timeout=TIMEOUT_SECONDS) as smtp:
            if "starttls=1" in (url.query or ""):
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(mail)

    return send


def webhook_payload(msg) -> dict:
    """The message shape WeCom / DingTalk robots accept: markdown with a link."""
    return {"msgtype": "markdown",
            "markdown": {"title": msg.subject, "content": f"**{msg.subject}**\n\n{msg.body}\n\n[{msg.link}]({msg.link})"}}


def webhook_sender(allowed: frozenset[str] = frozenset(), resolve: Resolver | None = None):
    """A transport that posts to a webhook after checking its URL again (DNS may have changed).

    It connects to the addresses it just checked, never looking the name up a second time, follows
    no redirect (a 3xx is a failure) and gives up after a few seconds of connecting or waiting.
    """

    def send(msg) -> None:
        target = check_url(msg.address, allowed, resolve)
        data = json.dumps(webhook_payload(msg), ensure_ascii=False).encode("utf-8")
        connection = _connect(target)
        try:
            connection.request("POST", target.path, body=data,
                                headers={"Content-Type": "application/json; charset=utf-8"})
            response = connection.getresponse()
            response.read(WEBHOOK_ANSWER_BYTES)
            if response.status >= 300:
                raise RuntimeError(f"webhook answered {response.status}")
        finally:
            connection.close()

    return send


def _connect(target: Target) -> http.client.HTTPConnection:
    """An open connection to the first of the checked addresses that answers (by name if allow-listed)."""
    failure = OSError(f"no address to connect to for {target.host}")
    for address in target.addresses or (target.host,):
        connection = _pinned(target, address)
        try:
            connection.connect()
            return connection
        except OSError as exc:
            connection.close()
            failure = exc
    raise failure


def _pinned(target: Target, address: str) -> http.client.HTTPConnection:
    cls = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    return cls(target.host, target.port, address)


def _dial(address: str, port: int) -> socket.socket:
    sock = socket.create_connection((address, port), WEBHOOK_CONNECT_SECONDS)
    sock.settimeout(WEBHOOK_READ_SECONDS)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTP(http.client.HTTPConnection):
    """http.client's connection with its socket dialled to a checked address; Host stays the URL's."""

    def __init__(self, host: str, port: int, address: str):
        super().__init__(host, port, timeout=WEBHOOK_READ_SECONDS)
        self.address = address

    def connect(self):
        self.sock = _dial(self.address, self.port)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS; the certificate is checked against the host's name, not the address dialled."""

    def __init__(self, host: str, port: int, address: str):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=WEBHOOK_READ_SECONDS, context=self.tls)
        self.address = address

    def connect(self):
        self.sock = self.tls.wrap_socket(_dial(self.address, self.port), server_hostname=self.host)


def transports_for(settings) -> dict:
    found = {"webhook": webhook_sender(allowed_hosts(settings.webhook_allowed_hosts))}
    if settings.smtp_url:
        found["email"] = smtp_sender(settings.smtp_url, settings.mail_from)
    return found
