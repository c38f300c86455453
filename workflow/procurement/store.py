"""The store of supply requests (`uow.supply_requests`): the one way a request and its lines are read and written.

Every writer goes through it: drafts, revisions, the flow's actions, orders, receipts and
escalation. It works with SQLAlchemy Core and plain records (`RequestRow`, `LineRow`): through
the ORM's unit of work an action cost ten times the database's own work per lifecycle
(BENCHMARKS.md, profile_lifecycle). One optimistic lock guards every write of a request: the
UPDATE names the version it was read at (`save`). The mapped classes of `model.py` stay as the
tables' metadata and for read-only screens and reports.

Budgets, the catalog and purchase orders have their stores in purchasing_store.py.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from workflow.kernel.append_only import append
from workflow.kernel.db import connection
from workflow.kernel.errors import StaleVersion
from workflow.kernel.uow import UnitOfWork
from workflow.people.accounts import Department, User
from .budget import Budget, left
from .catalog import GREEN_ATTRIBUTES
from .model import SupplyFinding, SupplyLine, SupplyRequest, line_amount

REQUESTS, LINES, FINDINGS = SupplyRequest.__table__, SupplyLine.__table__, SupplyFinding.__table__
_USERS, _DEPARTMENTS = User.__table__, Department.__table__


class LineRow:
    """A line as plain attributes (the columns of `supply_lines`), with its amount."""

    # The columns of `supply_lines`, as on the mapped class (set from the row in __init__).
    id: int
    request_id: int
    position: int
    item_id: int | None
    description: str
    category: str
    unit: str
    unit_price: Decimal
    quantity: Decimal
    supplier: str | None
    attributes: dict
    swapped_from_item_id: int | None
    purchase_order_id: int | None
    received_quantity: Decimal
    green: bool
    single_use: bool
    spend: Decimal

    def __init__(self, **columns):
        self.__dict__.update(columns)

    amount = property(line_amount)

    def columns(self) -> dict:
        return dict(self.__dict__)


class RequestRow:
    """A request as plain attributes: its columns, `requester`, `department`, `lines` and what is
    left of the department's budget for its year (`budget_remaining`, None without a budget).

    `status` is the state the flow's machine reads and sets, as on the mapped class.
    """

    # The columns of `supply_requests`, as on the mapped class (set from the row in __init__).
    id: int
    number: str | None
    requester_id: int
    department_id: int
    purpose: str
    needed_by: dt.date | None
    status: str
    version: int
    total: Decimal
    justification: str | None
    policy_version: str | None
    needs_office_review: bool
    budget_year: int
    committed_amount: Decimal
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    status_changed_at: dt.datetime
    reminded_at: dt.datetime | None

    def __init__(self, columns: dict, requester, department, lines: list[LineRow], budget_remaining=None,
                 findings: list | None = None):
        self.__dict__.update(columns)
        self.requester, self.department, self.lines = requester, department, lines
        self.budget_remaining = budget_remaining
        # The findings when already at hand (just written, or read with a page); None: read them when needed.
        self.findings = findings

    @classmethod
    def loaded(cls, mapping, lines: list[LineRow]) -> "RequestRow":
        """From a row of `load`'s statement."""
        amount = mapping["budget_amount"]
        return cls({k: mapping[k] for k in _REQUEST_COLUMNS},
                   SimpleNamespace(id=mapping["requester_id"], username=mapping["requester_username"],
                                   full_name=mapping["requester_full_name"], role=mapping["requester_role"],
                                   department_id=mapping["requester_department_id"]),
                   SimpleNamespace(id=mapping["department_id"], code=mapping["department_code"],
                                   name=mapping["department_name"], name_zh=mapping["department_name_zh"]),
                   lines,
                   None if amount is None else left(amount, mapping["budget_committed"], mapping["budget_spent"]))


