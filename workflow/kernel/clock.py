"""The office's clock: the one place services ask what time it is, so tests and demos can set it.

By default it is the system's time. A clock can instead start at a chosen instant and run on from
there at the speed of the system's monotonic clock (`Clock.starting_at`): tests use that, so no
test depends on the day it runs, while timeouts and "older than five minutes" still pass in real
seconds. `JIEYUE_CLOCK` carries such a clock to child processes (a Celery worker, a relay):
"<ISO instant>@<monotonic reading>", and because the monotonic clock is the machine's, a child
reads the same time as its parent. Production never sets it (settings refuse it there).
"""
from __future__ import annotations

import datetime as dt
import os
import time

UTC = dt.timezone.utc
ENV = "JIEYUE_CLOCK"


class Clock:
    """The system's time, or time that started at `start` when the monotonic clock read `since`."""

    def __init__(self, start: dt.datetime | None = None, since: float | None = None):
        if start is not None and start.tzinfo is None:
            raise ValueError("a clock starts at an aware instant")
        self.start = start.astimezone(UTC) if start is not None else None
        self.since = time.monotonic() if since is None else since

    @classmethod
    def starting_at(cls, start: dt.datetime) -> "Clock":
        return cls(start)

    @classmethod
    def parse(cls, text: str) -> "Clock":
        """Read `JIEYUE_CLOCK`'s form; a bare ISO instant starts now."""
        instant, _, since = text.partition("@")
        return cls(dt.datetime.fromisoformat(instant), float(since) if since else None)

    def now(self) -> dt.datetime:
        if self.start is None:
            return dt.datetime.now(UTC)
        return self.start + dt.timedelta(seconds=time.monotonic() - self.since)

    def spelled(self) -> str:
        """The `JIEYUE_CLOCK` text that gives a child process this clock ("" for the system's)."""
        return "" if self.start is None else f"{self.start.isoformat()}@{self.since!r}"


_current = Clock.parse(os.environ["JIEYUE_CLOCK"]) if os.environ.get("JIEYUE_CLOCK") else Clock()


def now() -> dt.datetime:
    """Now, in UTC."""
    return _current.now()


def today(zone) -> dt.date:
    """Today's date in `zone` (the office's)."""
    return _current.now().astimezone(zone).date()


def current() -> Clock:
    return _current


def install(clock: Clock) -> Clock:
    """Make `clock` the process's clock (and its children's); returns the one it replaces."""
    global _current
    previous, _current = _current, clock
    if clock.start is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = clock.spelled()
    return previous
