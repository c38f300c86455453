"""The GP-* procurement rules and their parameter document, as pure functions over plain data."""
from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path

import pytest

from policies import DEFAULT_DOCUMENT, ItemFacts, LineFacts, Outcome, RequestFacts, evaluate_supply_request, load_document
from policies.document import PolicyDocumentError
from policies.messages import MESSAGES
from workflow.kernel.texts import finding as render

ROOT = Path(__file__).resolve().parents[2]

PASS, WARN, EXCEPTION, BLOCK = Outcome.PASS, Outcome.WARN, Outcome.EXCEPTION, Outcome.BLOCK


# --- helpers -------------------------------------------------------------------------------------

def request(*items_and_quantities, total="0.00", budget="100000.00", used_paper="0", used_toner="0",
            candidates=None) -> RequestFacts:
    """A request of these (item, quantity) lines; a single ItemFacts means one of it."""
    lines = []
    for entry in items_and_quantities:
        item, qty = entry if isinstance(entry, tuple) else (entry, "1")
        lines.append(LineFacts(item, Decimal(qty)))
    return RequestFacts(
        lines=tuple(lines), total=Decimal(total),
        budget_remaining=None if budget is None else Decimal(budget),
        used_paper_reams=Decimal(used_paper), used_toner_units=Decimal(used_toner),
        candidates=candidates or {},
    )


def evaluate(facts: RequestFacts, doc=None):
    return evaluate_supply_request(facts, doc or load_document())


def findings_for(findings, rule_id: str, line: int | None = 0):
    return [f for f in findings if f.rule_id == rule_id and f.line == line]


def only_finding(findings, rule_id: str, line: int | None = 0):
    found = findings_for(findings, rule_id, line)
    assert len(found) == 1, f"expected one {rule_id} finding for line {line}, got {found}"
    return found[0]


def same_numbers(actual: dict, expected: dict) -> None:
    """Numeric params compared by value, so '10' and '10.00' are the same count."""
    for key, value in expected.items():
        assert key in actual, f"param {key} missing from {actual}"
        assert Decimal(str(actual[key])) == Decimal(str(value)), f"param {key}: {actual[key]!r} != {value!r}"


def suggested_ids(finding) -> list:
    return [s["item_id"] for s in finding.suggestions]


# --- line rules ----------------------------------------------------------------------------------

LINE_RULE_CASES = [
    # rule, item, expected outcome, expected params (subset)
    pytest.param("GP-PLASTIC", ItemFacts("tableware", single_use=True, plastic=True, biodegradable=True), PASS, {},
                 id="GP-PLASTIC-degradable-single-use-passes"),
    pytest.param("GP-PLASTIC", ItemFacts("tableware", single_use=True, plastic=True, biodegradable=False), BLOCK, {},
                 id="GP-PLASTIC-non-degradable-single-use-blocks"),
    pytest.param("GP-DISPOSABLE", ItemFacts("tableware", single_use=False), PASS, {},
                 id="GP-DISPOSABLE-reusable-passes"),
    pytest.param("GP-DISPOSABLE", ItemFacts("tableware", single_use=True, plastic=False), EXCEPTION, {},
                 id="GP-DISPOSABLE-single-use-needs-exception"),
    pytest.param("GP-PAPER", ItemFacts("paper", unit="ream", recycled_content_pct=100), PASS,
                 {"pct": 100}, id="GP-PAPER-recycled-passes"),
    pytest.param("GP-PAPER", ItemFacts("paper", unit="ream", recycled_content_pct=0), BLOCK,
                 {"pct": 0, "min_pct": 100}, id="GP-PAPER-virgin-blocks"),
    pytest.param("GP-CONSUMABLE", ItemFacts("toner", remanufactured=True), PASS, {},
                 id="GP-CONSUMABLE-remanufactured-passes"),
    pytest.param("GP-CONSUMABLE", ItemFacts("toner", remanufactured=False, recycled_content_pct=0), EXCEPTION, {},
                 id="GP-CONSUMABLE-new-cartridge-needs-exception"),
    pytest.param("GP-LIGHTING", ItemFacts("lighting", led=True), PASS, {}, id="GP-LIGHTING-led-passes"),
    pytest.param("GP-LIGHTING", ItemFacts("lighting", led=False), BLOCK, {}, id="GP-LIGHTING-fluorescent-blocks"),
    pytest.param("GP-ENERGY", ItemFacts("appliance", energy_grade=1), PASS, {"grade": 1, "max_grade": 2},
                 id="GP-ENERGY-grade1-passes"),
    pytest.param("GP-ENERGY", ItemFacts("appliance", energy_grade=3), BLOCK, {"grade": 3, "max_grade": 2},
                 id="GP-ENERGY-grade3-blocks"),
    pytest.param("GP-WATER", ItemFacts("plumbing", water_saving=True), PASS, {}, id="GP-WATER-water-saving-passes"),
    pytest.param("GP-WATER", ItemFacts("plumbing", water_saving=False), BLOCK, {}, id="GP-WATER-ordinary-tap-blocks"),
    pytest.param("GP-RECYCLABLE", ItemFacts("stationery", recyclable=True), PASS, {}, id="GP-RECYCLABLE-recyclable-passes"),
    pytest.param("GP-RECYCLABLE", ItemFacts("stationery", recyclable=False), WARN, {},
                 id="GP-RECYCLABLE-not-recyclable-warns"),
    pytest.param("GP-GREENLIST", ItemFacts("stationery", green_listed=True), PASS, {}, id="GP-GREENLIST-listed-passes"),
    pytest.param("GP-GREENLIST", ItemFacts("stationery", green_listed=False), WARN, {}, id="GP-GREENLIST-unlisted-warns"),
]


