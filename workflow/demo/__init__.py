"""Demo data: departments, users, catalog, budgets, a fleet with a year of trips, two years of purchasing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

# Names, not modules: this package's own people and catalog modules would shadow workflow's.
from workflow.kernel.access import SYSTEM
from workflow.kernel.office_calendar import set_day
from workflow.people.accounts import create_department, create_user
from workflow.procurement.budget import set_budget
from workflow.procurement.catalog import import_items
from .catalog import demo_catalog
from .fleet import seed_fleet
from .people import DEMO_DEPARTMENTS, DEMO_USERS
from .supply import seed_supply_history

BUDGET = Decimal("60000.00")

__all__ = ["DEMO_DEPARTMENTS", "DEMO_USERS", "demo_catalog", "demo_office_day", "seed_demo"]


def seed_demo(new_uow, password: str, year: int, supply_history: bool = True) -> bool:
    """Departments, users, catalog and budgets; False (and nothing done) when already seeded.

    `new_uow()` gives each step its own unit of work.
    """
    uow = new_uow()
    with uow:
        if uow.users.id_of("admin"):
            return False
    ids = {}
    for code, name, name_zh, headcount in DEMO_DEPARTMENTS:
        ids[code] = create_department(code, name, name_zh, headcount, new_uow())
    for username, role, dep, full_name, lang in DEMO_USERS:
        create_user(username, password, role, new_uow(), department_code=dep, full_name=full_name,
                    email=f"{username}@jieyue.local", language=lang)
    import_items(demo_catalog(), new_uow())
    for dep_id in ids.values():
        set_budget(dep_id, year, BUDGET, SYSTEM, new_uow())
    uow = new_uow()
    today = uow.today()
    seed_fleet(uow, today)
    if supply_history:  # tests start with no spend, so their figures are theirs alone
        seed_supply_history(new_uow(), today)
    return True


def demo_office_day(new_uow) -> None:
    """The demo office closes for its year-end stocktaking: one entry on the working-calendar page."""
    uow = new_uow()
    with uow:
        admin = uow.users.by_username("admin").as_actor()
    set_day(dt.date(uow.today().year, 12, 31), False, "Year-end stocktaking (demo)", admin, new_uow())
