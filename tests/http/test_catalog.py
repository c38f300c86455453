"""The office-supply catalog: listing and filters, admin edits, the green flag, and the catalog/user/budget CLI."""
from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from workflow.kernel.db import utcnow
from workflow.people.accounts import Department
from workflow.procurement.budget import Budget
from workflow.procurement.catalog import CatalogItem
from workflow.procurement.model import OFFICE_TZ

ITEMS = "/api/v1/catalog/items"

ITEM_FIELDS = {"id", "sku", "name", "name_zh", "category", "unit", "unit_price", "supplier", "recyclable",
               "recycled_content_pct", "single_use", "plastic", "biodegradable", "remanufactured", "led",
               "energy_grade", "water_saving", "green_listed"}

# Worked out by hand from the default GP-* outcomes (block: PLASTIC, PAPER, LIGHTING, ENERGY, WATER;
# exception: DISPOSABLE, CONSUMABLE). Recyclable/green-list are only warnings and do not count.
SEEDED_GREEN = {"PAP-A4-R", "TON-88A-R", "TAB-CUP-C", "LGT-T8-L", "APP-AC-1", "PLB-TAP-W", "STA-PEN-G",
                "STA-NB-R", "CLN-CLOTH"}
SEEDED_NOT_GREEN = {"PAP-A4-V", "TON-88A-N", "TAB-CUP-P", "LGT-T8-F", "APP-AC-3", "PLB-TAP-O", "CLN-BAG-P",
                    "CLN-BAG-B"}

HEADER = ["sku", "name", "name_zh", "category", "unit", "unit_price", "supplier", "recycled_content_pct", "recyclable"]


# --- helpers -------------------------------------------------------------------------------------------------

def all_items(client, query: str = "") -> list[dict]:
    status, items = client.get("admin", f"{ITEMS}?limit=200{'&' + query if query else ''}")
    assert status == 200, items
    return items


def skus(items) -> set[str]:
    return {i["sku"] for i in items}


def by_sku(client, sku: str) -> dict:
    return next(i for i in all_items(client) if i["sku"] == sku)


def names_field(body: dict, field: str) -> bool:
    """The error answer names `field` (query errors carry a "query." prefix)."""
    return any(key.rsplit(".", 1)[-1] == field for key in body["errors"])


def catalog_count(runtime) -> int:
    with runtime.uow() as uow:
        return uow.session.scalar(select(func.count(CatalogItem.id)))


def catalog_snapshot(runtime) -> list[tuple]:
    with runtime.uow() as uow:
        return [(i.id, i.sku, i.name, i.unit_price, i.recycled_content_pct, i.led, i.green)
                for i in uow.session.scalars(select(CatalogItem).order_by(CatalogItem.id))]


def new_item(**overrides) -> dict:
    body = {"sku": "STA-CLIP-1", "name": "Paper clips, steel (100)", "name_zh": "钢制回形针（100枚）",
            "category": "stationery", "unit": "box", "unit_price": "4.5", "supplier": "Deli Office Supplies",
            "recyclable": True}
    body.update(overrides)
    return body


def write_csv(path: Path, header, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header, rows) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def budget_amount(runtime, code: str, year: int) -> Decimal:
    with runtime.uow() as uow:
        dep_id = uow.session.scalar(select(Department.id).where(Department.code == code))
        return uow.session.scalar(select(Budget.amount).where(Budget.department_id == dep_id, Budget.year == year))


def this_year() -> int:
    return utcnow().astimezone(OFFICE_TZ).year


# Two new items and an update of an existing SKU (virgin paper made 100% recycled).
GOOD_ROWS = [
    ["PAP-A3-R", "A3 copy paper, 100% recycled", "A3 再生复印纸", "paper", "ream", "52.00", "Chenming Paper Co.",
     "100", "true"],
    ["STA-FLD-R", "File folder, recycled board", "再生纸板文件夹", "stationery", "piece", "2.80",
     "Deli Office Supplies", "90", "true"],
    ["PAP-A4-V", "A4 copy paper, recycled 70 g", "A4 再生复印纸（新）70克", "paper", "ream", "25.50",
     "Chenming Paper Co.", "100", "true"],
]


# --- GET /catalog/items ------------------------------------------------------------------------------------

def test_every_listed_item_carries_every_documented_field(client):
    items = all_items(client)
    assert len(items) == 17
    for item in items:
        assert ITEM_FIELDS <= set(item), ITEM_FIELDS - set(item)


