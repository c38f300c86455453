"""schemathesis against /api/v1/openapi.json, in process, on a PostgreSQL copy, as every role.

Every operation gets a fixed, derandomized budget of generated cases per person; each answer must
not be a 5xx, must match the response schema the document declares for its status, and its
status must be one the document lists (no catch-all `default`). The stateful phase follows the
document's links (list → create → read, revise, act, order) with each step signed by the person whose
job it is, starting only where an office worker starts (tests/integration/fuzz_machine.py). Failures are gathered per operation, so one run names them all.
"""
from __future__ import annotations

import time

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests import support
from tests.integration.access_world import USERS
from tests.integration.fuzz_machine import office_machine

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = 6            # per operation and person: 69 operations × 12 (anonymous too) × 6 ≈ 5,000 calls
SCENARIOS = 60          # stateful: scenarios (alternating two departments' casts) of at most
STEPS = 40              # this many linked calls each
BUDGET = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
STATEFUL_BUDGET = settings(BUDGET, max_examples=SCENARIOS, stateful_step_count=STEPS)


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
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis raises a FailureGroup
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {str(exc)[:600]}")

    run()
    return failures


def test_every_operation_as_every_person_has_no_server_error_and_matches_its_schema(fuzz_app, record):
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
    assert failures == [], _summary(failures)


def _summary(failures: list[str]) -> str:
    """One line per operation and status first (what to fix), then the first few in full."""
    kinds = sorted({f.split(": ", 1)[0].split("] ", 1)[1].rsplit(" -> ", 1)[0].split(" /", 1)[0] + " "
                    + _template(f) for f in failures})
    return "\n".join(kinds) + "\n\n" + "\n".join(sorted(set(failures))[:20])


def _template(failure: str) -> str:
    head = failure.split(": ", 1)[0].split("] ", 1)[1]
    path, status = head.split(" ", 1)[1].rsplit(" -> ", 1)
    return f"{'/'.join('{}' if p.isdigit() else p for p in path.split('/'))} -> {status}"


def test_stateful_phase_follows_the_links_as_each_role_with_no_server_error(fuzz_app, record):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    # Only the document's own links (the chains the API promises), and valid inputs, so that a chain
    # gets past its first step (hostile input has tests/integration/test_bad_input.py).
    schema.config.phases.stateful.inference.algorithms = []
    schema.config.phases.stateful.generation.update(modes=[GenerationMode.POSITIVE])
    failures: list[str] = []
    machine = office_machine(schema.as_state_machine(), _tokens(fuzz_app), CHECKS, failures)
    started = time.monotonic()
    run_state_machine_as_test(machine, settings=STATEFUL_BUDGET)
    seconds = time.monotonic() - started
    steps, links = sum(machine.steps.values()), sum(machine.links.values())
    operations = {label.rsplit(" ", 1)[0] for label in machine.steps}
    # How far the chains got: answers 2xx per operation (an action's name stands in its path).
    reached = {label.rsplit(" ", 1)[0]: n for label, n in sorted(machine.steps.items()) if label.endswith((" 200", " 201"))}
    print(f"stateful: {machine.scenarios} scenarios, {steps} steps over {len(operations)} operations, "
          f"{links} steps fed by {len(machine.links)} links: {dict(sorted(machine.links.items()))}")
    print("answers:", dict(sorted(machine.steps.items())))
    record("7", "schemathesis stateful phase (links, roles per step)",
           f"{machine.scenarios} scenarios, {steps} steps over {len(operations)} operations, {links} through "
           f"{len(machine.links)} distinct links in {seconds:.0f} s: {len(failures)} failures")
    record("7", "schemathesis stateful phase, 2xx answers per operation",
           ", ".join(f"{label.replace('/api/v1', '')} {n}" for label, n in reached.items()))
    assert failures == [], _summary(failures)
    assert links > 0, "no step took its values from an earlier answer"
