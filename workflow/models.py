"""Every mapped table, imported in one place so the metadata (and Alembic) sees them all."""
from workflow.kernel.audit import AuditEvent
from workflow.kernel.db import Base
from workflow.kernel.office_calendar import CalendarYear, OfficeDay
from workflow.kernel.outbox import OutboxEvent
from workflow.kernel.policy_versions import PolicyVersion
from workflow.notifications.notices import DepartmentWebhook, Message, Notification, Preference
from workflow.people.accounts import ApiToken, Department, User, WebSession
from workflow.people.delegation import Delegation
from workflow.procurement.budget import Budget
from workflow.procurement.catalog import CatalogItem
from workflow.procurement.model import SupplyFinding, SupplyLine, SupplyRequest
from workflow.procurement.model import Delivery, PurchaseOrder
from workflow.reporting.snapshots import ReportSnapshot
from workflow.reporting.targets import ReductionTarget
from workflow.vehicles.fleet import Driver, FuelLog, MaintenanceRecord, Vehicle
from workflow.vehicles.model import AvoidedTrip, CommonDestination, Trip, TripRequest

metadata = Base.metadata

__all__ = ["AuditEvent", "Budget", "CatalogItem", "OutboxEvent", "ApiToken", "Department", "User",
           "Delivery", "PurchaseOrder", "SupplyFinding", "SupplyLine", "SupplyRequest", "Driver", "FuelLog",
           "MaintenanceRecord", "Vehicle", "AvoidedTrip", "CommonDestination", "Trip", "TripRequest", "DepartmentWebhook", "Message", "Notification", "Preference", "Delegation", "ReportSnapshot", "ReductionTarget", "WebSession", "PolicyVersion", "OfficeDay",
           "CalendarYear", "metadata"]