@pytest.mark.parametrize("rule_id, item, outcome, params", LINE_RULE_CASES)
def test_line_rule_gives_the_default_document_outcome(rule_id, item, outcome, params):
    finding = only_finding(evaluate(request(item)), rule_id)
    assert finding.outcome is outcome
    assert finding.message_key == f"{rule_id}.{'pass' if outcome is PASS else 'fail'}"
    same_numbers(finding.params, params)


def test_line_rule_table_covers_every_line_rule_with_a_pass_and_a_failure():
    from policies.procurement import LINE_RULES

    seen = {}
    for case in LINE_RULE_CASES:
        rule_id, _, outcome, _ = case.values
        seen.setdefault(rule_id, set()).add(outcome is PASS)
    assert set(seen) == set(LINE_RULES)
    assert all(kinds == {True, False} for kinds in seen.values()), seen


NOT_APPLICABLE_CASES = [
    pytest.param("GP-PLASTIC", ItemFacts("tableware", single_use=False, plastic=True), id="GP-PLASTIC-reusable-plastic"),
    pytest.param("GP-PAPER", ItemFacts("stationery", recycled_content_pct=0), id="GP-PAPER-not-paper"),
    pytest.param("GP-CONSUMABLE", ItemFacts("paper", recycled_content_pct=100), id="GP-CONSUMABLE-not-toner"),
    pytest.param("GP-LIGHTING", ItemFacts("appliance", energy_grade=1), id="GP-LIGHTING-not-lighting"),
    pytest.param("GP-WATER", ItemFacts("cleaning"), id="GP-WATER-not-plumbing"),
    pytest.param("GP-ENERGY", ItemFacts("stationery"), id="GP-ENERGY-no-grade-not-appliance"),
]


@pytest.mark.parametrize("rule_id, item", NOT_APPLICABLE_CASES)
def test_scoped_line_rule_gives_no_finding_for_items_outside_its_scope(rule_id, item):
    assert findings_for(evaluate(request(item)), rule_id) == []


def test_each_line_is_reported_under_its_own_index():
    findings = evaluate(request(ItemFacts("paper", recycled_content_pct=100), ItemFacts("paper", recycled_content_pct=0)))
    assert only_finding(findings, "GP-PAPER", 0).outcome is PASS
    assert only_finding(findings, "GP-PAPER", 1).outcome is BLOCK


# --- boundaries ----------------------------------------------------------------------------------

def test_paper_at_exactly_the_minimum_recycled_content_passes():
    need = load_document().procurement["paper_min_recycled_content_pct"]
    assert only_finding(evaluate(request(ItemFacts("paper", recycled_content_pct=need))), "GP-PAPER").outcome is PASS


