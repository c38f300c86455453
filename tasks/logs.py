"""Worker logs: the same format and redaction as the web app, with the task's id and name on each line."""
from __future__ import annotations

import logging

from workflow.runtime.logs import configure_for


class TaskContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from celery import current_task

        request = getattr(current_task, "request", None) if current_task else None
        if request is not None and request.id:
            record.task_id = request.id
            record.task_name = current_task.name
        return True


def install(settings) -> None:
    """Take over Celery's logging setup (main process and every pool child call it)."""
    from celery import signals

    def _setup(loglevel=None, **_):
        configure_for(settings, logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel,
                      [TaskContext()])

    # A receiver on setup_logging tells Celery to leave the root logger to us.
    signals.setup_logging.connect(_setup, weak=False)
