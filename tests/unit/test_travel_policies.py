"""The VU-* rules as tables: the 1-3-5 thresholds, exemptions, purpose, county limit, fuel norm."""
from decimal import Decimal

import pytest

from policies import load_document
from policies.messages import MESSAGES
from workflow.kernel.texts import finding as render
from policies.travel import TripFacts, evaluate_trip, fuel_check

DOC = load_document()


def outcome(findings, rule_id):
    return next((f.outcome.value, f.message_key) for f in findings if f.rule_id == rule_id)


@pytest.mark.parametrize("km, without_exemption, with_exemption", [
    ("0.5", ("block", "VU-135.walk"), ("exception", "VU-135.exempted")),
    ("0.99", ("block", "VU-135.walk"), ("exception", "VU-135.exempted")),
    ("1.0", ("block", "VU-135.cycle"), ("exception", "VU-135.exempted")),
    ("2.5", ("block", "VU-135.cycle"), ("exception", "VU-135.exempted")),
    ("4.99", ("block", "VU-135.public_transport"), ("exception", "VU-135.exempted")),
    ("5.0", ("pass", "VU-135.pass"), ("pass", "VU-135.pass")),
    ("12", ("pass", "VU-135.pass"), ("pass", "VU-135.pass")),
])
def test_green_travel_thresholds_with_and_without_exemption(km, without_exemption, with_exemption):
    plain = evaluate_trip(TripFacts(Decimal(km), "meeting"), DOC)
    exempt = evaluate_trip(TripFacts(Decimal(km), "meeting", "cargo"), DOC)
    assert outcome(plain, "VU-135") == without_exemption
    assert outcome(exempt, "VU-135") == with_exemption


def test_an_unknown_exemption_does_not_lift_the_block():
    assert outcome(evaluate_trip(TripFacts(Decimal("2"), "meeting", "in_a_hurry"), DOC), "VU-135")[0] == "block"


@pytest.mark.parametrize("purpose, expected", [("meeting", "pass"), ("reception", "pass"), ("personal", "block")])
def test_official_purpose_is_required(purpose, expected):
    assert outcome(evaluate_trip(TripFacts(Decimal("20"), purpose), DOC), "VU-PURPOSE")[0] == expected


@pytest.mark.parametrize("km, expected", [("50", "pass"), ("50.1", "exception"), ("120", "exception")])
def test_beyond_the_county_limit_needs_the_second_level(km, expected):
    assert outcome(evaluate_trip(TripFacts(Decimal(km), "inspection"), DOC), "VU-LONG")[0] == expected


def test_thresholds_come_from_the_document():
    doc = load_document({"version": "site-travel", "travel": {"walk_below_km": 2}})
    assert outcome(evaluate_trip(TripFacts(Decimal("1.5"), "meeting"), doc), "VU-135") == ("block", "VU-135.walk")


@pytest.mark.parametrize("km, used, norm, expected", [
    ("100", "8.0", "8.0", "pass"),
    ("100", "9.2", "8.0", "pass"),      # exactly norm × 1.15
    ("100", "9.21", "8.0", "warn"),
    ("50", "6.0", "8.0", "warn"),       # 12 per 100 km
    ("0", "1.0", "8.0", "pass"),        # no distance: nothing to compare
])
def test_fuel_above_norm_plus_tolerance_is_flagged(km, used, norm, expected):
    assert fuel_check(Decimal(km), Decimal(used), Decimal(norm), DOC).outcome.value == expected


VU_KEYS = sorted(k for k in MESSAGES if k.startswith("VU-"))


def every_travel_finding():
    found = []
    for km, exemption, purpose in [("0.5", None, "meeting"), ("2", None, "x"), ("4", None, "meeting"),
                                   ("4", "cargo", "meeting"), ("80", None, "meeting")]:
        found += evaluate_trip(TripFacts(Decimal(km), purpose, exemption), DOC)
    found += [fuel_check(Decimal("100"), Decimal(u), Decimal("8"), DOC) for u in ("8", "12")]
    return found


def test_every_travel_message_key_is_reached_and_renders_in_both_languages():
    found = every_travel_finding()
    assert {f.message_key for f in found} == set(VU_KEYS)
    for f in found:
        en, zh = render(f.message_key, f.params, "en"), render(f.message_key, f.params, "zh")
        assert "{" not in en and "{" not in zh and en != zh
