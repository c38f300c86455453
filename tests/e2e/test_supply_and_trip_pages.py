"""The staff and approver pages in a real browser: rules explained, one-click swap, approval, 1-3-5."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_staff_sees_the_paper_rule_swaps_to_recycled_with_one_click_and_submits(open_as, client):
    page = open_as("staff1")
    page.goto(page.url.split("/app")[0] + "/app/supply/new")
    page.locator("#purpose").fill("Copy paper for the year-end reports")
    virgin = str(client.item_id("PAP-A4-V"))
    recycled = str(client.item_id("PAP-A4-R"))
    page.locator("#item-0").select_option(virgin)
    page.locator("#qty-0").fill("5")
    page.locator("#qty-0").dispatch_event("change")
    feedback = page.locator("li.line").first.locator(".feedback")
    expect(feedback).to_contain_text("GP-PAPER")
    feedback.locator("button.swap").first.click()
    expect(page.locator("#item-0")).to_have_value(recycled)
    expect(feedback).not_to_contain_text("GP-PAPER")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("h1")).to_contain_text("SR-")
    expect(page.locator("h1 .status")).to_have_text(re.compile("dept_review|Department review"))
    status, mine = client.get("staff1", "/api/v1/supply-requests")
    assert mine[0]["status"] == "dept_review"
    assert mine[0]["lines"][0]["item_id"] == int(recycled)
    assert mine[0]["lines"][0]["swapped_from_item_id"] == int(virgin)


def test_department_head_approves_from_the_queue(open_as, client):
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "20"}]})
    client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    page = open_as("head1")
    expect(page.locator("table")).to_contain_text(req["number"])
    page.get_by_role("link", name=req["number"]).click()
    page.locator("#comment").fill("Fine")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("h1 .status")).to_have_text(re.compile("approved", re.I))
    status, done = client.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert done["status"] == "approved"


def test_bulk_approval_reports_each_item(open_as, client):
    numbers = []
    for n in range(2):
        status, req = client.post("staff1", "/api/v1/supply-requests", {
            "purpose": f"Pens {n}", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "2"}]})
        client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
        numbers.append(req["number"])
    page = open_as("head1")
    for number in numbers:
        page.get_by_label(f"Select {number}").check()
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Approve selected").click()
    for number in numbers:
        expect(page.locator("ul.results")).to_contain_text(number)
    assert all(client.get("staff1", "/api/v1/supply-requests")[1][i]["status"] == "approved" for i in range(2))


def test_a_trip_under_one_kilometre_is_refused_with_the_walking_advice_in_chinese(open_as, client):
    page = open_as("staff1", locale="zh-CN")  # staff1 reads Chinese
    page.goto(page.url.split("/app")[0] + "/app/trips/new")
    page.locator("#purpose").fill("送文件")
    page.locator("#destination_id").select_option(label="县人大常委会 (0.80 km)")
    expect(page.locator("#distance_km")).to_have_value("0.80")
    expect(page.locator("#green-advice")).not_to_be_empty()
    page.locator("#depart_at").fill("2030-01-07T09:00")
    page.locator("#return_at").fill("2030-01-07T10:00")
    page.locator("#trip-form button[type=submit]").click()
    finding = page.locator("li.finding.block")
    expect(finding).to_contain_text("VU-135")
    expect(finding).to_contain_text("步行")
