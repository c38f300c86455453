"""How messages leave the building: e-mail over SMTP and JSON webhooks in the chat-robot shape."""
from __future__ import annotations

import html
import json
import smtplib
import urllib.request
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

TIMEOUT_SECONDS = 15


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


def post_webhook(msg) -> None:
    data = json.dumps(webhook_payload(msg), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(msg.address, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        if response.status >= 300:
            raise RuntimeError(f"webhook answered {response.status}")


def transports_for(settings) -> dict:
    found = {"webhook": post_webhook}
    if settings.smtp_url:
        found["email"] = smtp_sender(settings.smtp_url, settings.mail_from)
    return found