def test_unit_price_is_a_string_with_exactly_two_decimals(client):
    items = all_items(client)
    for item in items:
        assert isinstance(item["unit_price"], str)
        assert re.fullmatch(r"\d+\.\d{2}", item["unit_price"]), item["unit_price"]
    prices = {i["sku"]: i["unit_price"] for i in items}
    assert prices["STA-PEN-G"] == "3.50"
    assert prices["APP-AC-3"] == "2600.00"


def test_category_filter_returns_only_that_category(client):
    items = all_items(client, "category=lighting")
    assert skus(items) == {"LGT-T8-F", "LGT-T8-L"}
    assert {i["category"] for i in items} == {"lighting"}


def test_q_matches_english_name_case_insensitively(client):
    assert skus(all_items(client, "q=CERAMIC")) == {"TAB-CUP-C"}


def test_q_matches_chinese_name(client):
    assert skus(all_items(client, "q=再生")) == {"PAP-A4-R", "STA-NB-R"}


def test_q_matches_sku_in_any_case(client):
    assert skus(all_items(client, "q=ton-88a")) == {"TON-88A-N", "TON-88A-R"}


def test_q_with_no_match_returns_empty_list(client):
    assert all_items(client, "q=zzz-nothing") == []


def test_q_treats_like_wildcards_literally(client):
    # No seeded item has an underscore in its name, Chinese name or SKU.
    assert all_items(client, "q=_") == []


def test_q_and_category_combine(client):
    assert skus(all_items(client, "q=recycled&category=paper")) == {"PAP-A4-R"}


def test_green_true_lists_exactly_items_passing_every_block_and_exception_rule(client):
    assert skus(all_items(client, "green=true")) == SEEDED_GREEN


def test_green_false_lists_exactly_items_failing_a_block_or_exception_rule(client):
    assert skus(all_items(client, "green=false")) == SEEDED_NOT_GREEN


def test_green_flag_recycled_paper_yes_virgin_paper_no(client):
    assert by_sku(client, "PAP-A4-R")["green"] is True
    assert by_sku(client, "PAP-A4-V")["green"] is False


def test_green_flag_is_false_for_biodegradable_but_single_use_bags(client):
    # GP-PLASTIC passes (biodegradable) but GP-DISPOSABLE needs an exception.
    assert by_sku(client, "CLN-BAG-B")["green"] is False


def test_pagination_with_after_id_pages_do_not_overlap_and_cover_everything(client):
    everything = all_items(client)
    seen, pages, after = [], 0, 0
    for _ in range(10):  # bounded: a cursor that does not move must fail, not hang
        status, page = client.get("admin", f"{ITEMS}?limit=5&after_id={after}")
        assert status == 200, page
        if not page:
            break
        assert len(page) <= 5
        pages += 1
        seen.extend(i["id"] for i in page)
        after = page[-1]["id"]
    else:
        pytest.fail("paging with after_id never reached an empty page")
    assert pages == 4  # 17 items: 5 + 5 + 5 + 2
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert seen == [i["id"] for i in everything]


def test_limit_caps_page_size(client):
    status, page = client.get("admin", f"{ITEMS}?limit=3")
    assert status == 200
    assert len(page) == 3


def test_pagination_combines_with_a_filter(client):
    status, first = client.get("admin", f"{ITEMS}?green=true&limit=4")
    assert status == 200 and len(first) == 4
    status, rest = client.get("admin", f"{ITEMS}?green=true&limit=200&after_id={first[-1]['id']}")
    assert status == 200
    assert not skus(first) & skus(rest)
    assert skus(first) | skus(rest) == SEEDED_GREEN


@pytest.mark.parametrize("query, field", [
    ("category=food", "category"),
    ("limit=0", "limit"),
    ("limit=201", "limit"),
])
def test_bad_list_query_is_400_naming_the_field(client, query, field):
    status, body = client.get("admin", f"{ITEMS}?{query}")
    assert status == 400, body
    assert names_field(body, field), body


def test_limit_200_is_accepted(client):
    status, _ = client.get("admin", f"{ITEMS}?limit=200")
    assert status == 200


def test_listing_needs_a_token(client):
    status, _ = client.get(None, ITEMS)
    assert status == 401


# --- POST /catalog/items -----------------------------------------------------------------------------------