def test_paper_one_point_below_the_minimum_recycled_content_blocks():
    need = load_document().procurement["paper_min_recycled_content_pct"]
    finding = only_finding(evaluate(request(ItemFacts("paper", recycled_content_pct=need - 1))), "GP-PAPER")
    assert finding.outcome is BLOCK


def test_toner_at_exactly_the_minimum_recycled_content_passes_without_being_remanufactured():
    need = load_document().procurement["consumable_min_recycled_content_pct"]
    item = ItemFacts("toner", recycled_content_pct=need, remanufactured=False)
    assert only_finding(evaluate(request(item)), "GP-CONSUMABLE").outcome is PASS
    below = ItemFacts("toner", recycled_content_pct=need - 1, remanufactured=False)
    assert only_finding(evaluate(request(below)), "GP-CONSUMABLE").outcome is EXCEPTION


def test_energy_grade_exactly_the_maximum_passes():
    worst_allowed = load_document().procurement["max_energy_grade"]
    finding = only_finding(evaluate(request(ItemFacts("appliance", energy_grade=worst_allowed))), "GP-ENERGY")
    assert finding.outcome is PASS
    assert finding.message_key == "GP-ENERGY.pass"


def test_energy_grade_one_above_the_maximum_blocks():
    worst_allowed = load_document().procurement["max_energy_grade"]
    finding = only_finding(evaluate(request(ItemFacts("appliance", energy_grade=worst_allowed + 1))), "GP-ENERGY")
    assert finding.outcome is BLOCK
    assert finding.message_key == "GP-ENERGY.fail"
    assert finding.params == {"grade": worst_allowed + 1, "max_grade": worst_allowed}


def test_appliance_without_energy_grade_gives_one_unknown_warning_not_a_pass_or_block():
    finding = only_finding(evaluate(request(ItemFacts("appliance", energy_grade=None))), "GP-ENERGY")
    assert finding.outcome is WARN
    assert finding.message_key == "GP-ENERGY.unknown"


# --- request-level rules -------------------------------------------------------------------------

PAPER = ItemFacts("paper", unit="ream", recycled_content_pct=100)
PAPER_BOX = ItemFacts("paper", unit="box", recycled_content_pct=100)
PAPER_PACK = ItemFacts("paper", unit="pack", recycled_content_pct=100)
PAPER_SHEET = ItemFacts("paper", unit="sheet", recycled_content_pct=100)
TONER = ItemFacts("toner", unit="piece", remanufactured=True)
PEN = ItemFacts("stationery", unit="piece", recyclable=True, green_listed=True)

