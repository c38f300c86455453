import json, requests
def test_probe(http, live, pg_app):
    c = http
    t = c.token("staff1")
    h = {"Authorization": f"Bearer {t}", "Content-Type": "application/json"}
    r = requests.post(live.url + "/api/v1/supply-requests", data=b'{"purpose": "x", "lines": [', headers=h)
    print("MALFORMED", r.status_code, r.headers.get("content-type"), r.text)
    big = json.dumps({"purpose": "x" * (2 * 1024 * 1024), "lines": []}).encode()
    try:
        r = requests.post(live.url + "/api/v1/supply-requests", data=big, headers=h)
        print("BIG", r.status_code, r.headers.get("content-type"), r.text)
    except Exception as e:
        print("BIG EXC", repr(e))
    pen = c.item_id("STA-PEN-G"); ream = c.item_id("PAP-A4-R")
    for body in [
        {"purpose": "p", "lines": [{"item_id": pen, "quantity": "0"}]},
        {"purpose": "p", "lines": [{"item_id": ream, "quantity": "1.5"}]},
        {"purpose": "p", "lines": [{"description": "d", "category": "paper", "unit": "ream", "unit_price": "abc", "quantity": "1"}]},
        {"purpose": "p", "lines": [{"item_id": 999999, "quantity": "1"}]},
        {"purpose": "p", "colour": "red", "lines": [{"item_id": pen, "quantity": "1"}]},
        {"purpose": "p", "lines": [{"item_id": pen, "quantity": "1", "colour": "x"}]},
        {"purpose": "p" * 10000, "lines": [{"item_id": pen, "quantity": "1"}]},
    ]:
        print("CASE", c.post("staff1", "/api/v1/supply-requests", body))
    s, req = c.post("staff1", "/api/v1/supply-requests", {"purpose": "p", "lines": [{"item_id": pen, "quantity": "1"}]})
    print(c.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {}))
    print(c.patch("staff1", f"/api/v1/supply-requests/{req['id']}", {"purpose": "q"}))
    print(c.post("head1", f"/api/v1/supply-requests/{req['id']}/actions/approve", {"version": 1}))
    print(c.call(None, "GET", "/api/v1/supply-requests"))
    print(c.call("staff1", "GET", "/api/v1/auth/tokens"))
    assert 0
