"""Background work: the Celery app (built on demand) and its tasks, configured like the web app."""
from __future__ import annotations

# Longest a task may stay unacknowledged before Redis hands it to another worker; every
# retry countdown stays well below it, so a retried task is never delivered twice for that reason.
VISIBILITY_TIMEOUT = 3600


def make_celery(settings=None):
    """The Celery app bound to REDIS_URL; `celery -A tasks` finds it through tasks/celery.py."""
    from celery import Celery
    from celery.schedules import crontab

    from workflow.kernel.settings import Settings, load_dotenv_if_present

    if settings is None:
        load_dotenv_if_present()
        settings = Settings.from_env()
    broker = settings.redis_url or "redis://127.0.0.1:6379/0"
    app = Celery("jieyue", broker=broker, include=["tasks.jobs"])
    if broker.split("://", 1)[0] in ("redis", "rediss"):
        # A worker must reconnect, not stop, when Redis restarts while it holds a task (tasks/broker.py).
        app.conf.broker_transport = "tasks.broker:Transport"
    app.conf.update(
        task_acks_late=True,                 # a task is done when it finished, not when it started
        task_reject_on_worker_lost=True,     # a worker killed mid-task gives the task back
        worker_prefetch_multiplier=1,        # one delivery at a time per process
        task_ignore_result=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        broker_connection_retry_on_startup=True,
        # The relay publishes inside its transaction: fail fast when Redis is down, the rows wait.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        timezone=settings.timezone,
        beat_schedule={"relay-outbox": {"task": "jieyue.relay_outbox", "schedule": 2.0},
                       # Every half threshold (at most a minute apart), so nothing the broker lost
                       # waits much longer than SWEEP_AFTER_SECONDS.
                       "sweep-messages": {"task": "jieyue.sweep_messages",
                                          "schedule": min(60.0, max(1.0, settings.sweep_after_seconds / 2))},
                       "remind-overdue": {"task": "jieyue.remind_overdue", "schedule": 900.0},
                       # Snapshots replace each other and the digest is once a month, so a second
                       # beat process by mistake does no harm.
                       "compile-reports": {"task": "jieyue.compile_reports", "schedule": crontab(hour=1, minute=30)},
                       "monthly-digest": {"task": "jieyue.monthly_digest",
                                          "schedule": crontab(day_of_month=1, hour=7, minute=0)}},
    )
    return app

