"""Domain errors; `api/errors.py` turns each into one HTTP answer."""
from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, errors: dict | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthorized(DomainError):
    code = "unauthorized"


class StaleVersion(DomainError):
    code = "stale_version"


class IllegalStep(DomainError):
    """The action is not allowed from the item's current status (extra: allowed)."""

    code = "illegal_action"


class Conflict(DomainError):
    code = "conflict"


class BadQuery(DomainError):
    """A query that cannot be answered as asked (a malformed or impossible period): 400."""

    code = "bad_request"


class InvalidInput(DomainError):
    """Input that passed the schema but fails a domain check; `errors` maps field path to messages."""

    code = "validation_error"


class UnsafeWebhookUrl(InvalidInput):
    """A webhook URL that leads inside the office's network or to a special address.

    What counts as either is decided in workflow/notifications/safe_urls.py.
    """

    code = "unsafe_webhook_url"


class PriceFromCatalog(InvalidInput):
    """A price sent for a catalog line: the catalog alone prices its items."""

    code = "price_from_catalog"


class PolicyBlocked(DomainError):
    """A policy finding with outcome `block` (extra: findings)."""

    code = "policy_blocked"


class JustificationRequired(DomainError):
    code = "justification_required"


class SameApprover(Forbidden):
    """One person at both approval levels of a request (directly, through a delegate, or both)."""

    code = "same_approver"


class DelegationRefused(InvalidInput):
    """A delegation the rules do not allow; `code` names the rule (delegate_not_eligible, ...)."""

    def __init__(self, code: str, message: str, errors: dict | None = None, **extra):
        super().__init__(message, errors, **extra)
        self.code = code
