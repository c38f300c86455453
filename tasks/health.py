"""`python -m tasks.health`: exit 0 when a Celery worker answers a ping over the broker, else 1.

A container's health check runs it with `--this-host`, so only the worker in that container
counts (its node name is celery@<hostname> unless the worker was started with another -n).
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading


def ping(app, timeout: float, node: str | None = None) -> tuple[list[str], str | None]:
    """(names of the workers that answered within `timeout` s, all or just `node`; the broker's error)."""
    answers: list = []
    problem: list[str] = []

    def run():
        try:
            answers.extend(app.control.ping(destination=[node] if node else None, timeout=timeout) or [])
        except Exception as exc:  # noqa: BLE001 - the broker's failure is the answer
            problem.append(f"{type(exc).__name__}: {exc}")

    # A broker that is down makes the client retry its connection: bound the whole call too.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout + 2)
    if thread.is_alive():
        problem.append("the broker did not answer")
    return sorted(name for answer in answers for name in answer), (problem[0] if problem else None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tasks.health", description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for an answer (5)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--this-host", action="store_true", help="only the worker named celery@<this hostname>")
    who.add_argument("--node", help="only the worker with this node name (as given to celery worker -n)")
    args = parser.parse_args(argv)

    from tasks import make_celery
    from workflow.kernel.settings import Settings, load_dotenv_if_present

    load_dotenv_if_present()
    app = make_celery(Settings.from_env())
    # Give up on a dead broker after the timeout instead of retrying for ever.
    app.conf.broker_connection_timeout = args.timeout
    app.conf.broker_connection_max_retries = 1
    node = f"celery@{socket.gethostname()}" if args.this_host else args.node
    try:
        answered, problem = ping(app, args.timeout, node)
    finally:
        app.close()
    if answered:
        print(f"ok: {', '.join(answered)} answered")
        return 0
    broker = app.conf.broker_url.split("@")[-1]  # never the password of the URL
    print(f"unhealthy: no worker{' named ' + node if node else ''} answered within {args.timeout:g} s "
          f"on {broker}" + (f" ({problem})" if problem else ""), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
