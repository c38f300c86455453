"""schemathesis' stateful phase as the office works: staff create and submit, heads approve, the buyer orders.

The state machine follows the document's links (create → read, revise, act, history, order); each
step is sent as the person whose job that operation is, so a chain can get past its first 403.
Two things a real client does and a generator cannot know from the document are done here: act at
the version last seen (the document's links carry it only from the answer just before), and file
a trip that comes back after it leaves (JSON Schema cannot compare two fields).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis.stateful import Bundle
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.modes import GenerationMode
from schemathesis.generation.stateful.control import TransitionController
from schemathesis.generation.stateful.state_machine import StepInput, normalize_name
from schemathesis.specs.openapi.stateful import _step_case_strategy, is_root_allowed, transition

# Two departments' casts, alternated per scenario: GEN (staff1, head1) and FIN (staff2, head2).
CASTS = ({"requester": "staff1", "head": "head1"}, {"requester": "staff2", "head": "head2"})
# Who answers an action, by action name; "head" is the cast's head, "requester" the cast's staff.
SUPPLY_ACTORS = {"submit": "requester", "resubmit": "requester", "cancel": "requester",
                 "approve": "head", "return": "head", "reject": "head"}
TRIP_ACTORS = {"resubmit": "requester", "cancel": "requester", "approve": "head", "return": "head",
               "reject": "head", "dispatch": "fleet", "depart": "driver1", "arrive": "driver1", "close": "fleet"}
# Where a chain starts: where an office worker starts, the two forms and the lists that fill them.
# schemathesis would also start from every POST with links (acting on random ids: 404) and from
# POST /auth/tokens (a password hash per call), which left few steps for the chains; those are
# fuzzed one by one in the stateless test. It never starts from the catalog list (its query's ids
# count as inputs nothing produces), so that start is added here as schemathesis builds its own.
STARTS = ("GET /api/v1/catalog/items", "GET /api/v1/destinations", "POST /api/v1/supply-requests",
          "POST /api/v1/trip-requests")
# Operations that are one role's job, by path prefix and method; anything else is the requester's.
ROLE_OPERATIONS = (("POST", "/api/v1/purchase-orders", "buyer"), ("POST", "/api/v1/delegations", "head"),
                   ("DELETE", "/api/v1/delegations", "head"))


def office_machine(base, tokens: dict[str, str], checks: list, failures: list[str]):
    """A subclass of schemathesis' state machine `base` that signs each step as its person."""

    class OfficeControl(TransitionController):
        __slots__ = ()

        def allow_root_transition(self, source, bundles):
            return source in STARTS and super().allow_root_transition(source, bundles)

    class OfficeMachine(base):
        scenarios = 0
        _root_labels = frozenset(STARTS)

        def __init__(self):
            super().__init__()
            self.control = OfficeControl(self._transitions, self._root_labels)

        steps: Counter = Counter()        # "METHOD path status" → calls
        links: Counter = Counter()        # link name → calls whose values came from an earlier answer

        def setup(self):
            cls = type(self)
            self.cast = CASTS[cls.scenarios % len(CASTS)]
            cls.scenarios += 1
            self.status: dict[tuple[str, int], str] = {}     # (kind, id) → status last answered
            self.version: dict[tuple[str, int], int] = {}

        def step(self, input):
            if input.transition is not None and input.is_applied:
                type(self).links[input.transition.id] += 1
            self._as_a_client_would(input.case, {name for _, name in input.applied_parameters})
            if input.transition is None and input.case.operation.label == STARTS[0]:
                # Browse the green catalog: the first item listed otherwise is virgin paper, which the
                # green policy refuses at submit, and every chain from the catalog stopped there.
                input.case.query = {"green": "true"}
            return super().step(input)

        def _as_a_client_would(self, case, from_link: set) -> None:
            key, body = _request_key(case), case.body
            if not isinstance(body, dict):
                return
            if key in self.version and "version" in body and "version" not in from_link:
                body["version"] = self.version[key]
            if case.operation.path in ("/api/v1/trip-requests", "/api/v1/trip-requests/{request_id}"):
                try:
                    leaves, back = (dt.datetime.fromisoformat(body[f]) for f in ("depart_at", "return_at"))
                except (KeyError, TypeError, ValueError):
                    return
                if back <= leaves:
                    body["return_at"] = (leaves + dt.timedelta(hours=3)).isoformat()

        def person(self, case) -> str:
            path, method = case.formatted_path, case.method.upper()
            action = (case.path_parameters or {}).get("action")
            if action:
                actors = SUPPLY_ACTORS if path.startswith("/api/v1/supply-requests/") else TRIP_ACTORS
                role = actors.get(action, "requester")
                # A decision in office review is logistics' to make, not the department head's.
                if role == "head" and self.status.get(_request_key(case)) == "office_review":
                    return "logistics"
                return self.cast.get(role, role)
            if path.endswith(("/candidates", "/carpool")):
                return "fleet"
            for verb, prefix, role in ROLE_OPERATIONS:
                if method == verb and path.startswith(prefix):
                    return self.cast.get(role, role)
            return self.cast["requester"]

        def get_call_kwargs(self, case):
            if case.formatted_path == "/api/v1/auth/tokens" and case.method.upper() == "POST":
                return {}
            return {"headers": {"Authorization": f"Bearer {tokens[self.person(case)]}"}}

        def after_call(self, response, case):
            super().after_call(response, case)
            action = (case.path_parameters or {}).get("action")
            path = case.operation.path.replace("{action}", action) if action else case.operation.path
            type(self).steps[f"{case.method} {path} {response.status_code}"] += 1
            kind = _kind(case.operation.path)
            if kind and response.status_code in (200, 201):
                body = response.json()
                if isinstance(body, dict) and "status" in body and "version" in body:
                    self.status[(kind, body["id"])] = body["status"]
                    self.version[(kind, body["id"])] = body["version"]

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=checks, headers=kwargs.get("headers"))
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - gathered, so one run names every failure
                failures.append(f"[stateful {self.person(case)}] {case.method} {case.operation.path} "
                                f"-> {response.status_code}: {str(exc)[:600]}")

    for label in STARTS:
        name = normalize_name(f"RANDOM -> {label}")
        if name not in base.root_rules:  # schemathesis' own way of making a start (pinned 4.32.5)
            method, path = label.split(" ", 1)
            strategy = _step_case_strategy(base.schema[path][method], [GenerationMode.POSITIVE], feedback=NO_FEEDBACK)
            setattr(OfficeMachine, name, transition(name=name, target=Bundle("catch_all"), input=strategy.map(
                StepInput.initial), precondition=is_root_allowed(label)))
    return OfficeMachine


def _kind(path: str) -> str | None:
    for kind, prefix in (("supply", "/api/v1/supply-requests"), ("trip", "/api/v1/trip-requests")):
        if path.startswith(prefix):
            return kind
    return None


def _request_key(case) -> tuple[str, int] | None:
    request_id = (case.path_parameters or {}).get("request_id")
    kind = _kind(case.operation.path)
    return (kind, request_id) if kind and isinstance(request_id, int) else None
