"""Each thing once: one demo seed, in workflow/demo, that a second run leaves as it was.

One outbox relay, one retry of failed messages, one role check for pages: tests/http/test_one_path_each.py.
"""
from __future__ import annotations

from sqlalchemy import select

from workflow.demo import DEMO_USERS, seed_demo


def test_the_demo_seed_lives_in_workflow_and_runs_once(runtime):
    # The template database was seeded by it; a second run changes nothing and says so.
    with runtime.uow() as uow:
        from workflow.people.accounts import User

        names = set(uow.session.scalars(select(User.username)))
    assert {u[0] for u in DEMO_USERS} <= names
    assert seed_demo(runtime.uow, "another-pass-1", 2026) is False
