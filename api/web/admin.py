"""Administration pages: people, departments, catalog (with import), destinations, budgets, targets, policy."""
from __future__ import annotations

import tempfile
from pathlib import Path

from babel import Locale
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from api.auth import runtime, uow
from api.fields import is_id
from workflow.kernel import texts
from workflow.kernel.access import ROLES
from workflow.kernel.errors import DomainError, Forbidden
from workflow.people import accounts
from workflow.procurement import budget, catalog
from workflow.procurement.catalog import CATEGORIES
from workflow.reporting import reports, targets
from workflow.vehicles import destinations

from .auth import roles_required, web_actor
from .policy_form import SECTION_TITLES, editable, nest, parameter_rows, typed

from .errors import error_page, id_in_query, pages_blueprint, status_of

blp = pages_blueprint("web_admin", __name__)
# Each language by its own name, from Babel's locale data: a new catalog needs no code here.
# A language is a catalog (workflow/kernel/texts.py): each is offered in its own name.
LANGUAGES = tuple((code, Locale.parse(code).get_display_name(code)) for code in sorted(texts.languages()))
CATALOG_PAGE = 200
# Checkboxes of the catalog form: present means true, absent means false.
FLAGS = ("recyclable", "single_use", "plastic", "biodegradable", "remanufactured", "led", "water_saving",
         "green_listed", "active")


def _flatten(exc: ValidationError) -> dict:
    from api.errors import flatten

    return flatten(exc.messages)


def _form(names) -> dict:
    """The named fields as typed (trimmed); empty ones left out so schema defaults apply."""
    out = {}
    for name in names:
        value = (request.form.get(name) or "").strip()
        if value:
            out[name] = value
    return out


def _department_options():
    return accounts.list_departments(uow())


# ---- index --------------------------------------------------------------------------------------

@blp.get("/app/admin", endpoint="index")
@roles_required("admin")
def index():
    return render_template("web/admin.html")


# ---- users --------------------------------------------------------------------------------------

@blp.route("/app/admin/users", methods=["GET", "POST"], endpoint="users")
@roles_required("admin")
def users():
    from api.people.schemas import UserInSchema

    errors, message, status, values = {}, None, 200, {}
    if request.method == "POST":
        values = _form(("username", "full_name", "role", "department", "language"))
        given = values | {"password": request.form.get("password", "")}
        try:
            fields = UserInSchema().load(given)
            user = accounts.add_user(fields, web_actor(), uow())
        except ValidationError as exc:
            errors, message, status = _flatten(exc), _("Some fields need attention."), 422
        except Forbidden as exc:
            return error_page(exc)
        except DomainError as exc:
            errors, message, status = exc.errors, exc.message, status_of(exc)
        else:
            flash(_("User %(name)s created.", name=user["username"]))
            return redirect(url_for("web_admin.users"))
    listed = accounts.list_users(web_actor(), uow())
    return render_template("web/admin_users.html", users=listed, departments=_department_options(), roles=ROLES,
                           languages=LANGUAGES, values=values, errors=errors, message=message), status


# ---- departments --------------------------------------------------------------------------------

@blp.route("/app/admin/departments", methods=["GET", "POST"], endpoint="departments")
@roles_required("admin")
def departments():
    from api.people.schemas import DepartmentSchema

    errors, message, status, values = {}, None, 200, {}
    if request.method == "POST":
        values = _form(("code", "name", "name_zh", "headcount"))
        try:
            fields = DepartmentSchema().load(values)
            dep = accounts.add_department(fields, web_actor(), uow())
        except ValidationError as exc:
            errors, message, status = _flatten(exc), _("Some fields need attention."), 422
        except Forbidden as exc:
            return error_page(exc)
        except DomainError as exc:
            errors, message, status = exc.errors, exc.message, status_of(exc)
        else:
            flash(_("Department %(code)s created.", code=dep["code"]))
            return redirect(url_for("web_admin.departments"))
    return render_template("web/admin_departments.html", departments=_department_options(), values=values,
                           errors=errors, message=message), status


# ---- catalog ------------------------------------------------------------------------------------

def _item_fields() -> dict:
    """The catalog form as the item schema reads it: every flag explicit, blank numbers left out."""
    values = _form(("sku", "name", "name_zh", "category", "unit", "unit_price", "supplier", "recycled_content_pct",
                    "energy_grade"))
    values.setdefault("name_zh", "")
    for flag in FLAGS:
        values[flag] = flag in request.form
    if "energy_grade" not in values:
        values["energy_grade"] = None
    return values


def _catalog_page(values=None, errors=None, message=None, import_problems=None, import_message=None, status=200):
    items = catalog.list_items(uow(), after_id=id_in_query("after") or 0, limit=CATALOG_PAGE)
    return render_template("web/admin_catalog.html", items=items, categories=CATEGORIES,
                           more=items[-1]["id"] if len(items) == CATALOG_PAGE else None,
                           values=values or {"active": True}, errors=errors or {}, message=message,
                           import_problems=import_problems or [], import_message=import_message), status


