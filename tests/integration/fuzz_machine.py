"""schemathesis' stateful phase as the office works: staff create and submit, heads approve, the buyer orders.

The state machine follows the document's links (create → read, revise, act, history, order); each
step is sent as the person whose job that operation is, so a chain can get past its first 403.
"""
from __future__ import annotations

from collections import Counter

# Two departments' casts, alternated per scenario: GEN (staff1, head1) and FIN (staff2, head2).
CASTS = ({"requester": "staff1", "head": "head1"}, {"requester": "staff2", "head": "head2"})
# Who answers an action, by action name; "head" is the cast's head, "requester" the cast's staff.
SUPPLY_ACTORS = {"submit": "requester", "resubmit": "requester", "cancel": "requester",
                 "approve": "head", "return": "head", "reject": "head"}
TRIP_ACTORS = {"resubmit": "requester", "cancel": "requester", "approve": "head", "return": "head",
               "reject": "head", "dispatch": "fleet", "depart": "driver1", "arrive": "driver1", "close": "fleet"}
# Operations that are one role's job, by path prefix and method; anything else is the requester's.
ROLE_OPERATIONS = (("POST", "/api/v1/purchase-orders", "buyer"), ("POST", "/api/v1/delegations", "head"),
                   ("DELETE", "/api/v1/delegations", "head"))


def office_machine(base, tokens: dict[str, str], checks: list, failures: list[str]):
    """A subclass of schemathesis' state machine `base` that signs each step as its person."""

    class OfficeMachine(base):
        scenarios = 0
        steps: Counter = Counter()        # "METHOD path status" → calls
        links: Counter = Counter()        # link name → calls whose values came from an earlier answer

        def setup(self):
            cls = type(self)
            self.cast = CASTS[cls.scenarios % len(CASTS)]
            cls.scenarios += 1
            self.supply_status: dict[int, str] = {}

        def step(self, input):
            if input.transition is not None and input.is_applied:
                type(self).links[input.transition.id] += 1
            return super().step(input)

        def person(self, case) -> str:
            path, method = case.formatted_path, case.method.upper()
            action = (case.path_parameters or {}).get("action")
            if action and path.startswith("/api/v1/supply-requests/"):
                # An approval in office review is logistics' to give, not the department head's.
                status = self.supply_status.get(case.path_parameters.get("request_id"))
                role = SUPPLY_ACTORS.get(action, "requester")
                return "logistics" if role == "head" and status == "office_review" else self.cast.get(role, role)
            if action and path.startswith("/api/v1/trip-requests/"):
                role = TRIP_ACTORS.get(action, "requester")
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
            type(self).steps[f"{case.method} {case.operation.path} {response.status_code}"] += 1
            if case.operation.path.startswith("/api/v1/supply-requests") and response.status_code in (200, 201):
                body = response.json()
                if isinstance(body, dict) and "status" in body:
                    self.supply_status[body["id"]] = body["status"]

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=checks, headers=kwargs.get("headers"))
            except (Exception, BaseExceptionGroup) as exc:  # gathered, so one run names every failure
                failures.append(f"[stateful {self.person(case)}] {case.method} {case.operation.path} "
                                f"-> {response.status_code}: {str(exc)[:600]}")

    return OfficeMachine
