"""Signed links in approval e-mails: one person, one item, one action, one version, until a deadline.

The link is bound to the item's version, so it works once: acting changes the version and any
second use is a stale-version refusal. Opening it only shows a confirmation page; the action
happens on the POST of that page.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from workflow.kernel.errors import Forbidden

LIFETIME = dt.timedelta(days=7)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(secret: str, *, kind: str, item_id: int, version: int, user_id: int, action: str,
         now: dt.datetime) -> str:
    body = _b64(json.dumps({"k": kind, "i": item_id, "v": version, "u": user_id, "a": action,
                            "e": int((now + LIFETIME).timestamp())}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
    return f"{body}.{sig}"


def read(secret: str, token: str, now: dt.datetime) -> dict:
    """The link's contents, or Forbidden when it was altered, signed with another key, or has expired."""
    if not secret:  # never check against an empty key: anyone could sign with it
        raise Forbidden("this link is not valid")
    try:
        # Only the alphabet we write: compare_digest refuses non-ASCII text with a TypeError.
        if len(token) > 1000 or not token.isascii():
            raise ValueError
        body, sig = token.split(".")
        expected = _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(sig, expected):
            raise ValueError
        data = json.loads(_unb64(body))
        link = {"kind": data["k"], "item_id": data["i"], "version": data["v"], "user_id": data["u"],
                "action": data["a"]}
        expires = float(data["e"])
    except (ValueError, TypeError, KeyError):
        raise Forbidden("this link is not valid") from None
    if now.timestamp() >= expires:
        raise Forbidden("this link has expired; open the item in Jieyue instead")
    return link