@blp.route("/app/admin/catalog", methods=["GET", "POST"], endpoint="catalog")
@roles_required("admin")
def catalog_page():
    from api.catalog.schemas import CatalogItemInSchema

    if request.method == "GET":
        return _catalog_page()
    values = _item_fields()
    try:
        fields = CatalogItemInSchema().load(values)
        catalog.create_item(fields, web_actor(), uow())
    except ValidationError as exc:
        return _catalog_page(values, _flatten(exc), _("Some fields need attention."), status=422)
    except Forbidden as exc:
        return error_page(exc)
    except DomainError as exc:
        return _catalog_page(values, exc.errors, exc.message, status=status_of(exc))
    flash(_("Item %(sku)s created.", sku=fields["sku"]))
    return redirect(url_for("web_admin.catalog"))


@blp.route("/app/admin/catalog/<int:item_id>", methods=["GET", "POST"], endpoint="catalog_item")
@roles_required("admin")
def catalog_item(item_id: int):
    from api.catalog.schemas import CatalogItemInSchema

    item = catalog.get_item(item_id, uow())
    values, errors, message, status = item, {}, None, 200
    if request.method == "POST":
        values = _item_fields()
        try:
            fields = CatalogItemInSchema().load(values)
            catalog.update_item(item_id, fields, web_actor(), uow())
        except ValidationError as exc:
            errors, message, status = _flatten(exc), _("Some fields need attention."), 422
        except DomainError as exc:
            if not exc.errors:
                return error_page(exc)
            errors, message, status = exc.errors, exc.message, status_of(exc)
        else:
            flash(_("Item %(sku)s saved.", sku=fields["sku"]))
            return redirect(url_for("web_admin.catalog"))
    return render_template("web/admin_catalog_item.html", item=item, values=values, categories=CATEGORIES,
                           errors=errors, message=message), status


@blp.post("/app/admin/catalog/import", endpoint="catalog_import")
@roles_required("admin")
def catalog_import():
    """A CSV or XLSX file, one header row: every row is checked first; all are imported, or none."""
    from api.catalog.files import SUFFIXES, check_rows, read_rows

    upload = request.files.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if not upload or not upload.filename:
        return _catalog_page(import_message=_("Choose a CSV or XLSX file."), status=422)
    if suffix not in SUFFIXES:
        return _catalog_page(import_message=_("The file must be .csv or .xlsx."), status=422)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        try:
            rows = read_rows(path)
        except Exception:  # noqa: BLE001 - a damaged or mislabelled file, a wrong encoding
            return _catalog_page(import_message=_("The file could not be read as %(kind)s.",
                                                  kind=suffix[1:].upper()), status=422)
    if not rows:
        return _catalog_page(import_message=_("The file has no rows under its header."), status=422)
    valid, problems = check_rows(rows)
    if problems:
        return _catalog_page(import_problems=problems, status=422,
                             import_message=_("%(n)s problem(s) found; nothing was imported.", n=len(problems)))
    try:
        created, updated = catalog.import_items(valid, uow())
    except DomainError as exc:
        return _catalog_page(import_message=exc.message, status=status_of(exc))
    flash(_("Imported: %(created)s created, %(updated)s updated.", created=created, updated=updated))
    return redirect(url_for("web_admin.catalog"))


# ---- destinations -------------------------------------------------------------------------------

def _destinations_page(values=None, errors=None, message=None, edit_errors=None, status=200):
    return render_template("web/admin_destinations.html", destinations=destinations.list_destinations(uow()),
                           values=values or {}, errors=errors or {}, message=message,
                           edit_errors=edit_errors or {}), status


@blp.route("/app/admin/destinations", methods=["GET", "POST"], endpoint="destinations")
@roles_required("admin")
def destinations_page():
    from api.fleet.schemas import DestinationSchema

    if request.method == "GET":
        return _destinations_page()
    values = _form(("name", "name_zh", "distance_km"))
    try:
        fields = DestinationSchema().load(values)
        saved = destinations.save_destination(fields, web_actor(), uow())
    except ValidationError as exc:
        return _destinations_page(values, _flatten(exc), _("Some fields need attention."), status=422)
    except Forbidden as exc:
        return error_page(exc)
    except DomainError as exc:
        return _destinations_page(values, exc.errors, exc.message, status=status_of(exc))
    flash(_("Destination %(name)s added.", name=saved["name"]))
    return redirect(url_for("web_admin.destinations"))


