"""The Celery app of B6's worker: the real tasks, with a delivery that sends nothing anywhere.

`celery -A tests.benchmarks.bench_celery worker` runs the relay, plan and send tasks of
tasks/jobs.py unchanged (outbox claims, inbox rows, message rows locked and marked sent); only
the transports (SMTP, webhook POST) are replaced by a function that returns at once, so B6
measures the engine's path to the far side and not a mail server.
"""
from tasks import jobs
from tasks.celery import app  # noqa: F401 - the app `celery -A` looks for


def _deliver_nowhere(message) -> None:
    return None


def _null_transports() -> dict:
    return {"email": _deliver_nowhere, "webhook": _deliver_nowhere}


jobs.transports = _null_transports
