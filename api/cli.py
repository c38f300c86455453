"""Commands: `flask --app wsgi seed-demo | create-user | create-department | set-budget | import-catalog`."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from marshmallow import ValidationError

from workflow import budget, catalog, people
from workflow.access import ROLES, Actor
from workflow.errors import DomainError

from .errors import flatten

SYSTEM = Actor(id=0, username="system", role="admin", department_id=None)


def _uow():
    return current_app.extensions["jieyue"].uow()


EXTRA = "(cells beyond the header)"


def _cells(header: list, values) -> dict:
    """{header: text} for the non-empty cells; cells under no header are collected under EXTRA."""
    row = {}
    for n, value in enumerate(values):
        if value is None or str(value).strip() == "":
            continue
        name = header[n] if n < len(header) and header[n] else EXTRA
        row[name] = value if isinstance(value, bool) else str(value).strip()
    return row


def _read_rows(path: Path) -> list[tuple[int, dict]]:
    """(row number in the file, cells) for every non-blank row of a CSV or XLSX file after the header."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        numbered = enumerate(rows, start=2)
    elif path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
        header = [h.strip() for h in (lines[0] if lines else [])]
        numbered = enumerate(lines[1:], start=2)  # csv.reader keeps blank lines as []: numbers stay true
    else:
        raise click.BadParameter("the file must be .csv or .xlsx", param_hint="FILE")
    return [(number, cells) for number, values in numbered if (cells := _cells(header, values))]


def import_catalog_file(path: Path) -> tuple[int, int]:
    from .catalog.schemas import CatalogItemInSchema

    rows = _read_rows(path)
    schema = CatalogItemInSchema()
    valid, problems, seen = [], [], {}
    with click.progressbar(rows, label="Checking rows", show_pos=True) as bar:
        for number, row in bar:
            if EXTRA in row:
                problems.append(f"row {number}: more cells than headers")
                continue
            try:
                item = schema.load(row)
            except ValidationError as exc:
                problems.extend(f"row {number}: {field}: {' '.join(msgs)}"
                                for field, msgs in flatten(exc.messages).items())
                continue
            if item["sku"] in seen:
                problems.append(f"row {number}: sku: repeats row {seen[item['sku']]}")
            seen[item["sku"]] = number
            valid.append(item)
    if problems:
        for line in problems:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(problems)} error(s); nothing was imported")
    with click.progressbar(length=len(valid), label="Importing", show_pos=True) as bar:
        return catalog.import_items(valid, _uow(), progress=bar.update)


DEMO_DEPARTMENTS = [
    ("GEN", "General Office", "综合办公室", 12),
    ("FIN", "Finance Section", "财务股", 6),
    ("LOG", "Logistics Services", "机关事务股", 8),
]
DEMO_USERS = [
    ("staff1", "staff", "GEN", "Li Ming", "zh"), ("staff2", "staff", "FIN", "Wang Fang", "en"),
    ("head1", "dept_head", "GEN", "Zhang Wei", "zh"), ("head2", "dept_head", "FIN", "Chen Jing", "en"),
    ("logistics", "logistics", "LOG", "Zhao Qiang", "zh"), ("buyer", "procurement", "LOG", "Liu Yang", "en"),
    ("fleet", "fleet", "LOG", "Sun Hao", "en"), ("driver1", "driver", "LOG", "Zhou Jun", "zh"),
    ("driver2", "driver", "LOG", "Ma Lin", "zh"),
    ("finance", "finance", "FIN", "Wu Min", "en"), ("admin", "admin", "GEN", "Administrator", "en"),
]


