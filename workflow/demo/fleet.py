"""Demo fleet: vehicles of every energy type, drivers, common destinations and a year of closed trips."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from workflow.kernel.access import Actor
from workflow.people.accounts import User
from workflow.vehicles.fleet import Driver, FuelLog, MaintenanceRecord, Vehicle
from workflow.vehicles.model import CommonDestination, Trip, TripRequest

VEHICLES = [  # plate, kind, energy, seats, norm per 100 km, range
    ("晋A·E1001", "sedan", "electric", 4, "14.50", 400),
    ("晋A·E1002", "suv", "electric", 4, "17.00", 480),
    ("晋A·H2001", "sedan", "hybrid", 4, "4.80", None),
    ("晋A·P3001", "sedan", "petrol", 4, "8.00", None),
    ("晋A·P3002", "suv", "petrol", 6, "10.50", None),
    ("晋A·D4001", "minibus", "diesel", 14, "12.00", None),
]
DESTINATIONS = [  # name, Chinese name, one-way km
    ("County People's Congress", "县人大常委会", "0.8"), ("County Finance Bureau", "县财政局", "2.2"),
    ("Development and Reform Bureau", "县发展和改革局", "4.1"), ("Xinzhuang Township Government", "辛庄乡人民政府", "18.5"),
    ("Dongshan Town Government", "东山镇人民政府", "26.0"), ("Industrial Park Management Committee", "工业园区管委会", "12.3"),
    ("Municipal Government", "市人民政府", "68.0"), ("County Hospital", "县人民医院", "3.6"),
]
PRICE = {"petrol": Decimal("8.00"), "hybrid": Decimal("8.00"), "diesel": Decimal("7.70"), "electric": Decimal("0.80")}


def seed_fleet(uow, today: dt.date, requester_username: str = "staff1", drivers=("driver1", "driver2")) -> int:
    """Create the demo fleet and about a year of closed trips before `today`; returns the trips made."""
    rng = random.Random(2026)
    with uow:
        system = Actor(id=uow.reads.scalar(select(User.id).where(User.username == "fleet")), username="fleet",
                       role="fleet", department_id=None)
        requester = uow.reads.scalar(select(User).where(User.username == requester_username))
        vehicles = [Vehicle(plate=p, kind=k, energy=e, seats=n, norm_per_100km=Decimal(norm), range_km=r,
                            status="in_service", odometer_km=Decimal(rng.randint(8000, 60000)))
                    for p, k, e, n, norm, r in VEHICLES]
        uow.vehicles.add_all(vehicles)
        dests = [CommonDestination(name=n, name_zh=z, distance_km=Decimal(km), active=True) for n, z, km in DESTINATIONS]
        uow.destinations.add_all(dests)
        driver_rows = []
        for username in drivers:
            user = uow.reads.scalar(select(User).where(User.username == username))
            driver_rows.append(Driver(user_id=user.id, licence_class="B1", phone="", active=True))
        uow.drivers.add_all(driver_rows)
        zone = uow.office_tz
        made = 0
        far = [d for d in dests if d.distance_km >= 5]
        day = today - dt.timedelta(days=365)
        since_fuel = {v.id: Decimal("0") for v in vehicles}
        while day < today:
            if day.weekday() < 5:
                for slot, hour in enumerate((9, 14)):
                    if rng.random() < 0.45:
                        continue
                    vehicle = vehicles[(made + slot) % len(vehicles)]
                    dest = rng.choice([d for d in far if vehicle.energy != "electric"
                                       or (vehicle.range_km or 0) >= 2 * d.distance_km] or far[:1])
                    driver = driver_rows[slot % len(driver_rows)]
                    depart = dt.datetime.combine(day, dt.time(hour), zone)
                    back = depart + dt.timedelta(hours=2, minutes=30)
                    km = (dest.distance_km * 2 * Decimal(str(rng.uniform(1.0, 1.12)))).quantize(Decimal("0.1"))
                    used = (km * vehicle.norm_per_100km / 100 * Decimal(str(rng.uniform(0.85, 1.18)))).quantize(Decimal("0.01"))
                    start_km = vehicle.odometer_km
                    vehicle.odometer_km = start_km + km
                    per_100 = (used * 100 / km).quantize(Decimal("0.01"))
                    trip = Trip(vehicle_id=vehicle.id, driver_id=driver.id, starts_at=depart - dt.timedelta(minutes=30),
                                ends_at=back + dt.timedelta(minutes=30), active=True, status="closed",
                                depart_odometer_km=start_km, arrive_odometer_km=vehicle.odometer_km,
                                departed_at=depart, arrived_at=back, energy_used=used,
                                fuel_cost=(used * PRICE[vehicle.energy]).quantize(Decimal("0.01")),
                                tolls=Decimal(rng.choice(["0.00", "0.00", "15.00", "30.00"])),
                                parking=Decimal(rng.choice(["0.00", "5.00", "10.00"])), per_100km=per_100,
                                fuel_anomaly=per_100 > vehicle.norm_per_100km * Decimal("1.15"),
                                closed_at=back + dt.timedelta(hours=1), created_at=depart - dt.timedelta(days=1))
                    uow.trips.add(trip)
                    req = TripRequest(version=6, requester_id=requester.id, department_id=requester.department_id,
                                      purpose_category=rng.choice(["meeting", "inspection", "document_delivery"]),
                                      purpose=f"Official business at {dest.name}", origin="Office",
                                      destination=dest.name, destination_id=dest.id, distance_km=dest.distance_km,
                                      passengers=rng.randint(1, min(3, vehicle.seats)), cargo="",
                                      depart_at=depart, return_at=back, status="closed", needs_office_review=False,
                                      policy_version="2026.1", findings=[], trip_id=trip.id,
                                      created_at=depart - dt.timedelta(days=1), updated_at=trip.closed_at,
                                      status_changed_at=trip.closed_at)
                    uow.trip_requests.add(req, depart.year)  # through the store, as every writer of a request
                    uow.record("trip_request", req.id, "close", system, from_state="returned",
                                 to_state="closed", comment="demo history", data={"trip": trip.id})
                    since_fuel[vehicle.id] += used
                    if since_fuel[vehicle.id] > 30:
                        uow.vehicles.log_fuel(FuelLog(
                            vehicle_id=vehicle.id, filled_at=back + dt.timedelta(minutes=20),
                            quantity=since_fuel[vehicle.id],
                            cost=(since_fuel[vehicle.id] * PRICE[vehicle.energy]).quantize(Decimal("0.01")),
                            odometer_km=vehicle.odometer_km, recorded_by_id=system.id))
                        since_fuel[vehicle.id] = Decimal("0")
                    made += 1
            if day.day == 15 and day.month % 3 == 0:
                uow.vehicles.record_maintenance(*(
                    MaintenanceRecord(vehicle_id=v.id, performed_on=day, kind="routine",
                                      description="Quarterly service", cost=Decimal(rng.randint(300, 1500)),
                                      odometer_km=v.odometer_km, recorded_by_id=system.id) for v in vehicles))
            day += dt.timedelta(days=1)
        uow.commit()
        return made
