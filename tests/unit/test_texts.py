"""One translation mechanism: every message id has Chinese in the catalog, rendering never raises, a language is a catalog."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from api.act_links import WORDS as PAGE_WORDS
from api.reports import export
from policies.messages import MESSAGES, TERMS
from workflow.kernel import texts
from workflow.notifications.notice_text import BODIES, TITLES, compose
from workflow.notifications.notices import ACTION_WORDS
from workflow.reporting.targets import METRICS

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "api/translations/zh/LC_MESSAGES/messages.po"
CJK = re.compile("[\u4e00-\u9fff]")

PLAIN_IDS = sorted(set(MESSAGES.values()) | set(TERMS.values()) | set(TITLES.values()) | set(BODIES.values())
                   | set(ACTION_WORDS.values()) | set(PAGE_WORDS.values()) | {name for name, _ in METRICS.values()})
CONTEXT_IDS = sorted({(export.COLUMN, m) for m in (*export.COLUMNS.values(), *export.MEASURES.values())}
                     | {(export.EXPORT, m) for m in (*export.TITLES.values(), export.TOTAL, export.PERIOD,
                                                     export.BASELINE, export.CURRENCY, export.UNITS)})


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f)


@pytest.mark.parametrize("message_id", PLAIN_IDS)
def test_every_message_id_has_chinese_in_the_catalog_and_renders_it(catalog, message_id):
    entry = catalog.get(message_id)
    assert entry is not None and CJK.search(entry.string), message_id
    assert texts.text(message_id, "zh") == texts.fill(entry.string, {})


@pytest.mark.parametrize("context,message_id", CONTEXT_IDS)
def test_every_export_header_has_chinese_in_its_context(catalog, context, message_id):
    entry = catalog.get(message_id, context)
    assert entry is not None and CJK.search(entry.string), (context, message_id)
    assert texts.ptext(context, message_id, "zh") == entry.string


def test_the_same_english_reads_differently_in_a_column_and_in_the_preamble():
    assert texts.ptext(export.COLUMN, "Period", "zh") == "本期"
    assert texts.ptext(export.EXPORT, "Period", "zh") == "期间"


@pytest.mark.parametrize("code", ["zh", "zh-CN", "zh_CN", "ZH-hans"])
def test_a_chinese_setting_in_any_spelling_reads_the_chinese_catalog(code):
    assert texts.language(code) == "zh"
    assert texts.text("Approve", code) == "批准"


@pytest.mark.parametrize("code", ["fr", "de-DE", "", None, "klingon"])
def test_a_language_without_a_catalog_falls_back_to_english(code):
    assert texts.language(code) == "en"
    assert texts.text("Approve", code) == "Approve"
    assert texts.finding("GP-BUDGET.fail", {"total": "10", "remaining": "5"}, code) == \
        "Total 10 CNY exceeds the department's remaining budget of 5 CNY."
    assert compose("task.assigned", {"number": "SR-1", "department": "GEN"}, code) == \
        ("SR-1 waits for your approval", "SR-1 from GEN waits for your decision.")


def test_a_third_language_is_only_a_catalog(tmp_path, monkeypatch):
    """A French .po compiled beside the Chinese one: texts speak French with no code changed."""
    (tmp_path / "fr/LC_MESSAGES").mkdir(parents=True)
    po = tmp_path / "fr/LC_MESSAGES/messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Approve"\nmsgstr "Approuver"\n\n'
                  'msgid "{number} waits for your approval"\nmsgstr "{number} attend votre décision"\n',
                  encoding="utf-8")
    subprocess.run([str(ROOT / ".venv/bin/pybabel"), "compile", "-d", str(tmp_path), "-l", "fr"], check=True,
                   capture_output=True)
    monkeypatch.setattr(texts, "CATALOGS", tmp_path)
    texts.languages.cache_clear()
    texts._catalog.cache_clear()
    try:
        assert texts.language("fr-FR") == "fr"
        assert texts.text("Approve", "fr") == "Approuver"
        assert compose("task.assigned", {"number": "SR-1"}, "fr")[0] == "SR-1 attend votre décision"
        assert texts.text("Reject", "fr") == "Reject"  # not yet translated: English
    finally:
        texts.languages.cache_clear()
        texts._catalog.cache_clear()


# ---- a stored text renders with what it has ------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_finding_stored_without_a_parameter_renders_with_a_blank(language):
    rendered = texts.finding("GP-BUDGET.fail", {"total": "120.00"}, language)
    assert "120.00" in rendered and "{" not in rendered


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_finding_stored_with_an_extra_parameter_renders_and_ignores_it(language):
    with_extra = texts.finding("VU-LONG.pass", {"limit_km": "50", "since_retired": "x"}, language)
    assert with_extra == texts.finding("VU-LONG.pass", {"limit_km": "50"}, language)
    assert "50" in with_extra and "x" not in with_extra


def test_a_finding_with_no_parameters_at_all_renders():
    assert texts.finding("VU-FUEL.fail", None, "zh") == "百公里 ，超出定额  加 %：请核查。"
    assert texts.finding("VU-135.exempted", {}, "en").startswith(" km one way calls for ;")


def test_a_finding_of_a_key_no_longer_known_renders_as_its_key():
    assert texts.finding("GP-RETIRED.fail", {"a": 1}, "zh") == "GP-RETIRED.fail"


def test_term_parameters_are_translated_and_other_values_pass_through():
    assert texts.finding("VU-135.exempted", {"distance_km": "2", "mode": "walk", "exemption": "cargo"}, "zh") == \
        "单程 2 公里本应步行出行；因“携带物资或设备”用车，须经机关事务分管领导审批。"
    assert texts.finding("VU-PURPOSE.fail", {"purpose": "picnic"}, "zh").startswith("“picnic”")
    assert texts.finding("VU-PURPOSE.fail", {"purpose": ["not", "text"]}, "en").startswith("'['not', 'text']'")


def test_a_notification_missing_a_value_or_with_an_extra_one_composes():
    title, body = compose("request.returned", {"number": "SR-9", "extra": 1}, "zh")
    assert (title, body) == ("SR-9 已退回修改", "您的申请 SR-9 被退回：")


@pytest.mark.parametrize("template", ["{0} and {}", "{pct:.1f}%", "{a.b}", "{x[1]}", "unbalanced {", "}"])
def test_a_template_the_values_cannot_fill_comes_back_as_it_is(template):
    assert texts.fill(template, {"pct": "not a number", "a": "", "x": ""}) == template


def test_the_message_id_and_language_never_clash_with_a_parameter_of_the_same_name():
    assert texts.text("Not done: {message}", "en", message="x", message_id="y", language_code="z") == "Not done: x"


# ---- no Chinese in code --------------------------------------------------------------------------

def test_no_python_file_outside_demo_data_and_migrations_holds_chinese_text():
    found = []
    for package in ("workflow", "policies", "api", "tasks"):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if re.search(r"/(demo|migrations)/|demo_", rel) or rel == "api/cli.py":
                continue
            if CJK.search(path.read_text(encoding="utf-8")):
                found.append(rel)
    assert found == []