def demo_catalog() -> list[dict]:
    def item(sku, name, name_zh, category, unit, price, supplier, **attrs):
        return {"sku": sku, "name": name, "name_zh": name_zh, "category": category, "unit": unit,
                "unit_price": Decimal(price), "supplier": supplier, **attrs}

    paper, office, light, home = "Chenming Paper Co.", "Deli Office Supplies", "Opple Lighting", "Gree Electric"
    return [
        item("PAP-A4-V", "A4 copy paper, virgin pulp, 70 g", "A4 复印纸（原生木浆）70克", "paper", "ream", "24.00", paper),
        item("PAP-A4-R", "A4 copy paper, 100% recycled, 70 g", "A4 再生复印纸 70克", "paper", "ream", "26.00", paper,
             recyclable=True, recycled_content_pct=100, green_listed=True),
        item("TON-88A-N", "Toner cartridge 88A, new original", "88A 原装新硒鼓", "toner", "piece", "420.00", office),
        item("TON-88A-R", "Toner cartridge 88A, remanufactured", "88A 再制造硒鼓", "toner", "piece", "160.00", office,
             recyclable=True, remanufactured=True, green_listed=True),
        item("TAB-CUP-P", "Disposable plastic cups (50)", "一次性塑料杯（50只）", "tableware", "pack", "9.00", office,
             single_use=True, plastic=True),
        item("TAB-CUP-C", "Ceramic mug", "陶瓷杯", "tableware", "piece", "12.00", office, recyclable=True, green_listed=True),
        item("LGT-T8-F", "T8 fluorescent tube 36 W", "T8 荧光灯管 36W", "lighting", "piece", "15.00", light),
        item("LGT-T8-L", "T8 LED tube 18 W", "T8 LED 灯管 18W", "lighting", "piece", "28.00", light,
             recyclable=True, led=True, energy_grade=1, green_listed=True),
        item("APP-AC-3", "Split air conditioner 1.5 HP, energy grade 3", "1.5匹分体空调（三级能效）", "appliance", "set",
             "2600.00", home, energy_grade=3, recyclable=True),
        item("APP-AC-1", "Split air conditioner 1.5 HP, energy grade 1", "1.5匹分体空调（一级能效）", "appliance", "set",
             "3200.00", home, energy_grade=1, recyclable=True, green_listed=True),
        item("PLB-TAP-O", "Basin tap, standard", "普通面盆水龙头", "plumbing", "piece", "65.00", "Jiumu Sanitary"),
        item("PLB-TAP-W", "Basin tap, water-saving aerator", "节水型面盆水龙头", "plumbing", "piece", "88.00",
             "Jiumu Sanitary", water_saving=True, recyclable=True, green_listed=True),
        item("STA-PEN-G", "Gel pen, refillable", "可换芯中性笔", "stationery", "piece", "3.50", office,
             recyclable=True, green_listed=True),
        item("STA-NB-R", "Notebook, recycled paper", "再生纸笔记本", "stationery", "piece", "6.00", office,
             recyclable=True, recycled_content_pct=80, green_listed=True),
        item("CLN-BAG-P", "Garbage bags, plastic (100)", "塑料垃圾袋（100只）", "cleaning", "pack", "18.00", office,
             single_use=True, plastic=True),
        item("CLN-BAG-B", "Garbage bags, biodegradable (100)", "可降解垃圾袋（100只）", "cleaning", "pack", "32.00",
             office, single_use=True, plastic=True, biodegradable=True, green_listed=True),
        item("CLN-CLOTH", "Microfibre cleaning cloth, washable", "可水洗超细纤维抹布", "cleaning", "piece", "5.00",
             office, recyclable=True, green_listed=True),
    ]


def seed_demo(password: str, year: int, supply_history: bool = True) -> bool:
    """Departments, users, catalog and budgets; False (and nothing done) when already seeded."""
    uow = _uow()
    with uow:
        from sqlalchemy import select

        if uow.session.scalar(select(people.User.id).where(people.User.username == "admin")):
            return False
    ids = {}
    for code, name, name_zh, headcount in DEMO_DEPARTMENTS:
        ids[code] = people.create_department(code, name, name_zh, headcount, _uow())
    for username, role, dep, full_name, lang in DEMO_USERS:
        people.create_user(username, password, role, _uow(), department_code=dep, full_name=full_name,
                           email=f"{username}@jieyue.local", language=lang)
    catalog.import_items(demo_catalog(), _uow())
    for dep_id in ids.values():
        budget.set_budget(dep_id, year, Decimal("60000.00"), SYSTEM, _uow())
    from workflow.demo_fleet import seed_fleet

    from workflow.demo_supply import seed_supply_history

    uow = _uow()
    today = uow.today()
    seed_fleet(uow, today)
    if supply_history:  # tests start with no spend, so their figures are theirs alone
        seed_supply_history(_uow(), today)
    return True


def _demo_office_day() -> None:
    """The demo office closes for its year-end stocktaking: one entry on the working-calendar page."""
    import datetime as dt

    from sqlalchemy import select

    from workflow import office_calendar

    uow = _uow()
    with uow:
        admin = uow.session.scalar(select(people.User).where(people.User.username == "admin")).as_actor()
    office_calendar.set_day(dt.date(uow.today().year, 12, 31), False, "Year-end stocktaking (demo)", admin, _uow())


