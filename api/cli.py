"""Commands: `flask --app wsgi seed-demo | create-user | create-department | set-budget | import-catalog`."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import click
from flask import current_app

from workflow.demo import DEMO_USERS, demo_office_day, seed_demo
from workflow.kernel.access import ROLES, SYSTEM
from workflow.people import accounts
from workflow.procurement import budget, catalog

from .auth import uow as _uow
from .commands import run as _run
from .catalog.files import check_rows, read_rows


def import_catalog_file(path: Path) -> tuple[int, int]:
    """Every row checked first (each problem named on stderr); all imported, or none."""
    try:
        rows = read_rows(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="FILE") from None
    with click.progressbar(rows, label="Checking rows", show_pos=True) as bar:
        valid, problems = check_rows(bar, gettext=lambda text, **values: text % values)
    if problems:
        for p in problems:
            click.echo(f"row {p['row']}: {p['field'] + ': ' if p['field'] else ''}{p['message']}", err=True)
        raise click.ClickException(f"{len(problems)} error(s); nothing was imported")
    with click.progressbar(length=len(valid), label="Importing", show_pos=True) as bar:
        return catalog.import_items(valid, _uow(), progress=bar.update)


def register(app) -> None:
    from .calendar import cli as calendar_cli

    calendar_cli.register(app)
    register_delivery_commands(app)
    register_audit_commands(app)

    @app.cli.command("seed-demo")
    @click.option("--password", required=True, help="Password for every demo user (at least 8 characters).")
    def seed_demo_command(password):
        """Create demo departments, users, catalog and budgets."""
        if seed_demo(_uow, password, _uow().office_year()):
            demo_office_day(_uow)
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
        _run(lambda: accounts.create_department(code, name, name_zh, headcount, _uow()), f"Department {code} created")

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
        _run(lambda: accounts.create_user(username, password, role, _uow(), department_code=department,
                                          full_name=full_name, email=email, language=language),
             f"User {username} created")

    @app.cli.command("set-budget")
    @click.argument("department_code")
    @click.argument("year", type=int)
    @click.argument("amount")
    def set_budget_command(department_code, year, amount):
        """Set a department's office-supply budget for a year (CNY)."""
        uow = _uow()
        with uow:
            dep_id = uow.departments.id_of(department_code)
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


def register_delivery_commands(app) -> None:
    @app.cli.command("relay-outbox")
    def relay_outbox_command():
        """Move waiting outbox events on: to Celery when REDIS_URL is set, else deliver them here."""
        runtime = current_app.extensions["jieyue"]
        if not runtime.settings.redis_url:
            moved = runtime.deliver_inline_count()
        elif runtime.publish_events is None:  # an app built without wsgi.py's broker hand-over
            raise click.ClickException("no broker publisher: run it as `flask --app wsgi relay-outbox`")
        else:
            from workflow.notifications import notices

            moved = notices.relay(runtime.uow, runtime.publish_events)
        click.echo(f"Relayed {moved} event(s)")

    @app.cli.command("remind-overdue")
    def remind_overdue_command():
        """Remind approvers of overdue items; escalate first-level items overdue for a second period."""
        from workflow.worklist.reminders import remind_and_escalate

        counts = remind_and_escalate(current_app.extensions["jieyue"].uow())
        click.echo(f"Reminded {counts['reminded']}, escalated {counts['escalated']}")

    @app.cli.command("compile-reports")
    @click.option("--period", help="One period (e.g. 2026-Q3); default: the nightly set.")
    def compile_reports_command(period):
        """Compile report snapshots now (a later compile replaces them)."""
        from workflow.reporting import reports

        runtime = current_app.extensions["jieyue"]
        if period:
            keys = [reports.compile_snapshot(kind, runtime.uow(), period=period, group_by=group)
                    for kind, group in (("expenditure", "department"), ("consumption", None), ("vehicles", "vehicle"))]
        else:
            keys = reports.compile_nightly(runtime.uow, runtime.uow().today())
        click.echo(f"Compiled {len(keys)} snapshot(s)")

    @app.cli.command("retry-failed")
    def retry_failed_command():
        """Put every failed e-mail or webhook back in line and send it again."""
        from workflow.notifications import notices
        from workflow.notifications.sending import send_messages
        from workflow.notifications.transports import transports_for

        runtime = current_app.extensions["jieyue"]
        done = []
        ids = notices.retry_failed(SYSTEM, runtime.uow(), send=lambda ids: done.append(
            send_messages(ids, runtime.uow(), transports_for(runtime.settings))))
        for message_id, exc in (done[0].errors if done else []):
            click.echo(f"message {message_id}: {exc}", err=True)
        sent = sum(status == "sent" for status in done[0].statuses.values()) if done else 0
        click.echo(f"Requeued {len(ids)}, sent {sent}")


def register_audit_commands(app) -> None:
    @app.cli.command("audit-verify")
    def audit_verify_command():
        """Check every item's audit chain; exit 1 and list each break when a row was altered or removed."""
        runtime = current_app.extensions["jieyue"]
        with runtime.uow() as uow:
            total = uow.audit_trail.count()
            problems = uow.audit_trail.breaks()
        for p in problems:
            click.echo(f"event {p['id']} ({p['item']}): {p['problem']}", err=True)
        if problems:
            raise click.ClickException(f"{len(problems)} break(s) in {total} audit events")
        click.echo(f"{total} audit events verified: every chain intact")
