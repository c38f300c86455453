"""Log lines as one JSON object each (or plain text), with secrets redacted; stdlib only, for web and workers."""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Callable

REDACTED = "[redacted]"
# Keys whose values are never written, whatever they hold.
SECRET_KEY_NAMES = re.compile(r"pass(word|wd)?|secret|token|authori[sz]ation|cookie|session|api.?key|credential",
                              re.IGNORECASE)
# Values that look like a credential wherever they appear in a message.
SECRET_VALUES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    # key=value or "key": "value" pairs inside free text (a form body, a repr of a dict).
    (re.compile(r"""(?i)(["']?[\w-]*(?:password|passwd|secret|token|authorization|cookie)[\w-]*["']?\s*[:=]\s*)"""
                r"""("[^"]*"|'[^']*'|[^\s,;&}]+)"""), r"\1" + REDACTED),
    (re.compile(r"://([^:/@\s]+):[^@/\s]+@"), r"://\1:" + REDACTED + "@"),  # passwords inside URLs
    # Long random strings of letters and digits: API tokens (jy_...), session and link tokens.
    # Dashed uuids (task and event ids) survive; so do long words without digits.
    (re.compile(r"[A-Za-z0-9_-]{32,}"), lambda m: REDACTED if _mixed(m.group()) else m.group()),
]


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _mixed(run: str) -> bool:
    return any(c.isdigit() for c in run) and any(c.isalpha() for c in run) and not _UUID.fullmatch(run)
# Fields we generate ourselves and that must stay readable even when long and random-looking.
TRUSTED_FIELDS = ("request_id", "task_id")
# Attributes every LogRecord has; anything else on a record was passed with `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class Redactor:
    """Removes credentials from text and from structured fields; `known` are exact values (SECRET_KEY...)."""

    def __init__(self, known=()):
        # Longest first, so a secret containing another is removed whole.
        self.known = sorted({k for k in known if k and len(k) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.known:
            value = value.replace(secret, REDACTED)
        for pattern, replacement in SECRET_VALUES:
            value = pattern.sub(replacement, value)
        return value

    def value(self, key: str, value):
        if key in TRUSTED_FIELDS:
            return value
        if SECRET_KEY_NAMES.search(key):
            return REDACTED
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(str(k), v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(key, v) for v in value]
        return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message and whatever context was attached."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        line = {"timestamp": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        line = {k: self.redactor.value(k, v) for k, v in line.items() if v is not None}
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a developer's terminal, redacted the same way."""

    def __init__(self, redactor: Redactor):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_") and v is not None}
        text = self.redactor.text(super().format(record))
        return " ".join([text] + [f"{k}={self.redactor.value(k, v)}" for k, v in extra.items()])


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it), never a stale stream."""

    _jieyue = False  # True on the handler `configure` installs, so that the next call replaces it

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def log_format(settings) -> str:
    """LOG_FORMAT, or for "auto": JSON lines in production (read by machines), text in development."""
    if settings.log_format in ("json", "text"):
        return settings.log_format
    return "json" if settings.jieyue_env == "production" else "text"


def known_secrets(settings) -> list[str]:
    """Exact values no line may carry, whatever logger wrote it."""
    return [v for v in (settings.secret_key, settings.metrics_token) if v]


def configure_for(settings, loglevel: str | None = None, context_filters=()) -> logging.Handler:
    return configure(log_format(settings), loglevel or settings.log_level, known_secrets(settings), context_filters)


def configure(fmt: str, level: str, known_secrets=(), context_filters=()) -> logging.Handler:
    """Route the root logger to stderr in `fmt` ("json" or "text"); replaces the handler it set before."""
    redactor = Redactor(known_secrets)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter(redactor) if fmt == "json" else TextFormatter(redactor))
    for context_filter in context_filters:
        handler.addFilter(context_filter)
    handler._jieyue = True
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_jieyue", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings become log lines in the same format, not bare stderr text
    logging.getLogger("transitions").setLevel(logging.WARNING)  # one line per callback is noise
    return handler