@blp.post("/app/admin/destinations/<int:destination_id>", endpoint="destination")
@roles_required("admin")
def destination(destination_id: int):
    """Change one destination's distance."""
    from api.fleet.schemas import DestinationPatchSchema

    try:
        fields = DestinationPatchSchema().load({"distance_km": (request.form.get("distance_km") or "").strip()})
        saved = destinations.save_destination(fields, web_actor(), uow(), destination_id)
    except ValidationError as exc:
        return _destinations_page(edit_errors={destination_id: _flatten(exc)},
                                  message=_("Some fields need attention."), status=422)
    except DomainError as exc:
        if not exc.errors:
            return error_page(exc)
        return _destinations_page(edit_errors={destination_id: exc.errors}, message=exc.message,
                                  status=status_of(exc))
    flash(_("Distance to %(name)s saved.", name=saved["name"]))
    return redirect(url_for("web_admin.destinations"))


# ---- budgets ------------------------------------------------------------------------------------

@blp.route("/app/admin/budgets", methods=["GET", "POST"], endpoint="budgets")
@roles_required("admin")
def budgets():
    from api.people.schemas import BudgetInSchema

    year = uow().office_year()
    errors, message, status, amounts = {}, None, 200, {}
    if request.method == "POST":
        dep = request.form.get("department_id", "")
        amount = (request.form.get("amount") or "").strip()
        try:
            if not is_id(dep):
                raise ValidationError({"department_id": [_("Choose a department.")]})
            fields = BudgetInSchema().load({"amount": amount})
            budget.set_budget(int(dep), year, fields["amount"], web_actor(), uow())
        except ValidationError as exc:
            errors, message, status = {dep: _flatten(exc)}, _("Some fields need attention."), 422
            amounts[dep] = amount
        except DomainError as exc:
            if not exc.errors:
                return error_page(exc)
            errors, message, status = {dep: exc.errors}, exc.message, status_of(exc)
            amounts[dep] = amount
        else:
            flash(_("Budget for %(year)s saved.", year=year))
            return redirect(url_for("web_admin.budgets"))
    listed = {b["department_id"]: b for b in budget.list_budgets(year, web_actor(), uow())}
    return render_template("web/admin_budgets.html", year=year, budgets=listed, departments=_department_options(),
                           amounts=amounts, errors=errors, message=message), status


# ---- targets (finance too) ----------------------------------------------------------------------

@blp.route("/app/admin/targets", methods=["GET", "POST"], endpoint="targets")
@roles_required("admin", "finance")
def targets_page():
    from api.reports.resources import TargetInSchema

    actor = web_actor()
    year = uow().office_year()
    errors, message, status, values = {}, None, 200, {"year": str(year)}
    if request.method == "POST":
        values = _form(("year", "metric", "department_id", "reduction_pct"))
        try:
            fields = TargetInSchema().load(values)
            targets.set_target(fields["year"], fields["metric"], fields.get("department_id"),
                               fields["reduction_pct"], actor, uow())
        except ValidationError as exc:
            errors, message, status = _flatten(exc), _("Some fields need attention."), 422
        except DomainError as exc:
            if not exc.errors:  # refused, or a department that is not there: the error page
                return error_page(exc)
            errors, message, status = exc.errors, exc.message, status_of(exc)
        else:
            flash(_("Target for %(year)s saved.", year=fields["year"]))
            return redirect(url_for("web_admin.targets"))
    progress = reports.target_progress(year, actor, uow())
    deps = _department_options()
    return render_template("web/admin_targets.html", progress=progress, metrics=targets.METRICS, departments=deps,
                           codes={d["id"]: d["code"] for d in deps}, values=values, errors=errors,
                           message=message), status


# ---- the policy document ------------------------------------------------------------------------

@blp.get("/app/admin/policy", endpoint="policy")
@roles_required("admin")
def policy():
    doc = runtime().policy_document
    sections = [(key, str(SECTION_TITLES.get(key, key)), parameter_rows(value, key + "."))
                for key, value in doc.data.items() if isinstance(value, dict)]
    return render_template("web/admin_policy.html", version=doc.version, sections=sections,
                           editable=editable(doc.data), outcomes=("pass", "warn", "exception", "block"))


@blp.post("/app/admin/policy", endpoint="policy_override")
@roles_required("admin")
def policy_override():
    """Save the changed parameters as a new version; unchanged ones are left to the defaults."""
    from workflow.kernel import policy_versions

    doc = runtime().policy_document
    overrides, errors = {}, {}
    for path, current in editable(doc.data):
        given = request.form.get(f"p:{path}")
        if given is None or given.strip() == str(current):
            continue
        try:
            nest(path, typed(given, current), overrides)
        except ValueError:
            errors[path] = [_("Enter a number.")]
    version = (request.form.get("version") or "").strip()
    if not version:
        errors["version"] = [_("Name the new version.")]
    if errors:
        return render_template("web/error.html", message=_("Some fields need attention."), errors=errors), 422
    policy_versions.save_version(version, overrides, (request.form.get("note") or "")[:500], web_actor(), uow())
    runtime().forget_policy()
    flash(_("Version %(version)s is now in force.", version=version))
    return redirect(url_for("web_admin.policy"))