def test_admin_creates_item_and_it_is_listed_with_price_to_two_decimals(client, runtime):
    before = catalog_count(runtime)
    status, item = client.post("admin", ITEMS, new_item())
    assert status == 201, item
    assert item["sku"] == "STA-CLIP-1"
    assert item["name_zh"] == "钢制回形针（100枚）"
    assert item["unit_price"] == "4.50"
    assert item["green"] is True
    assert catalog_count(runtime) == before + 1
    assert by_sku(client, "STA-CLIP-1")["id"] == item["id"]


def test_created_item_failing_a_block_rule_is_not_green(client):
    status, item = client.post("admin", ITEMS, new_item(sku="PAP-A5-V", category="paper", recycled_content_pct=30))
    assert status == 201, item
    assert item["green"] is False
    assert "PAP-A5-V" in skus(all_items(client, "green=false"))


def test_staff_cannot_create_items_and_nothing_is_added(client, runtime):
    before = catalog_snapshot(runtime)
    status, body = client.post("staff1", ITEMS, new_item())
    assert status == 403, body
    assert catalog_snapshot(runtime) == before


def test_duplicate_sku_on_create_is_409_and_nothing_is_added(client, runtime):
    before = catalog_snapshot(runtime)
    status, body = client.post("admin", ITEMS, new_item(sku="PAP-A4-R"))
    assert status == 409, body
    assert names_field(body, "sku"), body
    assert catalog_snapshot(runtime) == before


@pytest.mark.parametrize("field, value", [
    ("energy_grade", 6),
    ("energy_grade", 0),
    ("recycled_content_pct", 101),
    ("recycled_content_pct", -1),
    ("unit_price", "-0.01"),
    ("unit_price", "abc"),
    ("category", "food"),
])
def test_invalid_value_on_create_is_422_naming_the_field(client, runtime, field, value):
    before = catalog_snapshot(runtime)
    status, body = client.post("admin", ITEMS, new_item(**{field: value}))
    assert status == 422, body
    assert names_field(body, field), body
    assert catalog_snapshot(runtime) == before


def test_unknown_field_on_create_is_422(client, runtime):
    before = catalog_snapshot(runtime)
    status, body = client.post("admin", ITEMS, new_item(colour="red"))
    assert status == 422, body
    assert names_field(body, "colour"), body
    assert catalog_snapshot(runtime) == before


# --- PATCH /catalog/items/{id} -----------------------------------------------------------------------------

def test_patch_led_on_fluorescent_tube_makes_it_green_and_back(client):
    tube = client.item_id("LGT-T8-F")
    assert by_sku(client, "LGT-T8-F")["green"] is False
    status, item = client.patch("admin", f"{ITEMS}/{tube}", {"led": True})
    assert status == 200, item
    assert item["led"] is True and item["green"] is True
    assert "LGT-T8-F" in skus(all_items(client, "green=true"))
    status, item = client.patch("admin", f"{ITEMS}/{tube}", {"led": False})
    assert status == 200, item
    assert item["green"] is False
    assert "LGT-T8-F" in skus(all_items(client, "green=false"))


def test_patch_changes_only_the_given_fields(client):
    before = by_sku(client, "PAP-A4-R")
    status, item = client.patch("admin", f"{ITEMS}/{before['id']}", {"unit_price": "27"})
    assert status == 200, item
    assert item["unit_price"] == "27.00"
    assert {k: v for k, v in item.items() if k != "unit_price"} == \
        {k: v for k, v in before.items() if k != "unit_price"}


def test_staff_cannot_patch_items_and_nothing_changes(client, runtime):
    tube = client.item_id("LGT-T8-F")
    before = catalog_snapshot(runtime)
    status, body = client.patch("staff1", f"{ITEMS}/{tube}", {"led": True, "unit_price": "1.00"})
    assert status == 403, body
    assert catalog_snapshot(runtime) == before


def test_patch_to_another_items_sku_is_409_and_nothing_changes(client, runtime):
    virgin = client.item_id("PAP-A4-V")
    before = catalog_snapshot(runtime)
    status, body = client.patch("admin", f"{ITEMS}/{virgin}", {"sku": "PAP-A4-R"})
    assert status == 409, body
    assert names_field(body, "sku"), body
    assert catalog_snapshot(runtime) == before


