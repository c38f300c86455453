"""Background work: the Celery app, configured from the same settings as the web app."""
from __future__ import annotations


def make_celery(settings=None):
    """A Celery app bound to `REDIS_URL`; built on demand, never at import time."""
    from celery import Celery

    from workflow.settings import Settings

    settings = settings or Settings.from_env()
    app = Celery("jieyue", broker=settings.redis_url, backend=None)
    app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, timezone=settings.timezone,
                    task_always_eager=settings.redis_url is None)
    return app
