"""The Celery app a fault test's `celery beat` processes load: the project's own, firing only compile_reports, every few seconds.

The real schedule compiles once a night; a test cannot wait for 01:30, so this app keeps
the same task and broker settings and shortens the period (COMPILE_REPORTS_EVERY seconds).
"""
import os

from tasks import make_celery

app = make_celery()
app.conf.beat_schedule = {"compile-reports": {"task": "jieyue.compile_reports",
                                              "schedule": float(os.environ.get("COMPILE_REPORTS_EVERY", "2"))}}
