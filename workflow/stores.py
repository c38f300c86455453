"""Every aggregate's store, in one list: importing this module puts each one on the unit of work.

A service reaches its aggregate as `uow.<name>` (`@UnitOfWork.store("<name>")` in the store's
module) and never imports the store for that; the process that builds units of work
(runtime/process.py) imports this module once. A new store is one line here.
"""
from workflow.kernel import office_calendar  # noqa: F401 - uow.calendar
from workflow.people import store as people  # noqa: F401 - uow.delegations
from workflow.procurement import store as procurement  # noqa: F401 - uow.supply_requests
from workflow.procurement import stores as procurement_stores  # noqa: F401 - uow.budgets, uow.catalog, uow.purchase_orders
from workflow.vehicles import store as vehicles  # noqa: F401 - uow.trip_requests
