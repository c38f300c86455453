"""Wait until DATABASE_URL accepts connections (containers start in any order); exit 1 after DB_WAIT_SECONDS."""
from __future__ import annotations

import os
import sys
import time

from sqlalchemy import text

from workflow.kernel.db import make_engine
from workflow.kernel.settings import ConfigurationError, Settings


def main() -> int:
    try:
        url = Settings.from_env().database_url  # also refuses an unsafe production setup, before anything runs
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 1
    deadline = time.monotonic() + float(os.environ.get("DB_WAIT_SECONDS", "60"))
    # A short connect timeout, so an address that drops packets is retried, not waited on for minutes.
    engine = make_engine(url) if url.startswith("sqlite") else make_engine(url, connect_args={"connect_timeout": 5})
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return 0
            except Exception as exc:  # noqa: BLE001 - every failure means "not yet"
                if time.monotonic() >= deadline:
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    print(f"database not reachable after {os.environ.get('DB_WAIT_SECONDS', '60')} s "
                          f"(DB_WAIT_SECONDS): {reason}", file=sys.stderr)
                    return 1
                time.sleep(1)
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
