"""Prometheus metrics of the web app: requests, latency, transitions, and the database's figures at scrape time.

Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped
before start): each worker writes its counters there and whichever answers `/metrics` adds
them all up. The database figures are read once per scrape by the answering worker.
"""
from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from workflow.runtime import vitals
from workflow.runtime.metrics import subscribe_transitions

# Defined once per process, whatever number of apps the tests build; the labels are bounded:
# route templates (never raw paths), methods and status codes.
HTTP_REQUESTS = Counter("jieyue_http_requests", "HTTP requests answered", ["method", "route", "status"])
HTTP_LATENCY = Histogram("jieyue_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["method", "route"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))

blp = Blueprint("metrics", __name__)


class DatabaseFigures:
    """A collector run at scrape time: the figures are the database's, the same for every worker."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        up = GaugeMetricFamily("jieyue_database_figures_up", "1 when this scrape could read the database figures")
        try:
            figures = vitals.read(self.runtime.uow())
        except Exception:  # a scrape must still answer; /readyz says what is wrong
            logging.getLogger("jieyue.metrics").warning("database figures unavailable", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("jieyue_queue_depth", "Items waiting for an approver role", labels=["role"])
        for role, n in figures["queue_depth"].items():
            depth.add_metric([role], n)
        yield depth
        yield GaugeMetricFamily("jieyue_outbox_unpublished", "Outbox events not yet handed to the broker",
                                value=figures["outbox_unpublished"])
        yield GaugeMetricFamily("jieyue_outbox_lag_seconds", "Age of the oldest unpublished outbox event",
                                value=figures["outbox_lag_seconds"])
        yield GaugeMetricFamily("jieyue_messages_failed", "Messages that failed every delivery attempt",
                                value=figures["failed_messages"])


class _ThisProcess:
    """The process's own metrics when there is no multiprocess directory (one process, tests)."""

    def collect(self):
        return REGISTRY.collect()


def scrape(runtime) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseFigures(runtime))
    return generate_latest(registry)


@blp.get("/metrics")
def metrics():
    token = current_app.extensions["jieyue"].settings.metrics_token
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            return Response("metrics need Authorization: Bearer <METRICS_TOKEN>\n", 401,
                            {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain"})
    return Response(scrape(current_app.extensions["jieyue"]), 200, {"Content-Type": CONTENT_TYPE_LATEST})


def register(app) -> None:
    subscribe_transitions()
    app.register_blueprint(blp)

    @app.after_request
    def _count(response):
        started = g.get("request_started")  # set by api/logs.py, registered first
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        if started is not None:
            HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response