REQUEST_RULE_CASES = [
    # rule, facts, expected [(outcome, message key, numeric params)]
    pytest.param("GP-BUDGET", request(PEN, total="100.00", budget="500.00"),
                 [(PASS, "GP-BUDGET.pass", {"total": "100", "remaining": "500"})], id="GP-BUDGET-within-passes"),
    pytest.param("GP-BUDGET", request(PEN, total="500.00", budget="500.00"),
                 [(PASS, "GP-BUDGET.pass", {"total": "500", "remaining": "500"})], id="GP-BUDGET-exactly-remaining-passes"),
    pytest.param("GP-BUDGET", request(PEN, total="500.01", budget="500.00"),
                 [(EXCEPTION, "GP-BUDGET.fail", {"total": "500.01", "remaining": "500"})],
                 id="GP-BUDGET-over-needs-exception"),
    pytest.param("GP-BUDGET", request(PEN, total="10.00", budget=None),
                 [(EXCEPTION, "GP-BUDGET.none", {"total": "10"})], id="GP-BUDGET-no-budget-needs-exception"),
    pytest.param("GP-QUOTA", request((PAPER_BOX, "2")),
                 [(PASS, "GP-QUOTA.paper.pass", {"asked": 10, "used": 0, "quota": 24})], id="GP-QUOTA-two-boxes-are-ten-reams"),
    pytest.param("GP-QUOTA", request((PAPER, "3"), (PAPER_PACK, "2")),
                 [(PASS, "GP-QUOTA.paper.pass", {"asked": 5})], id="GP-QUOTA-reams-and-packs-add-up"),
    pytest.param("GP-QUOTA", request((PAPER_SHEET, "1000")),
                 [(PASS, "GP-QUOTA.paper.pass", {"asked": 2})], id="GP-QUOTA-1000-sheets-are-two-reams"),
    pytest.param("GP-QUOTA", request((PAPER_BOX, "2"), used_paper="14"),
                 [(PASS, "GP-QUOTA.paper.pass", {"asked": 10, "used": 14})], id="GP-QUOTA-paper-exactly-quota-passes"),
    pytest.param("GP-QUOTA", request((PAPER_BOX, "2"), used_paper="15"),
                 [(WARN, "GP-QUOTA.paper.fail", {"asked": 10, "used": 15, "quota": 24})], id="GP-QUOTA-paper-over-warns"),
    pytest.param("GP-QUOTA", request((TONER, "2"), used_toner="2"),
                 [(PASS, "GP-QUOTA.toner.pass", {"asked": 2, "used": 2, "quota": 4})], id="GP-QUOTA-toner-exactly-quota-passes"),
    pytest.param("GP-QUOTA", request((TONER, "2"), used_toner="3"),
                 [(WARN, "GP-QUOTA.toner.fail", {"asked": 2, "used": 3, "quota": 4})], id="GP-QUOTA-toner-over-warns"),
    pytest.param("GP-QUOTA", request((PAPER, "1"), (TONER, "5")),
                 [(PASS, "GP-QUOTA.paper.pass", {"asked": 1}), (WARN, "GP-QUOTA.toner.fail", {"asked": 5})],
                 id="GP-QUOTA-paper-and-toner-counted-separately"),
    pytest.param("GP-QUOTA", request((PEN, "50")), [], id="GP-QUOTA-no-paper-or-toner-no-finding"),
]


@pytest.mark.parametrize("rule_id, facts, expected", REQUEST_RULE_CASES)
def test_request_rule_outcome_message_and_counts(rule_id, facts, expected):
    found = findings_for(evaluate(facts), rule_id, line=None)
    assert [(f.outcome, f.message_key) for f in found] == [(o, k) for o, k, _ in expected]
    for finding, (_, _, params) in zip(found, expected, strict=True):
        same_numbers(finding.params, params)


def test_quota_message_shows_reams_as_plain_numbers_not_scientific_notation():
    finding = only_finding(evaluate(request((PAPER_BOX, "2"), used_paper="20")), "GP-QUOTA", line=None)
    assert finding.params["asked"] == "10"
    assert finding.params["used"] == "20"
    assert "10 reams asked and 20 used" in render(finding.message_key, finding.params, "en")


# --- suggestions ---------------------------------------------------------------------------------

def paper(item_id, pct, price="25.00", **kw):
    return ItemFacts("paper", unit="ream", unit_price=Decimal(price), recycled_content_pct=pct, recyclable=True,
                     green_listed=True, item_id=item_id, sku=f"P-{item_id}", name=f"Paper {item_id}",
                     name_zh=f"纸 {item_id}", **kw)


VIRGIN = paper(1, 0, "20.00")
RECYCLED = paper(2, 100, "26.00")
OTHER_VIRGIN = paper(3, 30, "19.00")
GREEN_TONER = ItemFacts("toner", unit_price=Decimal("1.00"), remanufactured=True, recyclable=True, green_listed=True,
                        item_id=50, sku="T-50", name="Toner", name_zh="硒鼓")


def test_virgin_paper_gets_exactly_the_recycled_paper_suggested():
    facts = request(VIRGIN, candidates={"paper": (RECYCLED, OTHER_VIRGIN)})
    finding = only_finding(evaluate(facts), "GP-PAPER")
    assert finding.outcome is BLOCK
    assert finding.suggestions == ({"item_id": 2, "sku": "P-2", "name": "Paper 2", "name_zh": "纸 2",
                                     "unit": "ream", "unit_price": "26.00"},)


