"""Every aggregate's store, in one list: importing this module puts each one on the unit of work.

A service reaches its aggregate as `uow.<name>` (`@UnitOfWork.store("<name>")` in the store's
module) and never imports the store for that; the process that builds units of work
(runtime/process.py) imports this module once. A new store is one line here.
"""
from workflow.kernel import office_calendar  # noqa: F401 - uow.calendar
from workflow.kernel import policy_versions  # noqa: F401 - uow.policy_versions
from workflow.notifications import store as notifications  # noqa: F401 - uow.messages, inbox, preferences, department_webhooks, outbox
from workflow.people import store as people  # noqa: F401 - uow.users, departments, api_tokens, web_sessions, delegations
from workflow.procurement import purchasing_store  # noqa: F401 - uow.budgets, catalog, purchase_orders
from workflow.procurement import store as procurement  # noqa: F401 - uow.supply_requests
from workflow.reporting import store as reporting  # noqa: F401 - uow.report_snapshots, reduction_targets
from workflow.vehicles import store as vehicles  # noqa: F401 - uow.trip_requests, trips, avoided_trips, vehicles, drivers, destinations
