"""Screenshots of the main pages at desktop and phone widths, into docs/screenshots/.

Run: `PYTHONPATH=. .venv/bin/python -m tests.e2e.screenshots` (needs Chromium; CJK fonts from
Debian's fonts-noto-cjk make the Chinese pages legible).
"""
from __future__ import annotations

import pathlib
import tempfile

from playwright.sync_api import sync_playwright

from tests import support
from tests.e2e.conftest import ARGS, CHROMIUM
from tests.http.trip_support import approved_trip, at

OUT = pathlib.Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _data(c):
    """A little of everything, so each page has something to show."""
    status, req = c.post("staff1", "/api/v1/supply-requests", {
        "purpose": "年终报告用纸", "lines": [{"item_id": c.item_id("PAP-A4-V"), "quantity": "10"}]})
    c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})  # blocked: findings
    for sku, qty in (("STA-PEN-G", "30"), ("LGT-T8-L", "12")):
        status, r = c.post("staff2", "/api/v1/supply-requests", {"purpose": "Office refit",
                                                                   "lines": [{"item_id": c.item_id(sku), "quantity": qty}]})
        c.post("staff2", f"/api/v1/supply-requests/{r['id']}/actions/submit", {"version": 1})
    status, r = c.post("staff1", "/api/v1/supply-requests", {"purpose": "Toner",
                                                               "lines": [{"item_id": c.item_id("TON-88A-R"), "quantity": "2"}]})
    status, r = c.post("staff1", f"/api/v1/supply-requests/{r['id']}/actions/submit", {"version": 1})
    c.post("head1", f"/api/v1/supply-requests/{r['id']}/actions/approve", {"version": r["version"]})
    today = approved_trip(c, depart_at=at(0, 0, 5), return_at=at(0, 23, 50))
    status, drivers = c.get("fleet", "/api/v1/drivers")
    status, cands = c.get("fleet", f"/api/v1/trip-requests/{today['id']}/candidates")
    c.post("fleet", f"/api/v1/trip-requests/{today['id']}/actions/dispatch",
           {"version": today["version"], "vehicle_id": cands["vehicles"][0]["id"],
            "driver_id": next(d["id"] for d in drivers if d["username"] == "driver1")})
    approved_trip(c, depart_at=at(1, 9), return_at=at(1, 12))
    return req


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp())
    app = support.make_app(support.sqlite_copy(support.sqlite_template(work), work))
    with app.app_context():  # the demo's two years of purchases, so the dashboard has figures
        from workflow.demo.supply import seed_supply_history

        runtime = app.extensions["jieyue"]
        seed_supply_history(runtime.uow(), runtime.uow().today())
    client = support.inprocess_client(app)
    req = _data(client)
    server = support.LiveServer(app)
    pages = [
        ("login", None, "/login"), ("supply-new", "staff1", "/app/supply/new"),
        ("supply-request", "staff1", f"/app/supply/{req['id']}"), ("my-requests", "staff1", "/app/requests"),
        ("trip-new", "staff1", "/app/trips/new"), ("queue", "head2", "/app/queue"),
        ("purchasing", "buyer", "/app/purchasing"), ("dispatch-board", "fleet", "/app/fleet"),
        ("vehicles", "fleet", "/app/fleet/vehicles"), ("finance", "finance", "/app/finance"),
        ("admin", "admin", "/app/admin"), ("admin-policy", "admin", "/app/admin/policy"),
    ]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for size, (width, height) in SIZES.items():
                for name, user, path in pages:
                    context = browser.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()
                    if user:
                        page.goto(server.url + "/login")
                        page.fill("#username", user)
                        page.fill("#password", support.PASSWORD)
                        page.locator("form button[type=submit]").last.click()
                        page.wait_for_url("**/app/**")
                    page.goto(server.url + path)
                    if name == "supply-new":
                        page.select_option("#item-0", str(client.item_id("PAP-A4-V")))
                        page.fill("#qty-0", "5")
                        page.dispatch_event("#qty-0", "change")
                        page.wait_for_selector(".feedback .finding")
                    if name == "trip-new":
                        page.select_option("#destination_id", index=1)
                    page.wait_for_timeout(600)  # charts and diagrams finish drawing
                    page.screenshot(path=str(OUT / f"{name}-{size}.png"), full_page=True)
                    context.close()
            # The driver's page is for phones.
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(server.url + "/login")
            page.fill("#username", "driver1")
            page.fill("#password", support.PASSWORD)
            page.locator("form button[type=submit]").last.click()
            page.goto(server.url + "/app/driver")
            page.screenshot(path=str(OUT / "driver-phone.png"), full_page=True)
            browser.close()
    finally:
        server.stop()
    print(f"screenshots in {OUT}: {len(list(OUT.glob('*.png')))}")


if __name__ == "__main__":
    main()
