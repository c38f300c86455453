"""schemathesis against /api/v1/openapi.json, in process, on a PostgreSQL copy, as every role.

Every operation gets a fixed, derandomized budget of generated cases per person; each answer must
not be a 5xx, must match the response schema the document declares for its status, and its
status must be one the document lists. The stateful phase follows the document's links (create →
read, act, history) as each person. Failures are gathered per operation, so one run names them all.
"""
from __future__ import annotations

import time

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests import support
from tests.figures import record
from tests.integration.access_world import USERS

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = 6            # per operation and person: 58 operations × 11 people × 6 ≈ 3,800 calls
STATEFUL_STEPS = 30     # per person
BUDGET = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture
def fuzz_app(pg_url):
    app = support.make_app(pg_url)
    yield app
    app.extensions["jieyue"].engine.dispose()


def _tokens(app) -> dict[str, str]:
    c = support.inprocess_client(app)
    return {user: c.token(user) for user in USERS}


def _fuzz_operation(operation, headers: dict) -> list[str]:
    failures: list[str] = []

    @hypothesis.given(case=operation.as_strategy())
    @BUDGET
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup of what it found
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {str(exc)[:600]}")

    run()
    return failures


def test_every_operation_as_every_person_has_no_server_error_and_matches_its_schema(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    people = {None: {}} | {user: {"Authorization": f"Bearer {token}"} for user, token in _tokens(fuzz_app).items()}
    started, failures, runs = time.monotonic(), [], 0
    for user, headers in people.items():
        for operation in operations:
            runs += 1
            failures += [f"[{user}] {f}" for f in _fuzz_operation(operation, headers)]
    seconds = time.monotonic() - started
    record("7", "schemathesis, every operation as every person",
           f"{len(operations)} operations × {len(people)} people ({runs} runs, ≤{EXAMPLES} cases each) "
           f"in {seconds:.0f} s: {len(failures)} failures")
    assert failures == [], "\n".join(sorted(set(failures))[:60])
