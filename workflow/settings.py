"""Runtime settings: defaults overridden by environment variables (and a .env file in development)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-change-me"


def _default_database_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'jieyue.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str | None = None
    secret_key: str = DEFAULT_SECRET
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
    # An event handed to the broker but not planned this long after (its task lost with a Redis
    # restart), or a message still pending this long after it was planned, is taken up again by
    # the sweep. Long enough that a merely busy queue is not swept twice.
    sweep_after_seconds: int = 300

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for name in cls.__dataclass_fields__:
            raw = env.get(name.upper())
            if raw is None or raw == "":
                continue
            if name in ("max_body_bytes", "token_days", "db_pool_size", "db_max_overflow",
                        "sweep_after_seconds"):
                values[name] = int(raw)
            elif name == "cookie_secure":
                values[name] = raw.strip().lower() in ("1", "true", "yes", "on")
            else:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def load_dotenv_if_present() -> None:
    """Read `.env` beside the project in development; real environment variables win."""
    path = ROOT / ".env"
    if path.exists():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)
