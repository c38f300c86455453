"""A known dataset for the report tests, written row by row through `runtime.uow()` sessions.

No service is called: every delivery, trip, fuel log, maintenance record, avoided trip and
blocked submission is inserted as it would be stored, at a chosen moment, so that each test
can work out the expected figures by hand. The expected figures themselves live in the tests.

Beside the HTTP tests on SQLite; tests/integration/test_reports_pg.py takes it from here.

Times are given in the office's zone (Asia/Shanghai, UTC+8, no daylight saving).

The supply set (`supply_dataset`), period 2026-Q3 against 2025-Q3. Departments: GEN (12
people), FIN (6), LOG (8); 26 in all. Amount = quantity x unit price.

    in 2026-Q3
    C1 GEN paper     ream  50 x  24.00 = 1200.00  2026-07-15 10:00
    C2 GEN paper     box    4 x 130.00 =  520.00  2026-08-10 10:00  green        (4 boxes = 20 reams)
    C3 GEN toner     piece  1 x 160.00 =  160.00  2026-09-01 10:00  green, swapped from TON-88A-N
    C4 FIN toner     piece  2 x 420.00 =  840.00  2026-09-30 23:30  (15:30 UTC: still Q3 in the office)
    C5 LOG tableware pack  10 x   9.00 =   90.00  2026-07-01 00:30  single-use   (2026-06-30 16:30 UTC)
    C6 FIN paper     ream  10 x  26.00 =  260.00  2026-08-20 10:00  green, swapped from PAP-A4-V
    not in 2026-Q3
    X1 FIN toner     piece  1 x 160.00 =  160.00  2026-10-01 00:30  green (2026-09-30 16:30 UTC: Q4 in the office)
    in 2025-Q3 (the baseline)
    B1 GEN paper     ream  60 x  24.00 = 1440.00  2025-07-20 10:00
    B2 FIN toner     piece  3 x 420.00 = 1260.00  2025-08-05 10:00
    B3 LOG tableware pack  20 x   9.00 =  180.00  2025-09-12 10:00  single-use
    B4 FIN paper     box    2 x 120.00 =  240.00  2025-08-01 00:30  (2025-07-31 16:30 UTC: August in the office)

    lines with swapped_from_item_id (the swapped value is line quantity x unit price):
    C3 (request submitted 2026-08-28) 160.00, C6 (submitted 2026-08-13) 260.00,
    S1 LOG cleaning pack 3 x 32.00 = 96.00, submitted 2026-09-15, not delivered;
    S2 GEN paper ream 5 x 26.00 = 130.00, submitted 2026-10-02 (not Q3);
    S3 GEN paper ream 7 x 26.00 = 182.00, a draft never submitted.

    submit_blocked audit events on supply requests:
    K1 (GEN draft) 2026-07-05 total 500.00, then 2026-07-06 total 450.00
    K2 (FIN draft) 2026-08-15 total 1200.00
    K3 (GEN draft) 2026-10-03 total 999.00 (not Q3)

The fleet set (`fleet_dataset`), period 2025-Q3 against 2024-Q3: the demo fleet's year of
trips ends today and starts a year ago, so these quarters hold only the rows below.

    vehicles: V1 晋A·R5001 petrol, V2 晋A·R5002 electric, V3 晋A·R5003 diesel
    trips (arrival in office time; km = arrive - depart odometer; departments of the
    requests it served, in order):
    T1 V1 2025-07-10 12:00 10000.0->10120.0 = 120.0 km 10.80 L   fuel 86.40 tolls 30 parking 10       GEN
    T2 V1 2025-08-12 12:00 10120.0->10200.0 =  80.0 km  9.60 L   fuel 76.80 tolls  0 parking  5 anomaly FIN, GEN
    T3 V1 2025-09-30 23:30 10200.0->10250.0 =  50.0 km  4.00 L   fuel 32.00                            GEN
    T4 V1 2025-10-01 00:30 10250.0->10300.0 =  50.0 km  5.00 L   fuel 40.00 tolls 20  (not Q3)         GEN
    T5 V2 2025-07-20 12:00  5000.0->5060.0  =  60.0 km  9.00 kWh fuel  7.20 tolls  0 parking 10       LOG
    T6 V2 2025-09-05 12:00  5060.0->5100.0  =  40.0 km  6.40 kWh fuel  5.12 tolls 15 parking  0       GEN
    T7 V1 2024-08-15 12:00  9000.0->9200.0  = 200.0 km 18.00 L   fuel 144.00 tolls 20 (baseline)       GEN
    fuel logs: V1 2025-07-11 09:00 30 L 240.00; V1 2025-09-30 23:50 20 L 160.00;
               V1 2025-10-01 00:10 25 L 200.00 (not Q3); V2 2025-09-06 20 kWh 16.00;
               V3 2025-07-26 40 L 308.00; V1 2024-08-16 40 L 320.00 (baseline)
    maintenance: V1 2025-08-01 600.00; V1 2025-10-01 999.00 (not Q3); V1 2025-06-30 888.00 (not Q3);
                 V2 2025-09-10 300.00; V3 2025-07-25 450.00; V1 2024-09-01 500.00 (baseline)
    avoided trips (one-way distance): A1 GEN 2.5 km walk 2025-07-03; A2 FIN 12.0 km bus 2025-08-08;
                 A3 GEN 3.25 km bus 2025-09-30 23:00; A4 GEN 10.0 km bus 2025-10-01 00:30 (not Q3)
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from workflow.kernel import clock
from workflow.kernel.audit import AuditEvent
from workflow.people.accounts import Department, User
from workflow.procurement.catalog import CatalogItem
from workflow.procurement.model import SupplyLine, SupplyRequest
from workflow.procurement.model import Delivery, PurchaseOrder
from workflow.vehicles.fleet import Driver, FuelLog, MaintenanceRecord, Vehicle
from workflow.vehicles.model import AvoidedTrip, Trip, TripRequest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def office(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware moment in the office's zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def office_today() -> dt.date:
    return clock.today(SHANGHAI)


class ReportData:
    """Inserts report rows directly; each method is one committed unit of work and returns the new id."""

    def __init__(self, runtime):
        self.runtime = runtime
        with runtime.uow() as uow:
            s = uow.session
            self.dept = dict(s.execute(select(Department.code, Department.id)).all())
            self.user = dict(s.execute(select(User.username, User.id)).all())
            self.item = dict(s.execute(select(CatalogItem.sku, CatalogItem.id)).all())
            self.driver_id = s.scalar(select(Driver.id).join(User, User.id == Driver.user_id)
                                      .where(User.username == "driver1"))
        self._po_id = None

    def _add(self, row):
        with self.runtime.uow() as uow:
            uow.session.add(row)
            uow.session.flush()
            new_id = row.id
            uow.commit()
        return new_id

    # ---- supplies ------------------------------------------------------------------------

    def request(self, dept: str, *, submitted_at: dt.datetime | None, status: str = "received",
                requester: str = "staff1", total: str = "0.00") -> int:
        created = (submitted_at or office(2026, 1, 1)) - dt.timedelta(days=1)
        return self._add(SupplyRequest(
            requester_id=self.user[requester], department_id=self.dept[dept], purpose="Report test data",
            status=status, version=1, total=Decimal(total), budget_year=created.year, created_at=created,
            updated_at=created, status_changed_at=created, submitted_at=submitted_at))

    def line(self, request_id: int, category: str, unit: str, quantity: str, price: str, *, green: bool = False,
             single_use: bool = False, swapped_from: str | None = None) -> int:
        return self._add(SupplyLine(
            request_id=request_id, position=1, description=f"{category} by the {unit}", category=category, unit=unit,
            unit_price=Decimal(price), quantity=Decimal(quantity), attributes={"single_use": single_use},
            swapped_from_item_id=self.item[swapped_from] if swapped_from else None, green=green,
            single_use=single_use))

    def _purchase_order(self) -> int:
        if self._po_id is None:
            self._po_id = self._add(PurchaseOrder(supplier="Report test supplier", status="received",
                                                  total=Decimal("0.00"), created_by_id=self.user["buyer"],
                                                  created_at=office(2024, 1, 1)))
        return self._po_id

    def deliver(self, line_id: int, quantity: str, price: str, at: dt.datetime) -> int:
        amount = (Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"))
        return self._add(Delivery(purchase_order_id=self._purchase_order(), line_id=line_id,
                                  quantity=Decimal(quantity), unit_price=Decimal(price), amount=amount,
                                  received_by_id=self.user["buyer"], received_at=at))

    def purchase(self, dept: str, category: str, unit: str, quantity: str, price: str, received_at: dt.datetime, *,
                 green: bool = False, single_use: bool = False, swapped_from: str | None = None,
                 submitted_at: dt.datetime | None = None) -> int:
        """A submitted request with one line, delivered in full at `received_at`; returns the line id."""
        req = self.request(dept, submitted_at=submitted_at or received_at - dt.timedelta(days=7))
        line = self.line(req, category, unit, quantity, price, green=green, single_use=single_use,
                         swapped_from=swapped_from)
        self.deliver(line, quantity, price, received_at)
        return line

    def blocked(self, request_id: int, total: str, at: dt.datetime, actor: str = "staff1",
                action: str = "submit_blocked") -> int:
        """The audit line a refused submission leaves (`resubmit_blocked` when a returned request is resubmitted)."""
        return self._add(AuditEvent(entity_type="supply_request", entity_id=request_id, action=action,
                                    from_state="draft", to_state="draft", actor_id=self.user[actor],
                                    policy_version="2026.1", data={"total": total, "rules": ["GP-01"]},
                                    created_at=at))

    # ---- the fleet -----------------------------------------------------------------------

    def vehicle(self, plate: str, energy: str, norm: str, *, kind: str = "sedan", odometer: str = "0") -> int:
        return self._add(Vehicle(plate=plate, kind=kind, energy=energy, seats=4, norm_per_100km=Decimal(norm),
                                 range_km=400 if energy == "electric" else None, status="in_service",
                                 odometer_km=Decimal(odometer)))

    def trip(self, vehicle_id: int, depart_km: str, arrive_km: str, arrived_at: dt.datetime, energy_used: str,
             fuel_cost: str, *, tolls: str = "0.00", parking: str = "0.00", anomaly: bool = False,
             departments=("GEN",)) -> int:
        """A closed trip (booked 50 minutes before arrival to 5 after) serving one request per department."""
        km = Decimal(arrive_km) - Decimal(depart_km)
        trip_id = self._add(Trip(
            vehicle_id=vehicle_id, driver_id=self.driver_id, starts_at=arrived_at - dt.timedelta(minutes=50),
            ends_at=arrived_at + dt.timedelta(minutes=5), active=True, status="closed",
            depart_odometer_km=Decimal(depart_km), arrive_odometer_km=Decimal(arrive_km),
            departed_at=arrived_at - dt.timedelta(minutes=45), arrived_at=arrived_at,
            energy_used=Decimal(energy_used), fuel_cost=Decimal(fuel_cost), tolls=Decimal(tolls),
            parking=Decimal(parking), per_100km=(Decimal(energy_used) * 100 / km).quantize(Decimal("0.01")),
            fuel_anomaly=anomaly, closed_at=arrived_at + dt.timedelta(hours=1),
            created_at=arrived_at - dt.timedelta(days=1)))
        for dept in departments:
            self._add(TripRequest(
                requester_id=self.user["staff1"], department_id=self.dept[dept], purpose_category="meeting",
                purpose="Report test trip", origin="Office", destination="County Finance Bureau",
                distance_km=(km / 2).quantize(Decimal("0.01")), passengers=1, cargo="",
                depart_at=arrived_at - dt.timedelta(minutes=45), return_at=arrived_at, status="closed", version=6,
                policy_version="2026.1", findings=[], trip_id=trip_id, created_at=arrived_at - dt.timedelta(days=1),
                updated_at=arrived_at, status_changed_at=arrived_at))
        return trip_id

    def fuel_log(self, vehicle_id: int, filled_at: dt.datetime, quantity: str, cost: str) -> int:
        return self._add(FuelLog(vehicle_id=vehicle_id, filled_at=filled_at, quantity=Decimal(quantity),
                                 cost=Decimal(cost), recorded_by_id=self.user["fleet"]))

    def maintenance(self, vehicle_id: int, performed_on: dt.date, cost: str) -> int:
        return self._add(MaintenanceRecord(vehicle_id=vehicle_id, performed_on=performed_on, kind="routine",
                                           description="Service", cost=Decimal(cost),
                                           recorded_by_id=self.user["fleet"]))

    def avoided(self, dept: str, distance_km: str, mode: str, at: dt.datetime) -> int:
        return self._add(AvoidedTrip(requester_id=self.user["staff1"], department_id=self.dept[dept],
                                     purpose_category="meeting", destination="Nearby office",
                                     distance_km=Decimal(distance_km), suggested_mode=mode, policy_version="2026.1",
                                     created_at=at, destination_key="nearby office",
                                     trip_day=at.astimezone(SHANGHAI).date()))


# ---- the datasets described in the module docstring ------------------------------------------

def supply_dataset(runtime) -> SimpleNamespace:
    d = ReportData(runtime)
    lines = SimpleNamespace(
        C1=d.purchase("GEN", "paper", "ream", "50", "24.00", office(2026, 7, 15)),
        C2=d.purchase("GEN", "paper", "box", "4", "130.00", office(2026, 8, 10), green=True),
        C3=d.purchase("GEN", "toner", "piece", "1", "160.00", office(2026, 9, 1), green=True,
                      swapped_from="TON-88A-N", submitted_at=office(2026, 8, 28)),
        C4=d.purchase("FIN", "toner", "piece", "2", "420.00", office(2026, 9, 30, 23, 30)),
        C5=d.purchase("LOG", "tableware", "pack", "10", "9.00", office(2026, 7, 1, 0, 30), single_use=True),
        C6=d.purchase("FIN", "paper", "ream", "10", "26.00", office(2026, 8, 20), green=True,
                      swapped_from="PAP-A4-V", submitted_at=office(2026, 8, 13)),
        X1=d.purchase("FIN", "toner", "piece", "1", "160.00", office(2026, 10, 1, 0, 30), green=True),
        B1=d.purchase("GEN", "paper", "ream", "60", "24.00", office(2025, 7, 20)),
        B2=d.purchase("FIN", "toner", "piece", "3", "420.00", office(2025, 8, 5)),
        B3=d.purchase("LOG", "tableware", "pack", "20", "9.00", office(2025, 9, 12), single_use=True),
        B4=d.purchase("FIN", "paper", "box", "2", "120.00", office(2025, 8, 1, 0, 30)),
    )
    # Swapped lines not delivered (S1), submitted after the quarter (S2), never submitted (S3).
    d.line(d.request("LOG", submitted_at=office(2026, 9, 15), status="approved"), "cleaning", "pack", "3", "32.00",
           green=True, single_use=True, swapped_from="CLN-BAG-P")
    d.line(d.request("GEN", submitted_at=office(2026, 10, 2), status="dept_review"), "paper", "ream", "5", "26.00",
           green=True, swapped_from="PAP-A4-V")
    d.line(d.request("GEN", submitted_at=None, status="draft"), "paper", "ream", "7", "26.00", green=True,
           swapped_from="PAP-A4-V")
    # Blocked submissions: K1 twice (the later total counts), K2 once, K3 after the quarter.
    k1 = d.request("GEN", submitted_at=None, status="draft", total="450.00")
    k2 = d.request("FIN", submitted_at=None, status="draft", total="1200.00", requester="staff2")
    k3 = d.request("GEN", submitted_at=None, status="draft", total="999.00")
    d.blocked(k1, "500.00", office(2026, 7, 5))
    d.blocked(k1, "450.00", office(2026, 7, 6))
    d.blocked(k2, "1200.00", office(2026, 8, 15), actor="staff2")
    d.blocked(k3, "999.00", office(2026, 10, 3))
    return SimpleNamespace(data=d, lines=lines, blocked=(k1, k2, k3))


FLEET_PLATES = ("晋A·R5001", "晋A·R5002", "晋A·R5003")


def fleet_dataset(runtime) -> SimpleNamespace:
    d = ReportData(runtime)
    v1 = d.vehicle("晋A·R5001", "petrol", "8.00", odometer="10300")
    v2 = d.vehicle("晋A·R5002", "electric", "15.00", odometer="5100")
    v3 = d.vehicle("晋A·R5003", "diesel", "10.00", kind="van")
    d.trip(v1, "10000.0", "10120.0", office(2025, 7, 10, 12), "10.80", "86.40", tolls="30.00", parking="10.00")
    d.trip(v1, "10120.0", "10200.0", office(2025, 8, 12, 12), "9.60", "76.80", parking="5.00", anomaly=True,
           departments=("FIN", "GEN"))
    d.trip(v1, "10200.0", "10250.0", office(2025, 9, 30, 23, 30), "4.00", "32.00")
    d.trip(v1, "10250.0", "10300.0", office(2025, 10, 1, 0, 30), "5.00", "40.00", tolls="20.00")
    d.trip(v2, "5000.0", "5060.0", office(2025, 7, 20, 12), "9.00", "7.20", parking="10.00", departments=("LOG",))
    d.trip(v2, "5060.0", "5100.0", office(2025, 9, 5, 12), "6.40", "5.12", tolls="15.00")
    d.trip(v1, "9000.0", "9200.0", office(2024, 8, 15, 12), "18.00", "144.00", tolls="20.00")
    d.fuel_log(v1, office(2025, 7, 11, 9), "30.00", "240.00")
    d.fuel_log(v1, office(2025, 9, 30, 23, 50), "20.00", "160.00")
    d.fuel_log(v1, office(2025, 10, 1, 0, 10), "25.00", "200.00")
    d.fuel_log(v2, office(2025, 9, 6, 12), "20.00", "16.00")
    d.fuel_log(v3, office(2025, 7, 26, 12), "40.00", "308.00")
    d.fuel_log(v1, office(2024, 8, 16, 12), "40.00", "320.00")
    d.maintenance(v1, dt.date(2025, 8, 1), "600.00")
    d.maintenance(v1, dt.date(2025, 10, 1), "999.00")
    d.maintenance(v1, dt.date(2025, 6, 30), "888.00")
    d.maintenance(v2, dt.date(2025, 9, 10), "300.00")
    d.maintenance(v3, dt.date(2025, 7, 25), "450.00")
    d.maintenance(v1, dt.date(2024, 9, 1), "500.00")
    d.avoided("GEN", "2.5", "walk", office(2025, 7, 3))
    d.avoided("FIN", "12.0", "bus", office(2025, 8, 8))
    d.avoided("GEN", "3.25", "bus", office(2025, 9, 30, 23))
    d.avoided("GEN", "10.0", "bus", office(2025, 10, 1, 0, 30))
    return SimpleNamespace(data=d, vehicles=(v1, v2, v3))


def target_dataset(runtime, year: int) -> ReportData:
    """Paper bought on 1 January of `year` (52 reams x 20.00) and of the year before (39 reams x 32.00)."""
    d = ReportData(runtime)
    d.purchase("GEN", "paper", "ream", "52", "20.00", office(year, 1, 1, 9))
    d.purchase("FIN", "paper", "ream", "39", "32.00", office(year - 1, 1, 1, 9))
    return d


# ---- comparing answers with hand-computed figures ----------------------------------------------

MISSING = "<missing>"


def _norm(key: str, value):
    """Percentages compare as exact text (one decimal); other figures as numbers; None stays None."""
    if value is None or isinstance(value, bool) or value is MISSING:
        return value
    if key.endswith("_pct"):
        return str(value)
    return Decimal(str(value))


def figures(row: dict, expected: dict) -> None:
    """Assert the row's figures equal the expected ones (written as text in the tests)."""
    got = {k: _norm(k, row[k] if k in row else MISSING) for k in expected}
    want = {k: _norm(k, v) for k, v in expected.items()}
    assert got == want


def groups(report: dict) -> dict:
    return {g["key"]: g for g in report["groups"]}


def error_fields(body: dict) -> set[str]:
    """The field names an error answer names (webargs prefixes query fields with 'query.')."""
    return {k.split(".")[-1] for k in (body or {}).get("errors", {})}