@pytest.mark.parametrize("own_entry", [
    pytest.param(VIRGIN, id="same-attributes"),
    pytest.param(paper(1, 100, "1.00"), id="catalog-entry-now-green-and-cheapest"),
])
def test_suggestions_never_include_the_item_on_the_line_itself(own_entry):
    facts = request(VIRGIN, candidates={"paper": (own_entry, RECYCLED)})
    assert suggested_ids(only_finding(evaluate(facts), "GP-PAPER")) == [2]


def test_suggestions_stop_at_the_document_suggestion_limit_cheapest_first():
    greens = tuple(paper(10 + i, 100, f"{30 - i}.00") for i in range(6))
    facts = request(VIRGIN, candidates={"paper": greens})
    limit = DEFAULT_DOCUMENT["procurement"]["suggestion_limit"]
    assert suggested_ids(only_finding(evaluate(facts), "GP-PAPER")) == [15, 14, 13][:limit]
    one = load_document({"version": "site-1", "procurement": {"suggestion_limit": 1}})
    assert suggested_ids(only_finding(evaluate(facts, one), "GP-PAPER")) == [15]


def test_candidates_of_other_categories_are_never_suggested():
    facts = request(VIRGIN, candidates={"toner": (GREEN_TONER,), "paper": (OTHER_VIRGIN,)})
    findings = evaluate(facts)
    assert only_finding(findings, "GP-PAPER").suggestions == ()
    assert all(50 not in suggested_ids(f) for f in findings)


def test_passing_findings_carry_no_suggestions():
    facts = request(RECYCLED, candidates={"paper": (paper(4, 100, "1.00"),)})
    assert only_finding(evaluate(facts), "GP-PAPER").suggestions == ()


def test_energy_block_never_suggests_an_appliance_whose_grade_is_unknown():
    kettle = ItemFacts("appliance", energy_grade=4, recyclable=True, green_listed=True, item_id=60)
    graded = ItemFacts("appliance", energy_grade=1, unit_price=Decimal("300"), recyclable=True, green_listed=True,
                       item_id=61)
    ungraded = ItemFacts("appliance", energy_grade=None, unit_price=Decimal("100"), recyclable=True,
                         green_listed=True, item_id=62)
    facts = request(kettle, candidates={"appliance": (graded, ungraded)})
    # An ungraded appliance would itself get the GP-ENERGY.unknown warning: it does not pass GP-ENERGY.
    assert suggested_ids(only_finding(evaluate(facts), "GP-ENERGY")) == [61]


# --- the parameter document ----------------------------------------------------------------------

def test_override_with_its_own_version_changes_outcome_and_threshold():
    doc = load_document({"version": "2026.1-site", "procurement": {
        "outcomes": {"GP-QUOTA": "exception"}, "second_level_threshold": "8000.00"}})
    assert doc.version == "2026.1-site"
    assert doc.outcome("GP-QUOTA") is EXCEPTION
    assert doc.second_level_threshold == Decimal("8000.00")
    assert doc.outcome("GP-PAPER") is BLOCK  # untouched rules keep their default
    finding = only_finding(evaluate(request((TONER, "9")), doc), "GP-QUOTA", line=None)
    assert finding.outcome is EXCEPTION


def test_override_does_not_change_the_default_document():
    load_document({"version": "site-2", "procurement": {"outcomes": {"GP-QUOTA": "block"}, "quota": {
        "toner_units_per_person_year": 1}}})
    default = load_document()
    assert default.outcome("GP-QUOTA") is WARN
    assert default.procurement["quota"] == {"paper_reams_per_person_year": 24, "toner_units_per_person_year": 4}
    assert default.second_level_threshold == Decimal("5000.00")


def test_override_of_a_nested_parameter_keeps_its_siblings():
    doc = load_document({"version": "site-3", "procurement": {"quota": {"toner_units_per_person_year": 10}}})
    assert doc.procurement["quota"] == {"paper_reams_per_person_year": 24, "toner_units_per_person_year": 10}


def test_override_is_read_from_a_json_file(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"version": "file-1", "procurement": {"max_energy_grade": 3}}), encoding="utf-8")
    doc = load_document(path)
    assert doc.version == "file-1"
    assert only_finding(evaluate(request(ItemFacts("appliance", energy_grade=3)), doc), "GP-ENERGY").outcome is PASS