_REQUEST_COLUMNS = tuple(REQUESTS.c.keys())
_LINE_COLUMNS = tuple(LINES.c.keys())
_BUDGETS = Budget.__table__
_JOINED = (
    select(REQUESTS, _USERS.c.username.label("requester_username"),
           _USERS.c.full_name.label("requester_full_name"), _USERS.c.role.label("requester_role"),
           _USERS.c.department_id.label("requester_department_id"), _DEPARTMENTS.c.code.label("department_code"),
           _DEPARTMENTS.c.name.label("department_name"), _DEPARTMENTS.c.name_zh.label("department_name_zh"),
           _BUDGETS.c.amount.label("budget_amount"), _BUDGETS.c.committed.label("budget_committed"),
           _BUDGETS.c.spent.label("budget_spent"), *[c.label(f"line_{c.key}") for c in LINES.c])
    .join(_USERS, _USERS.c.id == REQUESTS.c.requester_id)
    .join(_DEPARTMENTS, _DEPARTMENTS.c.id == REQUESTS.c.department_id)
    .outerjoin(_BUDGETS, (_BUDGETS.c.department_id == REQUESTS.c.department_id)
               & (_BUDGETS.c.year == REQUESTS.c.budget_year))
    .outerjoin(LINES, LINES.c.request_id == REQUESTS.c.id))
_WHOLE = _JOINED.where(REQUESTS.c.id == bindparam("id")).order_by(LINES.c.position)
_MANY = (_JOINED.where(REQUESTS.c.id.in_(bindparam("ids", expanding=True)))
         .order_by(REQUESTS.c.id, LINES.c.position))
# Locks the request's row only: the people, the budget and the lines are read, not written.
_WHOLE_LOCKED = _WHOLE.with_for_update(of=REQUESTS)


def load(connection, request_id: int, *, for_update: bool = False) -> RequestRow | None:
    """The request with its requester, department, budget figures and lines, in one round trip.

    None when there is no such request. One row per line, the request's columns repeated.
    """
    rows = connection.execute(_WHOLE_LOCKED if for_update else _WHOLE, {"id": request_id}).mappings().all()
    return _whole(rows) if rows else None


def _whole(rows) -> RequestRow:
    """One request from its rows of `_JOINED` (one per line, the request's columns repeated)."""
    lines = [LineRow(**{k: row[f"line_{k}"] for k in _LINE_COLUMNS}) for row in rows if row["line_id"] is not None]
    return RequestRow.loaded(rows[0], lines)


_PERSON = (select(_USERS.c.id, _USERS.c.username, _USERS.c.full_name, _DEPARTMENTS.c.id.label("department_id"),
                  _DEPARTMENTS.c.code, _DEPARTMENTS.c.name, _DEPARTMENTS.c.name_zh)
           .join(_DEPARTMENTS, _DEPARTMENTS.c.id == _USERS.c.department_id).where(_USERS.c.id == bindparam("id")))


def insert(connection, request: dict, lines: list[LineRow]) -> RequestRow:
    """A new request and its lines; the lines get their ids, the request its number."""
    request_id = connection.execute(_INSERT_REQUEST, request).scalar_one()
    # Readable number from the id: unique without a counter row every writer would queue on.
    number = f"SR-{request['budget_year']}-{request_id:06d}"
    connection.execute(_NUMBER, {"rid": request_id, "number": number})
    ids = connection.execute(_INSERT_LINES, [line.columns() | {"request_id": request_id} for line in lines]).scalars()
    for line, line_id in zip(lines, ids, strict=True):  # every line got its id
        line.id, line.request_id = line_id, request_id
    person = connection.execute(_PERSON, {"id": request["requester_id"]}).mappings().one()
    return RequestRow({k: request.get(k) for k in _REQUEST_COLUMNS} | {"id": request_id, "number": number},
                      SimpleNamespace(id=person["id"], username=person["username"], full_name=person["full_name"]),
                      SimpleNamespace(id=person["department_id"], code=person["code"], name=person["name"],
                                      name_zh=person["name_zh"]),
                      lines)


_INSERT_REQUEST = REQUESTS.insert().returning(REQUESTS.c.id)
_NUMBER = REQUESTS.update().where(REQUESTS.c.id == bindparam("rid")).values(number=bindparam("number"))
# The lines in one statement, their ids in the order given.
_INSERT_LINES = LINES.insert().returning(LINES.c.id, sort_by_parameter_order=True)


