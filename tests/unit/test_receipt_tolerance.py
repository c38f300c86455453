"""Prices the office can trust (issue 14, point 2): the policy document's receipt tolerance is a number of
zero or more. The prices and receipts over the API: tests/http/test_security_prices.py.
"""
from __future__ import annotations

import pytest

from policies.document import PolicyDocumentError, load_document


@pytest.mark.parametrize("bad", [-1, "ten", True, None])
def test_a_tolerance_that_is_not_a_number_of_zero_or_more_is_refused(bad):
    with pytest.raises(PolicyDocumentError):
        load_document({"version": "x", "procurement": {"receipt_tolerance_pct": bad}})
    assert load_document({"version": "x", "procurement": {"receipt_tolerance_pct": 0}}).receipt_tolerance == 0
