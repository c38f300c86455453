"""Signed links in approval e-mails: a confirmation page on GET, the action on POST, once, until expiry."""
import datetime as dt

from sqlalchemy import select

from workflow.approvals import action_links
from workflow.kernel.db import utcnow
from workflow.people.accounts import User
from workflow.procurement.supply_requests import SupplyRequest


def _submitted(client):
    status, req = client.post("staff1", "/api/v1/supply-requests", {
        "purpose": "Pens", "lines": [{"item_id": client.item_id("STA-PEN-G"), "quantity": "10"}]})
    status, req = client.post("staff1", f"/api/v1/supply-requests/{req['id']}/actions/submit", {"version": 1})
    assert req["status"] == "dept_review"
    return req


def _link(app, runtime, req, user="head1", action="approve", now=None, version=None):
    with runtime.uow() as uow:
        uid = uow.session.scalar(select(User.id).where(User.username == user))
    return "/act/" + action_links.make(app.config["SECRET_KEY"], kind="supply_request", item_id=req["id"],
                                       version=version or req["version"], user_id=uid, action=action,
                                       now=now or utcnow())


def _status(runtime, req_id):
    with runtime.uow() as uow:
        return uow.session.scalar(select(SupplyRequest.status).where(SupplyRequest.id == req_id))


def test_opening_the_link_changes_nothing_and_the_confirmation_approves_once(app, client, runtime):
    req = _submitted(client)
    web = app.test_client()
    link = _link(app, runtime, req)
    page = web.get(link)
    assert page.status_code == 200 and req["number"] in page.get_data(as_text=True)
    assert "<form method=\"post\">" in page.get_data(as_text=True)
    assert _status(runtime, req["id"]) == "dept_review"  # a GET never acts
    done = web.post(link, data={"comment": "ok"})
    assert done.status_code == 200 and _status(runtime, req["id"]) == "approved"
    again = web.post(link, data={})
    assert again.status_code == 409 and _status(runtime, req["id"]) == "approved"
    status, history = client.get("staff1", f"/api/v1/supply-requests/{req['id']}/history")
    assert [e["action"] for e in history].count("approve") == 1 and history[-1]["actor"] == "head1"


def test_an_altered_or_expired_link_is_refused(app, client, runtime):
    req = _submitted(client)
    web = app.test_client()
    link = _link(app, runtime, req)
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert web.get(tampered).status_code == 403
    assert web.post(tampered).status_code == 403
    old = _link(app, runtime, req, now=utcnow() - action_links.LIFETIME - dt.timedelta(minutes=1))
    assert web.post(old).status_code == 403
    assert _status(runtime, req["id"]) == "dept_review"


def test_a_link_for_someone_not_entitled_does_not_act(app, client, runtime):
    req = _submitted(client)
    web = app.test_client()
    assert web.post(_link(app, runtime, req, user="head2")).status_code in (403, 404)
    assert _status(runtime, req["id"]) == "dept_review"


def test_return_by_link_needs_a_comment(app, client, runtime):
    req = _submitted(client)
    web = app.test_client()
    link = _link(app, runtime, req, action="return")
    assert web.post(link, data={"comment": ""}).status_code == 422
    assert _status(runtime, req["id"]) == "dept_review"
    assert web.post(link, data={"comment": "Fewer, please"}).status_code == 200
    assert _status(runtime, req["id"]) == "returned"
