"""Finance's dashboard and the administrator's pages in a real browser."""
from __future__ import annotations

from openpyxl import load_workbook
from playwright.sync_api import expect


def test_finance_opens_the_dashboard_sees_the_charts_and_downloads_the_xlsx(open_as, tmp_path):
    page = open_as("finance")
    expect(page.locator("h1")).to_contain_text("Finance dashboard")
    # ECharts draws into canvases: at least the spend chart is drawn.
    expect(page.locator("canvas").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download XLSX").first.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith(".xlsx")
    sheet = load_workbook(path).worksheets[0]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "Period / 期间" in text and "CNY" in text


def test_an_administrator_adds_a_common_destination(open_as, client):
    page = open_as("admin")
    page.goto(page.url.split("/app")[0] + "/app/admin/destinations")
    page.get_by_label("Name", exact=True).fill("County Archives")
    page.locator("#new-distance_km").fill("2.4")
    page.get_by_role("button", name="Add destination").click()
    names = [d["name"] for d in client.get("staff1", "/api/v1/destinations")[1]]
    assert "County Archives" in names


def test_staff_are_kept_out_of_finance_and_administration(open_as):
    page = open_as("staff1")
    base = page.url.split("/app")[0]
    for path in ("/app/finance", "/app/admin", "/app/admin/users"):
        response = page.goto(base + path)
        assert response.status == 403, path
