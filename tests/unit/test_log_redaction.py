"""JSON logs keep no credential: the redactor of free text and of a log record's fields.

The web app's health probes, metrics and log lines: tests/http/test_health_metrics_logs.py.
"""
from __future__ import annotations

import logging

import pytest

from workflow.runtime.logs import JsonFormatter, Redactor


@pytest.mark.parametrize("text, gone", [
    ("Authorization: Bearer jy_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "jy_AbCdEf"),
    ("password=hunter2-yes&next=/app", "hunter2-yes"),
    ('{"password": "hunter2-yes"}', "hunter2-yes"),
    ("postgresql+psycopg://jieyue:db-pass-1@db/jieyue", "db-pass-1"),
    ("cookie jy_session=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo", "Zm9vYmFyYmF6"),
])
def test_the_redactor_removes_credentials_from_free_text(text, gone):
    assert gone not in Redactor().text(text)


def test_the_redactor_keeps_task_ids_and_plain_words():
    text = "task jieyue.plan_event[1b4e28ba-2fa1-11d2-883f-0016d3cca427] succeeded for SR-2026-000012"
    assert Redactor().text(text) == text


def test_secret_keys_are_redacted_whatever_their_value():
    record_ = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    record_.session_token, record_.api_key, record_.item = "short", "k", "SR-2026-000001"
    line = JsonFormatter(Redactor()).format(record_)
    assert '"session_token": "[redacted]"' in line and '"api_key": "[redacted]"' in line
    assert '"item": "SR-2026-000001"' in line