@pytest.mark.parametrize("override", [
    pytest.param({"procurement": {"outcomes": {"GP-QUOTA": "exception"}}}, id="no-version"),
    pytest.param({"version": "", "procurement": {}}, id="empty-version"),
    pytest.param({"version": DEFAULT_DOCUMENT["version"], "procurement": {"suggestion_limit": 1}}, id="default-version"),
    pytest.param({"version": "x-1", "colour": "green"}, id="unknown-top-level-key"),
    pytest.param({"version": "x-1", "procurement": {"max_energy_gradee": 3}}, id="unknown-nested-key"),
    pytest.param({"version": "x-1", "procurement": {"outcomes": {"GP-NOPE": "warn"}}}, id="unknown-rule"),
    pytest.param({"version": "x-1", "procurement": {"outcomes": {"GP-PAPER": "deny"}}}, id="invalid-outcome"),
    pytest.param({"version": "x-1", "procurement": {"quota": 5}}, id="object-replaced-by-scalar"),
])
def test_invalid_override_is_refused(override):
    with pytest.raises(PolicyDocumentError):
        load_document(override)


# --- messages ------------------------------------------------------------------------------------

def every_kind_of_finding():
    scenarios = [request(case.values[1]) for case in LINE_RULE_CASES]
    scenarios.append(request(ItemFacts("appliance", energy_grade=None)))
    scenarios += [case.values[1] for case in REQUEST_RULE_CASES]
    return [f for facts in scenarios for f in evaluate(facts)]


GP_MESSAGES = sorted(k for k in MESSAGES if k.startswith("GP-"))  # VU-* keys: test_travel_policies.py


def test_the_scenarios_reach_every_message_key():
    assert {f.message_key for f in every_kind_of_finding()} == set(GP_MESSAGES)


@pytest.mark.parametrize("message_key", GP_MESSAGES)
def test_every_message_renders_in_english_and_chinese_with_its_params(message_key):
    produced = [f for f in every_kind_of_finding() if f.message_key == message_key]
    assert produced, f"no scenario produces {message_key}"
    for finding in produced:
        en = render(finding.message_key, finding.params, "en")
        zh = render(finding.message_key, finding.params, "zh-CN")
        assert en and zh
        assert "{" not in en and "{" not in zh
        assert zh != en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


# --- import graph --------------------------------------------------------------------------------

def imported_top_levels(path: Path, package_root: Path) -> set[str]:
    """Top-level names of every module a file imports, at module level or inside functions."""
    module_parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    package = module_parts[:-1]  # for a module and for an __init__ alike: the folder it sits in
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module.split(".")[0])
            else:
                base = package[: len(package) - (node.level - 1)]
                if node.module:
                    names.add((base + node.module.split("."))[0])
                else:
                    names.update((base + [alias.name])[0] for alias in node.names)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")):
            names.add(node.args[0].value.split(".")[0])
    return names


def forbidden_imports(package: str, forbidden: set[str]) -> dict[str, set[str]]:
    root = ROOT / package
    files = sorted(root.rglob("*.py"))
    assert files, f"no modules found under {root}"
    bad = {}
    for path in files:
        hits = imported_top_levels(path, root) & forbidden
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


def test_import_walker_sees_imports_at_any_depth():
    # Guards the graph tests below against passing because the walker sees nothing.
    assert {"sqlalchemy", "workflow", "transitions"} <= (
        imported_top_levels(ROOT / "workflow/procurement/model.py", ROOT / "workflow")
        | imported_top_levels(ROOT / "workflow/kernel/machines.py", ROOT / "workflow"))
    # policies/document.py imports `.findings` only inside a function, relatively: that resolves to policies.
    assert "policies" in imported_top_levels(ROOT / "policies/document.py", ROOT / "policies")


def test_policies_import_nothing_of_the_web_database_queue_or_other_layers():
    assert forbidden_imports("policies", {"flask", "sqlalchemy", "celery", "marshmallow", "api", "tasks",
                                          "workflow"}) == {}


def test_workflow_never_imports_flask_celery_marshmallow_api_or_tasks():
    assert forbidden_imports("workflow", {"flask", "celery", "marshmallow", "flask_smorest", "api", "tasks"}) == {}
