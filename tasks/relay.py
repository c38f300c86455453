"""The following relay: `python -m tasks.relay` moves new outbox events to the broker within a fraction of a second.

Beat's relay runs every 2 s, which puts a floor of about 2 s under every notification's lag;
this process polls every --interval seconds instead (one indexed query when nothing waits).
Rows are claimed with FOR UPDATE SKIP LOCKED, so several of these, and beat's relay as the
fallback, can run at once: each event is still handed over exactly once.
"""
from __future__ import annotations

import argparse
import logging
import signal
import threading

log = logging.getLogger("jieyue.relay")

# After a failure (database or Redis away), wait this long before trying again, so the log
# gets one line per retry rather than a flood.
RETRY_SECONDS = 2.0


def follow(stop: threading.Event, interval: float, batch: int = 200) -> int:
    """Relay until `stop` is set: at once while events wait, then every `interval` seconds; returns how many."""
    from tasks.jobs import relay_outbox

    total = 0
    while not stop.is_set():
        try:
            moved = relay_outbox(batch)
        except Exception:  # the rows wait in the outbox; try again shortly
            log.exception("relay failed; retrying in %.0f s", RETRY_SECONDS)
            stop.wait(RETRY_SECONDS)
            continue
        total += moved
        stop.wait(interval)
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tasks.relay", description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between polls when nothing waits")
    args = parser.parse_args(argv)
    from tasks.celery import settings  # builds the Celery app the relay publishes through
    from workflow.runtime.logs import configure_for

    configure_for(settings)  # the web's and the worker's format and redaction
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("relay following the outbox every %.2f s", args.interval)
    moved = follow(stop, args.interval)
    log.info("relay stopped after %d event(s)", moved)


if __name__ == "__main__":
    main()