def save(connection, req: RequestRow, read_version: int, fields: tuple[str, ...]) -> None:
    """Write `fields` of the request, guarded by the version it was read at (optimistic locking)."""
    params = {f: getattr(req, f) for f in fields} | {"rid": req.id, "read_version": read_version}
    if connection.execute(_SAVE, params).rowcount != 1:
        raise StaleVersion("the request changed since you read it")


# The SET clause follows the parameters given (each set of fields compiles once, then is cached).
_SAVE = REQUESTS.update().where(REQUESTS.c.id == bindparam("rid"), REQUESTS.c.version == bindparam("read_version"))


_LINES_OF = select(LINES).where(LINES.c.request_id == bindparam("r")).order_by(LINES.c.position)
_FINDINGS_OF = select(FINDINGS).where(FINDINGS.c.request_id == bindparam("r")).order_by(FINDINGS.c.id)


def lines_of(connection, request_id: int) -> list[LineRow]:
    return [LineRow(**row) for row in connection.execute(_LINES_OF, {"r": request_id}).mappings()]


def findings_of(connection, request_id: int) -> list:
    return connection.execute(_FINDINGS_OF, {"r": request_id}).all()


def mark_lines(connection, lines: list[LineRow]) -> None:
    """Store each line's `green` and `single_use` as set at submission: one statement for all."""
    connection.execute(_MARK, [{"lid": l.id, "green": l.green, "single_use": l.single_use} for l in lines])


_MARK = LINES.update().where(LINES.c.id == bindparam("lid"))


def line_from_item(item, quantity: Decimal) -> LineRow:
    return LineRow(item_id=item.id, description=item.name, category=item.category, unit=item.unit,
                   unit_price=item.unit_price, supplier=item.supplier, quantity=quantity,
                   attributes={a: getattr(item, a) for a in GREEN_ATTRIBUTES})


_DELETE_LINES = LINES.delete().where(LINES.c.request_id == bindparam("r"))
_DELETE_FINDINGS = FINDINGS.delete().where(FINDINGS.c.request_id == bindparam("r"))
_LOCK_IDS = (select(REQUESTS.c.id).where(REQUESTS.c.id.in_(bindparam("ids", expanding=True)))
             .order_by(REQUESTS.c.id).with_for_update())
_REQUESTS_OF_LINES = select(LINES.c.request_id).where(LINES.c.id.in_(bindparam("ids", expanding=True))).distinct()
_LINES_OF_ORDER = select(LINES).where(LINES.c.purchase_order_id == bindparam("po")).order_by(LINES.c.id)
_SAVE_LINE = LINES.update().where(LINES.c.id == bindparam("lid"))


