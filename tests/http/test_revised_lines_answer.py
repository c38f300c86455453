"""The answer to a revision shows the new lines as stored: each with its id (schemathesis found nulls)."""
from __future__ import annotations


def test_revising_a_drafts_lines_answers_every_new_line_with_its_id(client):
    pens, paper = client.item_id("STA-PEN-G"), client.item_id("PAP-A4-R")
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": pens, "quantity": "2"}]})
    assert status == 201, req
    status, revised = client.patch("staff1", f"/api/v1/supply-requests/{req['id']}", {
        "version": req["version"], "lines": [{"item_id": paper, "quantity": "3"}, {"item_id": pens, "quantity": "1"}]})
    assert status == 200, revised
    ids = [line["id"] for line in revised["lines"]]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 2, revised["lines"]
    status, again = client.get("staff1", f"/api/v1/supply-requests/{req['id']}")
    assert [line["id"] for line in again["lines"]] == ids