@pytest.mark.parametrize("field, value", [
    ("energy_grade", 6),
    ("recycled_content_pct", 101),
    ("unit_price", "-5.00"),
    ("category", "food"),
])
def test_invalid_value_on_patch_is_422_naming_the_field(client, runtime, field, value):
    item_id = client.item_id("APP-AC-3")
    before = catalog_snapshot(runtime)
    status, body = client.patch("admin", f"{ITEMS}/{item_id}", {field: value})
    assert status == 422, body
    assert names_field(body, field), body
    assert catalog_snapshot(runtime) == before


def test_patch_of_missing_item_is_404(client):
    status, _ = client.patch("admin", f"{ITEMS}/999999", {"led": True})
    assert status == 404


# --- import-catalog CLI ------------------------------------------------------------------------------------

def test_import_csv_creates_new_skus_and_updates_existing_ones(app, client, runtime, tmp_path):
    before = catalog_count(runtime)
    path = write_csv(tmp_path / "catalog.csv", HEADER, GOOD_ROWS)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated" in result.output
    assert catalog_count(runtime) == before + 2
    a3 = by_sku(client, "PAP-A3-R")
    assert a3["name_zh"] == "A3 再生复印纸"
    assert a3["unit_price"] == "52.00"
    assert a3["green"] is True
    updated = by_sku(client, "PAP-A4-V")
    assert updated["name"] == "A4 copy paper, recycled 70 g"
    assert updated["name_zh"] == "A4 再生复印纸（新）70克"
    assert updated["unit_price"] == "25.50"
    assert updated["recycled_content_pct"] == 100
    assert updated["green"] is True  # recomputed: now 100% recycled


def test_import_shows_importing_progress_label(app, tmp_path):
    path = write_csv(tmp_path / "catalog.csv", HEADER, GOOD_ROWS)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output


def test_import_xlsx_creates_and_updates_like_csv(app, client, runtime, tmp_path):
    before = catalog_count(runtime)
    rows = [["PAP-A3-R", "A3 copy paper, 100% recycled", "A3 再生复印纸", "paper", "ream", 52, "Chenming Paper Co.",
             100, True],
            ["STA-FLD-R", "File folder, recycled board", "再生纸板文件夹", "stationery", "piece", 2.8,
             "Deli Office Supplies", 90, True],
            ["PAP-A4-V", "A4 copy paper, recycled 70 g", "A4 再生复印纸（新）70克", "paper", "ream", "25.50",
             "Chenming Paper Co.", 100, True]]
    path = write_xlsx(tmp_path / "catalog.xlsx", HEADER, rows)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated" in result.output
    assert "Importing" in result.output
    assert catalog_count(runtime) == before + 2
    folder = by_sku(client, "STA-FLD-R")
    assert folder["name_zh"] == "再生纸板文件夹"
    assert folder["unit_price"] == "2.80"
    assert folder["recycled_content_pct"] == 90
    assert folder["recyclable"] is True
    assert by_sku(client, "PAP-A4-V")["green"] is True


def _assert_refused(result, runtime, before, *needles):
    assert result.exit_code != 0, result.output
    assert catalog_snapshot(runtime) == before
    for needle in needles:
        assert needle in result.output, result.output


def test_import_with_bad_price_on_row_3_imports_nothing_and_names_row_and_field(app, runtime, tmp_path):
    rows = [GOOD_ROWS[0], [*GOOD_ROWS[1][:5], "abc", *GOOD_ROWS[1][6:]], GOOD_ROWS[2]]
    path = write_csv(tmp_path / "catalog.csv", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "row 3", "unit_price")
    assert "created" not in result.output


def test_import_with_unknown_category_imports_nothing_and_names_row_and_field(app, runtime, tmp_path):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], [*GOOD_ROWS[2][:3], "food", *GOOD_ROWS[2][4:]]]
    path = write_csv(tmp_path / "catalog.csv", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "row 4", "category")


def test_import_with_repeated_sku_imports_nothing_and_names_the_repeating_row(app, runtime, tmp_path):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], [GOOD_ROWS[0][0], *GOOD_ROWS[2][1:]]]
    path = write_csv(tmp_path / "catalog.csv", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "row 4", "sku")