@UnitOfWork.store("supply_requests")
class SupplyRequestStore:
    """Supply requests with their lines and findings, in the unit of work's transaction."""

    def __init__(self, uow):
        self._uow = uow

    @property
    def _db(self):
        return connection(self._uow.session)

    def get(self, request_id: int, *, lock: bool = False) -> RequestRow | None:
        """The request with its requester, department, budget and lines; `lock` holds its row until the commit."""
        return load(self._db, request_id, for_update=lock)

    def get_many(self, request_ids, *, lock: bool = False) -> dict[int, RequestRow]:
        """Several requests by id; locked in id order, so two writers of overlapping sets never deadlock."""
        ids = sorted(set(request_ids))
        if not ids:
            return {}
        if lock:
            self._db.execute(_LOCK_IDS, {"ids": ids}).all()
        by_request: dict[int, list] = {}
        for row in self._db.execute(_MANY, {"ids": ids}).mappings():
            by_request.setdefault(row["id"], []).append(row)
        return {i: _whole(rows) for i, rows in by_request.items()}

    def ids_of_lines(self, line_ids) -> list[int]:
        """The requests the given lines belong to, in id order."""
        return sorted(self._db.execute(_REQUESTS_OF_LINES, {"ids": list(line_ids)}).scalars())

    def add(self, request: dict, lines: list[LineRow]) -> RequestRow:
        """A new request and its lines, numbered."""
        return insert(self._db, request, lines)

    def save(self, req: RequestRow, read_version: int, fields: tuple[str, ...]) -> None:
        """Write `fields` of the request, or StaleVersion if it changed since `read_version`."""
        save(self._db, req, read_version, fields)

    def replace_lines(self, req: RequestRow, lines: list[LineRow]) -> None:
        """The request's lines become `lines` (a revision): the old rows go, the new get their ids."""
        self._db.execute(_DELETE_LINES, {"r": req.id})
        ids = self._db.execute(_INSERT_LINES, [line.columns() | {"request_id": req.id} for line in lines]).scalars()
        for line, line_id in zip(lines, ids, strict=True):
            line.id, line.request_id = line_id, req.id
        req.lines = lines

    def save_lines(self, lines: list[LineRow], fields: tuple[str, ...]) -> None:
        """Write `fields` of each line (its request's row is locked by the caller)."""
        if lines:
            self._db.execute(_SAVE_LINE, [{"lid": l.id} | {f: getattr(l, f) for f in fields} for l in lines])

    def mark_lines(self, lines: list[LineRow]) -> None:
        mark_lines(self._db, lines)

    def lines(self, request_id: int) -> list[LineRow]:
        return lines_of(self._db, request_id)

    def lines_of_order(self, purchase_order_id: int) -> list[LineRow]:
        """The lines a purchase order buys, in id order."""
        return [LineRow(**row) for row in self._db.execute(_LINES_OF_ORDER, {"po": purchase_order_id}).mappings()]

    def findings(self, req: RequestRow) -> list:
        """The request's findings: those at hand, or read."""
        if req.findings is None:
            req.findings = findings_of(self._db, req.id)
        return req.findings

    def replace_findings(self, req: RequestRow, rows: list[dict]) -> None:
        """The findings of this submission replace the last one's."""
        self._db.execute(_DELETE_FINDINGS, {"r": req.id})
        if rows:
            append(self._uow.session, SupplyFinding, rows)  # through append: the model's listeners see each row
        # The answer shows these rows in this order (the order of their ids): no need to read them back.
        req.findings = [SimpleNamespace(**r) for r in rows]

    def page(self, where, *, before_id: int | None, limit: int) -> list[RequestRow]:
        """Newest first, with lines and findings: three statements for the whole page."""
        stmt = _SUMMARY.where(*where)
        if before_id:
            stmt = stmt.where(REQUESTS.c.id < before_id)
        rows = self._db.execute(stmt.order_by(REQUESTS.c.id.desc()).limit(limit)).mappings().all()
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        lines: dict[int, list[LineRow]] = {i: [] for i in ids}
        for row in self._db.execute(_LINES_OF_MANY, {"ids": ids}).mappings():
            lines[row["request_id"]].append(LineRow(**row))
        findings: dict[int, list] = {i: [] for i in ids}
        for f in self._db.execute(_FINDINGS_OF_MANY, {"ids": ids}).all():
            findings[f.request_id].append(f)
        return [RequestRow({k: r[k] for k in _REQUEST_COLUMNS},
                           SimpleNamespace(id=r["requester_id"], username=r["requester_username"],
                                           full_name=r["requester_full_name"]),
                           SimpleNamespace(id=r["department_id"], code=r["department_code"],
                                           name=r["department_name"], name_zh=r["department_name_zh"]),
                           lines[r["id"]], findings=findings[r["id"]]) for r in rows]


_SUMMARY = (select(REQUESTS, _USERS.c.username.label("requester_username"),
                   _USERS.c.full_name.label("requester_full_name"), _DEPARTMENTS.c.code.label("department_code"),
                   _DEPARTMENTS.c.name.label("department_name"), _DEPARTMENTS.c.name_zh.label("department_name_zh"))
            .join(_USERS, _USERS.c.id == REQUESTS.c.requester_id)
            .join(_DEPARTMENTS, _DEPARTMENTS.c.id == REQUESTS.c.department_id))
_LINES_OF_MANY = (select(LINES).where(LINES.c.request_id.in_(bindparam("ids", expanding=True)))
                  .order_by(LINES.c.request_id, LINES.c.position))
_FINDINGS_OF_MANY = (select(FINDINGS).where(FINDINGS.c.request_id.in_(bindparam("ids", expanding=True)))
                     .order_by(FINDINGS.c.request_id, FINDINGS.c.id))
