"""Issue 14.4: the services that save a webhook check its address with the resolver they are given.

The rule itself: tests/unit/test_safe_urls.py; over the API: tests/http/test_security_webhooks.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.unit.test_safe_urls import PUBLIC, resolver
from workflow.kernel.access import Actor
from workflow.notifications.notices import DepartmentWebhook, Preference, set_department_webhook, set_preferences
from workflow.people.accounts import Department, User


def _actor(uow, username: str) -> Actor:
    return uow.session.scalar(select(User).where(User.username == username)).as_actor()


def test_the_services_check_with_the_resolver_they_are_given(runtime):
    with runtime.uow() as uow:
        staff, boss = _actor(uow, "staff1"), _actor(uow, "admin")
        gen = uow.session.scalar(select(Department.id).where(Department.code == "GEN"))
    url = "https://robot.example.com/send"
    saved = set_preferences(staff, {"webhook": True, "webhook_url": url}, runtime.uow(), resolve=resolver([PUBLIC]))
    assert saved["webhook_url"] == url
    with pytest.raises(Exception) as refused:
        set_preferences(staff, {"webhook_url": url + "2"}, runtime.uow(), resolve=resolver(["10.9.9.9"]))
    assert getattr(refused.value, "code", None) == "unsafe_webhook_url"
    with pytest.raises(Exception) as refused:
        set_department_webhook(gen, url, boss, runtime.uow(), resolve=resolver([PUBLIC, "127.0.0.1"]))
    assert getattr(refused.value, "code", None) == "unsafe_webhook_url"
    with runtime.uow() as uow:
        assert uow.session.get(Preference, staff.id).webhook_url == url
        assert uow.session.get(DepartmentWebhook, gen) is None
