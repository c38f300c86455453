"""Worker metrics: task counts by name and outcome and their durations, from Celery's signals.

Each prefork child writes to PROMETHEUS_MULTIPROC_DIR; the worker's main process serves the sum
on WORKER_METRICS_PORT. The worker serves its own metrics, rather than leaving them for the web
app to read from a shared directory, because workers may run on other machines than the web
(README, scale-out) and a web restart wipes its own directory.
"""
from __future__ import annotations

import logging
import os
import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

TASKS = Counter("jieyue_celery_tasks", "Celery task runs by outcome", ["task", "state"])
TASK_DURATION = Histogram("jieyue_celery_task_duration_seconds", "Time a task run took", ["task"],
                          buckets=(.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300))
OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}
_started: dict[str, float] = {}


def _prerun(task_id=None, **_):
    _started[task_id] = time.perf_counter()


def _postrun(task_id=None, task=None, state=None, **_):
    started = _started.pop(task_id, None)
    outcome = OUTCOMES.get(state)
    if task is None or outcome is None:
        return
    TASKS.labels(task.name, outcome).inc()
    if started is not None:
        TASK_DURATION.labels(task.name).observe(time.perf_counter() - started)


def serve(port: int) -> None:
    """The worker's /metrics on `port`, summing its pool children through the multiprocess directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        # Only right for --pool=solo or threads: prefork children count in their own memory.
        logging.getLogger("jieyue.metrics").warning(
            "PROMETHEUS_MULTIPROC_DIR is not set: a prefork worker's task counts will not show")
        registry = REGISTRY
    start_http_server(port, addr="0.0.0.0", registry=registry)


def install(settings) -> None:
    from celery import signals

    from workflow.runtime.metrics import subscribe_transitions

    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    # Escalations run in the worker: the one counter of transitions, shared with the web's metrics.
    subscribe_transitions()
    if settings.worker_metrics_port:
        port = int(settings.worker_metrics_port)
        signals.worker_ready.connect(lambda **_: serve(port), weak=False)