def register(app) -> None:
    from .calendar import cli as calendar_cli

    calendar_cli.register(app)
    register_delivery_commands(app)
    register_audit_commands(app)

    @app.cli.command("seed-demo")
    @click.option("--password", required=True, help="Password for every demo user (at least 8 characters).")
    def seed_demo_command(password):
        """Create demo departments, users, catalog and budgets."""
        if seed_demo(password, _uow().office_year()):
            _demo_office_day()
            click.echo("Demo data created: users " + ", ".join(u[0] for u in DEMO_USERS))
        else:
            click.echo("Demo data already present; nothing changed.")

    @app.cli.command("create-department")
    @click.argument("code")
    @click.argument("name")
    @click.option("--name-zh", default="")
    @click.option("--headcount", type=click.IntRange(0), default=0)
    def create_department_command(code, name, name_zh, headcount):
        """Add a department."""
        _run(lambda: people.create_department(code, name, name_zh, headcount, _uow()), f"Department {code} created")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--department", help="Department code.")
    @click.option("--full-name", default="")
    @click.option("--email")
    @click.option("--language", type=click.Choice(["en", "zh"]), default="en")
    @click.password_option()
    def create_user_command(username, role, department, full_name, email, language, password):
        """Add a user."""
        _run(lambda: people.create_user(username, password, role, _uow(), department_code=department,
                                        full_name=full_name, email=email, language=language),
             f"User {username} created")

    @app.cli.command("set-budget")
    @click.argument("department_code")
    @click.argument("year", type=int)
    @click.argument("amount")
    def set_budget_command(department_code, year, amount):
        """Set a department's office-supply budget for a year (CNY)."""
        from sqlalchemy import select

        uow = _uow()
        with uow:
            dep_id = uow.session.scalar(select(people.Department.id).where(people.Department.code == department_code))
        if dep_id is None:
            raise click.ClickException(f"no department {department_code}")
        try:
            value = Decimal(amount).quantize(Decimal("0.01"))
            if not value.is_finite():
                raise ArithmeticError
        except ArithmeticError:
            raise click.BadParameter("a decimal amount in CNY, e.g. 60000.00", param_hint="AMOUNT") from None
        _run(lambda: budget.set_budget(dep_id, year, value, SYSTEM, _uow()),
             f"Budget of {department_code} for {year} set")

    @app.cli.command("import-catalog")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_catalog_command(file):
        """Import catalog items from CSV or XLSX (one header row; all rows or none)."""
        created, updated = import_catalog_file(file)
        click.echo(f"Imported: {created} created, {updated} updated")


def _run(fn, done: str) -> None:
    try:
        fn()
    except DomainError as exc:
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(f"{exc.message}{' (' + details + ')' if details else ''}") from exc
    click.echo(done)


def register_delivery_commands(app) -> None:
    @app.cli.command("relay-outbox")
    def relay_outbox_command():
        """Move waiting outbox events on: to Celery when REDIS_URL is set, else deliver them here."""
        runtime = current_app.extensions["jieyue"]
        if runtime.settings.redis_url:
            from tasks.jobs import plan_event

            from workflow import notifications

            moved = notifications.relay(runtime.uow(), lambda outbox_id: plan_event.delay(outbox_id))
        else:
            moved = runtime.deliver_inline_count()
        click.echo(f"Relayed {moved} event(s)")

    @app.cli.command("remind-overdue")
    def remind_overdue_command():
        """Remind approvers of overdue items; escalate first-level items overdue for a second period."""
        from workflow.reminders import remind_and_escalate

        counts = remind_and_escalate(current_app.extensions["jieyue"].uow())
        click.echo(f"Reminded {counts['reminded']}, escalated {counts['escalated']}")

    @app.cli.command("compile-reports")
    @click.option("--period", help="One period (e.g. 2026-Q3); default: the nightly set.")
    def compile_reports_command(period):
        """Compile report snapshots now (a later compile replaces them)."""
        from workflow import reporting

        runtime = current_app.extensions["jieyue"]
        if period:
            keys = [reporting.compile_snapshot(kind, runtime.uow(), period=period, group_by=group)
                    for kind, group in (("expenditure", "department"), ("consumption", None), ("vehicles", "vehicle"))]
        else:
            keys = reporting.compile_nightly(runtime.uow, runtime.uow().today())
        click.echo(f"Compiled {len(keys)} snapshot(s)")

    @app.cli.command("retry-failed")
    def retry_failed_command():
        """Put every failed e-mail or webhook back in line and send it again."""
        from workflow import notifications
        from workflow.transports import transports_for

        runtime = current_app.extensions["jieyue"]
        ids = notifications.requeue_failed(runtime.uow())
        sent = 0
        for message_id in ids:
            try:
                sent += notifications.send(message_id, runtime.uow(), transports_for(runtime.settings)) == "sent"
            except Exception as exc:  # noqa: BLE001 - recorded on the message
                click.echo(f"message {message_id}: {exc}", err=True)
        click.echo(f"Requeued {len(ids)}, sent {sent}")


def register_audit_commands(app) -> None:
    @app.cli.command("audit-verify")
    def audit_verify_command():
        """Check every item's audit chain; exit 1 and list each break when a row was altered or removed."""
        from workflow import audit

        runtime = current_app.extensions["jieyue"]
        with runtime.uow() as uow:
            total = uow.session.scalar(select_count_audit())
            problems = audit.verify(uow.session)
        for p in problems:
            click.echo(f"event {p['id']} ({p['item']}): {p['problem']}", err=True)
        if problems:
            raise click.ClickException(f"{len(problems)} break(s) in {total} audit events")
        click.echo(f"{total} audit events verified: every chain intact")


def select_count_audit():
    from sqlalchemy import func, select

    from workflow.audit import AuditEvent

    return select(func.count()).select_from(AuditEvent)