def test_import_xlsx_with_bad_row_imports_nothing_and_names_row_and_field(app, runtime, tmp_path):
    rows = [["PAP-A3-R", "A3 paper", "A3 纸", "paper", "ream", 52, "Chenming", 100, True],
            ["STA-FLD-R", "Folder", "文件夹", "stationery", "piece", "abc", "Deli", 90, True]]
    path = write_xlsx(tmp_path / "catalog.xlsx", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "row 3", "unit_price")


def test_import_error_row_number_counts_blank_rows_in_xlsx(app, runtime, tmp_path):
    # Spreadsheet row 1 header, 2 good, 3 blank, 4 bad: the message must point at row 4.
    rows = [["PAP-A3-R", "A3 paper", "A3 纸", "paper", "ream", 52, "Chenming", 100, True],
            [None] * len(HEADER),
            ["STA-FLD-R", "Folder", "文件夹", "stationery", "piece", "abc", "Deli", 90, True]]
    path = write_xlsx(tmp_path / "catalog.xlsx", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "row 4", "unit_price")


def test_import_error_row_number_counts_blank_lines_in_csv(app, runtime, tmp_path):
    # Line 1 header, 2 good, 3 blank, 4 bad: the message must point at row 4.
    rows = [GOOD_ROWS[0], [], [*GOOD_ROWS[1][:5], "abc", *GOOD_ROWS[1][6:]]]
    path = write_csv(tmp_path / "catalog.csv", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "row 4", "unit_price")


def test_import_with_unknown_column_is_an_error_and_imports_nothing(app, runtime, tmp_path):
    path = write_csv(tmp_path / "catalog.csv", HEADER + ["colour"], [row + ["red"] for row in GOOD_ROWS])
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, "colour")


def test_import_row_with_more_cells_than_headers_is_reported_not_a_crash(app, runtime, tmp_path):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1] + ["stray cell"]]
    path = write_csv(tmp_path / "catalog.csv", HEADER, rows)
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    _assert_refused(result, runtime, before, "row 3")


def test_import_refuses_a_txt_file(app, runtime, tmp_path):
    path = tmp_path / "catalog.txt"
    path.write_text(",".join(HEADER) + "\n" + ",".join(GOOD_ROWS[0]) + "\n", encoding="utf-8")
    before = catalog_snapshot(runtime)
    result = app.test_cli_runner().invoke(args=["import-catalog", str(path)])
    _assert_refused(result, runtime, before, ".csv or .xlsx")


# --- create-user / set-budget ------------------------------------------------------------------------------

def test_user_created_by_command_can_get_a_token_with_its_password(app, client):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "clerk9", "--role", "staff", "--department", "GEN", "--full-name", "Qian Lei",
        "--password", "clerk9-secret"])
    assert result.exit_code == 0, result.output
    assert "User clerk9 created" in result.output
    status, body = client.post(None, "/api/v1/auth/tokens", {"username": "clerk9", "password": "clerk9-secret"})
    assert status == 201, body
    status, items = client.get(None, ITEMS, headers={"Authorization": f"Bearer {body['token']}"})
    assert status == 200 and len(items) == 17
    status, _ = client.post(None, "/api/v1/auth/tokens", {"username": "clerk9", "password": "wrong-password"})
    assert status == 401


def test_create_user_with_unknown_department_fails_and_user_cannot_log_in(app, client):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "clerk9", "--role", "staff", "--department", "NOPE", "--password", "clerk9-secret"])
    assert result.exit_code != 0
    assert "department" in result.output.lower()
    status, _ = client.post(None, "/api/v1/auth/tokens", {"username": "clerk9", "password": "clerk9-secret"})
    assert status == 401


def test_set_budget_sets_the_amount(app, runtime):
    year = this_year()
    result = app.test_cli_runner().invoke(args=["set-budget", "GEN", str(year), "72500.5"])
    assert result.exit_code == 0, result.output
    assert budget_amount(runtime, "GEN", year) == Decimal("72500.50")


@pytest.mark.parametrize("amount", ["abc", "12,000", "NaN"])
def test_set_budget_with_non_numeric_amount_fails_clearly_and_changes_nothing(app, runtime, amount):
    year = this_year()
    before = budget_amount(runtime, "GEN", year)
    assert before == Decimal("60000.00")
    result = app.test_cli_runner().invoke(args=["set-budget", "GEN", str(year), amount])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # a message, not a traceback
    assert "AMOUNT" in result.output and "decimal amount" in result.output, result.output
    assert budget_amount(runtime, "GEN", year) == before
