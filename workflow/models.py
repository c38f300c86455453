"""Every mapped table, imported in one place so the metadata (and Alembic) sees them all."""
from .audit import AuditEvent
from .budget import Budget
from .catalog import CatalogItem
from .db import Base
from .delegation import Delegation
from .fleet import Driver, FuelLog, MaintenanceRecord, Vehicle
from .office_calendar import CalendarYear, OfficeDay
from .notifications import DepartmentWebhook, Message, Notification, Preference
from .outbox import OutboxEvent
from .people import ApiToken, Department, User, WebSession
from .policy_store import PolicyVersion
from .purchasing import Delivery, PurchaseOrder
from .snapshots import ReportSnapshot
from .supply import SupplyFinding, SupplyLine, SupplyRequest
from .targets import ReductionTarget
from .trips import AvoidedTrip, CommonDestination, Trip, TripRequest

metadata = Base.metadata

__all__ = ["AuditEvent", "Budget", "CatalogItem", "OutboxEvent", "ApiToken", "Department", "User",
           "Delivery", "PurchaseOrder", "SupplyFinding", "SupplyLine", "SupplyRequest", "Driver", "FuelLog",
           "MaintenanceRecord", "Vehicle", "AvoidedTrip", "CommonDestination", "Trip", "TripRequest", "DepartmentWebhook", "Message", "Notification", "Preference", "Delegation", "ReportSnapshot", "ReductionTarget", "WebSession", "PolicyVersion", "OfficeDay",
           "CalendarYear", "metadata"]
