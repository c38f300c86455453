"""Green-procurement and vehicle-use rules: pure functions over plain data, and their parameters."""
from .document import DEFAULT_DOCUMENT, PolicyDocument, load_document
from .findings import Finding, ItemFacts, LineFacts, Outcome, worst
from .procurement import evaluate_supply_request, RequestFacts

__all__ = [
    "DEFAULT_DOCUMENT", "PolicyDocument", "load_document", "Finding", "ItemFacts", "LineFacts",
    "Outcome", "worst", "evaluate_supply_request", "RequestFacts",
]
