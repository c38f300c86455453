"""Runtime settings: defaults overridden by environment variables (and a .env file in development)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The instance folder (Flask's instance_path too): the SQLite default and the generated signing key.
INSTANCE_DIR = ROOT / "instance"
# Once printed in the source, so known to anyone: never used to sign, in any environment.
DEFAULT_SECRET = "dev-only-change-me"
ENVIRONMENTS = ("development", "production")
# Session cookies and e-mail action links are signed with SECRET_KEY: 32 characters of
# token_urlsafe carry 192 bits, beyond guessing.
MIN_SECRET_LENGTH = 32


class ConfigurationError(ValueError):
    """The environment asks for something Jieyue refuses to run with; the message names the variable."""


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'jieyue.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str | None = None
    # Unset: from_env makes one in the instance folder (development); production wants it set.
    secret_key: str | None = None
    smtp_url: str | None = None
    mail_from: str = "jieyue@localhost"
    timezone: str = "Asia/Shanghai"
    policy_file: str | None = None
    base_url: str = "http://127.0.0.1:5000"
    max_body_bytes: int = 1024 * 1024
    token_days: int = 90
    # Behind HTTPS (production) the login cookie must only travel encrypted: COOKIE_SECURE=1.
    cookie_secure: bool = False
    # Connections per process: at least the number of threads serving requests at once.
    db_pool_size: int = 10
    db_max_overflow: int = 20
    log_format: str = "auto"  # json, text, or auto: JSON lines when JIEYUE_ENV=production, else text
    log_level: str = "INFO"
    metrics_token: str | None = None  # when set, /metrics wants "Authorization: Bearer <it>"
    worker_metrics_port: str | None = None  # a Celery worker serves its own /metrics on this port when set
    # An event handed to the broker but not planned this long after (its task lost with a Redis
    # restart), or a message still pending this long after it was planned, is taken up again by
    # the sweep. Long enough that a merely busy queue is not swept twice.
    sweep_after_seconds: int = 300
    # Workflow actions one person may take per minute over every web process (api/ratelimits.py).
    action_rate_limit: str = "120 per minute"
    # Webhook hosts that may be on the office's own network (a chat robot at 10.1.2.3): comma-separated
    # names or addresses. Any other webhook must lead to public addresses only (workflow/notifications/safe_urls.py).
    webhook_allowed_hosts: str | None = None
    # "production" turns on the refusals below; anything but the two names is refused too, so a
    # typo ("prod") never runs a production office in development mode.
    jieyue_env: str = "development"
    allow_sqlite_in_production: bool = False

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, instance_dir: Path | str | None = None,
                 **overrides) -> "Settings":
        """The settings of this process; without a SECRET_KEY, the one kept in `instance_dir` (made at first)."""
        source: Mapping[str, str] = os.environ if env is None else env
        values: dict[str, Any] = {}  # each of its field's type
        for name in cls.__dataclass_fields__:
            raw = source.get(name.upper())
            if raw is None or raw == "":
                continue
            # The annotation says how to read the text (`from __future__` keeps it a string).
            kind = cls.__dataclass_fields__[name].type
            if kind == "int":
                values[name] = int(raw)
            elif kind == "bool":
                values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.refuse_unsafe_production()
        if settings.secret_key in (None, DEFAULT_SECRET):
            from .signing_key import SigningKeyError, load_or_create

            try:
                key = load_or_create(Path(instance_dir or INSTANCE_DIR), MIN_SECRET_LENGTH)
            except SigningKeyError as exc:
                raise ConfigurationError(str(exc)) from None
            settings = replace(settings, secret_key=key)
        return settings

    def refuse_unsafe_production(self) -> None:
        """Raise ConfigurationError naming each variable to fix when production would run unsafely.

        Called by `from_env`, which the web app, Celery, Alembic and the CLI all load through.
        """
        if self.jieyue_env not in ENVIRONMENTS:
            raise ConfigurationError(f"JIEYUE_ENV={self.jieyue_env!r} is not one of {', '.join(ENVIRONMENTS)}")
        problems = self._production_problems() if self.jieyue_env == "production" else []
        if problems:
            raise ConfigurationError("Jieyue refuses to start with JIEYUE_ENV=production: " + "; ".join(problems))

    def _production_problems(self) -> list[str]:
        problems = []
        new_key = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        if self.secret_key in (None, DEFAULT_SECRET):
            # A generated key lives on one machine; web and workers on several must share theirs.
            problems.append(f"SECRET_KEY is the development default (unset, or the value once printed in the "
                            f"source); set it to at least {MIN_SECRET_LENGTH} random characters ({new_key})")
        elif len(self.secret_key) < MIN_SECRET_LENGTH:
            problems.append(f"SECRET_KEY has {len(self.secret_key)} characters, fewer than {MIN_SECRET_LENGTH} "
                            f"({new_key})")
        if self.database_url.startswith("sqlite") and not self.allow_sqlite_in_production:
            problems.append("DATABASE_URL points to SQLite; set it to PostgreSQL, or set "
                            "ALLOW_SQLITE_IN_PRODUCTION=1 to run one machine on SQLite knowingly")
        return problems

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def load_dotenv_if_present() -> None:
    """Read `.env` beside the project in development; real environment variables win."""
    path = ROOT / ".env"
    if path.exists():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
