"""Administrators change policy parameters as new versions; evaluations record the version in force."""
import pytest

from workflow.runtime import process as runtime_module


@pytest.fixture(autouse=True)
def recheck_at_once(monkeypatch):
    monkeypatch.setattr(runtime_module, "POLICY_RECHECK_SECONDS", 0.0)


def test_a_new_version_changes_the_threshold_and_is_recorded_on_submission(client):
    body = {"version": "2026.2-county", "note": "Higher threshold",
            "overrides": {"procurement": {"second_level_threshold": "1000.00"}}}
    assert client.post("staff1", "/api/v1/policy/versions", body)[0] == 403
    status, doc = client.post("admin", "/api/v1/policy/versions", body)
    assert status == 201 and doc["version"] == "2026.2-county", doc
    assert doc["document"]["procurement"]["second_level_threshold"] == "1000.00"
    assert client.get("staff1", "/api/v1/policy/document")[1]["version"] == "2026.2-county"
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Mugs", "lines": [{"item_id": client.item_id("TAB-CUP-C"), "quantity": "100"}]})  # 1,200 CNY
    status, req = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert req["policy_version"] == "2026.2-county" and req["needs_office_review"] is True
    assert [v["version"] for v in client.get("admin", "/api/v1/policy/versions")[1]] == ["2026.2-county"]


@pytest.mark.parametrize("overrides, field", [
    ({"procurement": {"outcomes": {"GP-PAPER": "maybe"}}}, "overrides"),
    ({"colour": "green"}, "overrides"),
])
def test_an_invalid_override_is_refused_and_nothing_changes(client, overrides, field):
    status, err = client.post("admin", "/api/v1/policy/versions", {"version": "bad-1", "overrides": overrides})
    assert status == 422 and field in err["errors"], err
    assert client.get("admin", "/api/v1/policy/document")[1]["version"] == "2026.1"
    assert client.get("admin", "/api/v1/policy/versions")[1] == []


def test_a_version_name_is_used_once(client):
    body = {"version": "v2", "overrides": {"procurement": {"max_energy_grade": 3}}}
    assert client.post("admin", "/api/v1/policy/versions", body)[0] == 201
    assert client.post("admin", "/api/v1/policy/versions", body)[0] == 409
