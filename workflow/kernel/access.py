"""Who is acting, and what their role lets them see and do."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("staff", "dept_head", "logistics", "procurement", "fleet", "driver", "finance", "admin")
# Roles that read every request in the office (second-level approver, buyer, finance, admin).
OFFICE_WIDE_READERS = frozenset({"logistics", "procurement", "finance", "admin"})


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    role: str
    department_id: int | None
    language: str = "en"
    # When acting for someone else (delegation, issue 4) this is that person's id.
    on_behalf_of_id: int | None = None

    def is_(self, *roles: str) -> bool:
        return self.role in roles


def visible(stmt, model, actor: Actor, readers=OFFICE_WIDE_READERS):
    """Narrow a query of requests to what the actor may see: their own; a head, the department's."""
    if actor.role == "dept_head":
        return stmt.where((model.department_id == actor.department_id) | (model.requester_id == actor.id))
    if actor.role not in readers:
        return stmt.where(model.requester_id == actor.id)
    return stmt


# The command line's and the demo seed's actor: an administrator that is no one's account.
SYSTEM = Actor(id=0, username="system", role="admin", department_id=None)
