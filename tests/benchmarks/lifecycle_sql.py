"""The B1/B8 baselines: the services' lifecycle as hand-written SQL, on psycopg or sqlite3.

The statements are the row writes, row locks and transaction boundaries the services issue
for one lifecycle (found by logging the SQL of one run): four transactions (create, submit,
department approval, office approval), each with its audit event chained to the previous
one and its outbox events. What the services read besides (catalog, policy facts, the view
they answer) is not here: the baseline is the least a hand-written engine must do.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
import uuid
from decimal import Decimal

import psycopg
from sqlalchemy import select, text

from tests.benchmarks import databases
from tests.benchmarks.lifecycle import TEAMS
from workflow.kernel.db import make_engine
from workflow.procurement.catalog import CatalogItem

CREATE = """INSERT INTO supply_requests (requester_id, department_id, purpose, status, version, total,
    needs_office_review, budget_year, committed_amount, created_at, updated_at, status_changed_at)
    VALUES (:requester, :department, :purpose, 'draft', 1, :total, false, :year, 0, :now, :now, :now) RETURNING id"""
LINE = """INSERT INTO supply_lines (request_id, position, item_id, description, category, unit, unit_price,
    quantity, supplier, attributes, received_quantity, green, single_use, spend)
    VALUES (:id, 0, :item, :description, :category, :unit, :price, :quantity, :supplier, :attributes, 0,
    false, false, 0)"""
NUMBER = "UPDATE supply_requests SET number = :number WHERE id = :id AND version = 1"
LOCK = "SELECT status, version FROM supply_requests WHERE id = :id FOR UPDATE"
PREV_HASH = """SELECT hash FROM audit_events WHERE entity_type = 'supply_request' AND entity_id = :id
    ORDER BY id DESC LIMIT 1"""
AUDIT = """INSERT INTO audit_events (entity_type, entity_id, action, from_state, to_state, actor_id,
    policy_version, data, created_at, prev_hash, hash)
    VALUES ('supply_request', :id, :action, :before, :after, :actor, :policy, '{}', :now, :prev, :hash)"""
FINDING = """INSERT INTO supply_findings (request_id, line, rule_id, outcome, message_key, params,
    suggestions, policy_version) VALUES (:id, :line, :rule, :outcome, :key, :params, :suggestions, :policy)"""
SUBMIT = """UPDATE supply_requests SET policy_version = :policy, needs_office_review = true, status = :after,
    version = :version, updated_at = :now, submitted_at = :now, status_changed_at = :now
    WHERE id = :id AND version = :version - 1"""
GREEN = "UPDATE supply_lines SET green = true WHERE request_id = :id"
MOVE = """UPDATE supply_requests SET status = :after, version = :version, updated_at = :now,
    status_changed_at = :now WHERE id = :id AND version = :version - 1"""
FIRST_APPROVAL = """UPDATE supply_requests SET status = :after, version = :version, committed_amount = total,
    updated_at = :now, status_changed_at = :now WHERE id = :id AND version = :version - 1"""
BUDGET = "UPDATE budgets SET committed = committed + :total WHERE department_id = :department AND year = :year"
OUTBOX = """INSERT INTO outbox_events (event_id, topic, aggregate_type, aggregate_id, payload, created_at)
    VALUES (:event_id, :topic, 'supply_request', :id, :payload, :now)"""

# The reads the services add to those writes (`with_reads=True`): the catalog item and the
# requester's name and department for a new request; at each action the request locked with its
# requester, department, budget figures and lines in one statement (instead of LOCK), the old
# findings cleared at submission, and the findings read for the answer after an approval.
CATALOG = "SELECT * FROM catalog_items WHERE id = :item"
PERSON = """SELECT u.id, u.username, u.full_name, d.id, d.code, d.name, d.name_zh FROM users u
    JOIN departments d ON d.id = u.department_id WHERE u.id = :id"""
LOAD = """SELECT r.*, u.username, u.full_name, u.role, u.department_id, d.code, d.name, d.name_zh,
    b.amount, b.committed, b.spent, l.* FROM supply_requests r JOIN users u ON u.id = r.requester_id
    JOIN departments d ON d.id = r.department_id
    LEFT JOIN budgets b ON b.department_id = r.department_id AND b.year = r.budget_year
    LEFT JOIN supply_lines l ON l.request_id = r.id WHERE r.id = :id ORDER BY l.position FOR UPDATE OF r"""
CLEAR_FINDINGS = "DELETE FROM supply_findings WHERE request_id = :id"
FINDINGS_OF = "SELECT * FROM supply_findings WHERE request_id = :id ORDER BY id"

POLICY = "2026.1"


def load_facts(session) -> dict:
    """The item's columns and the findings a submission records, read from a database seeded like B1's."""
    from tests.benchmarks.lifecycle import ITEM_SKU, QUANTITY

    item = session.scalar(select(CatalogItem).where(CatalogItem.sku == ITEM_SKU))
    # The findings of the last request the services submitted (prepare runs one lifecycle first).
    findings = [dict(r._mapping) for r in session.execute(text(
        "SELECT line, rule_id, outcome, message_key, params, suggestions FROM supply_findings "
        "WHERE request_id = (SELECT max(request_id) FROM supply_findings) ORDER BY id"))]
    from workflow.procurement.catalog import GREEN_ATTRIBUTES

    return {"item": item.id, "description": item.name, "category": item.category, "unit": item.unit,
            "price": item.unit_price, "quantity": QUANTITY, "supplier": item.supplier,
            "total": (item.unit_price * QUANTITY).quantize(Decimal("0.01")),
            "attributes": json.dumps({a: getattr(item, a) for a in GREEN_ATTRIBUTES}),
            "findings": findings}


class RawLifecycle:
    """One lifecycle as plain DB-API calls; `sqlite=True` for sqlite3 (no FOR UPDATE, BEGIN IMMEDIATE).

    `with_reads=True` adds the services' reads (above) to their writes; `named=True` keeps the
    `:name` parameters, for `SqlalchemyConnection`.
    """

    def __init__(self, facts: dict, teams: list[tuple[int, int, int]], office: int, year: int, sqlite: bool = False,
                 with_reads: bool = False, named: bool = False):
        self.facts, self.teams, self.office, self.year, self.sqlite = facts, teams, office, year, sqlite
        self.with_reads, self.named = with_reads, named
        self.sql = {name: self._dialect(s) for name, s in globals().items() if name.isupper() and isinstance(s, str)
                    and name != "POLICY"}

    def _dialect(self, sql: str) -> str:
        if self.sqlite:
            return re.sub(r" FOR UPDATE( OF \w+)?", "", sql)
        return sql if self.named else re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", sql)

    def _value(self, v):
        if self.sqlite and isinstance(v, Decimal):
            return str(v)
        if self.sqlite and isinstance(v, dt.datetime):
            return v.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ")
        return v

    def _x(self, cur, name: str, **params):
        cur.execute(self.sql[name], {k: self._value(v) for k, v in params.items()})
        return cur

    def _begin(self, conn):
        if self.sqlite:
            conn.execute("BEGIN IMMEDIATE")

    def _audit(self, cur, rid: int, action: str, before, after, actor: int, policy, now) -> None:
        prev = self._x(cur, "PREV_HASH", id=rid).fetchone()
        prev = prev[0] if prev else None
        content = "\x1f".join([prev or "", "supply_request", str(rid), action, before or "", after, str(actor),
                               "", "", policy or "", "{}", now.strftime("%Y-%m-%dT%H:%M:%S.%f")])
        digest = hashlib.sha256(content.encode()).hexdigest()
        self._x(cur, "AUDIT", id=rid, action=action, before=before, after=after, actor=actor, policy=policy,
                now=now, prev=prev, hash=digest)

    def _many(self, cur, name: str, rows: list[dict]) -> None:
        # One round trip for several rows, as the services' batched INSERT does.
        cur.executemany(self.sql[name], [{k: self._value(v) for k, v in r.items()} for r in rows])

    def _event(self, rid: int, topic: str, now, **payload) -> dict:
        return {"event_id": str(uuid.uuid4()), "topic": topic, "id": rid, "payload": json.dumps(payload), "now": now}

    def run(self, conn, team: int = 0) -> int:
        requester, head, department = self.teams[team]
        f, cur = self.facts, conn.cursor()
        now = dt.datetime.now(dt.timezone.utc)
        self._begin(conn)
        if self.with_reads:
            self._x(cur, "CATALOG", item=f["item"]).fetchall()
        rid = self._x(cur, "CREATE", requester=requester, department=department, purpose="Air conditioner",
                      total=f["total"], year=self.year, now=now).fetchone()[0]
        self._x(cur, "LINE", id=rid, item=f["item"], description=f["description"], category=f["category"],
                unit=f["unit"], price=f["price"], quantity=f["quantity"], supplier=f["supplier"],
                attributes=f["attributes"])
        number = f"SR-{self.year}-{rid:06d}"
        self._x(cur, "NUMBER", number=number, id=rid)
        self._audit(cur, rid, "create", None, "draft", requester, None, now)
        if self.with_reads:
            self._x(cur, "PERSON", id=requester).fetchall()
        conn.commit()
        base = {"number": number, "requester_id": requester, "department_id": department, "comment": ""}
        steps = [("submit", requester, "draft", "dept_review", "request.submitted"),
                 ("approve", head, "dept_review", "office_review", "request.advanced"),
                 ("approve", self.office, "office_review", "approved", "request.approved")]
        for version, (action, actor, before, after, topic) in enumerate(steps, start=2):
            now = dt.datetime.now(dt.timezone.utc)
            self._begin(conn)
            self._x(cur, "LOAD" if self.with_reads else "LOCK", id=rid).fetchall()
            if action == "submit" and self.with_reads:
                self._x(cur, "CLEAR_FINDINGS", id=rid)
            if action == "submit":
                self._many(cur, "FINDING", [
                    {"id": rid, "line": g["line"], "rule": g["rule_id"], "outcome": g["outcome"],
                     "key": g["message_key"], "params": json.dumps(g["params"]),
                     "suggestions": json.dumps(g["suggestions"]), "policy": POLICY} for g in f["findings"]])
                self._x(cur, "SUBMIT", policy=POLICY, after=after, version=version, now=now, id=rid)
                self._x(cur, "GREEN", id=rid)
            else:
                self._x(cur, "FIRST_APPROVAL" if before == "dept_review" else "MOVE", after=after, version=version,
                        now=now, id=rid)
            if before == "dept_review":
                self._x(cur, "BUDGET", total=f["total"], department=department, year=self.year)
            self._audit(cur, rid, action, before, after, actor, POLICY, now)
            payload = base | {"actor_id": actor, "from": before, "to": after}
            events = [self._event(rid, topic, now, **payload)]
            if after in ("dept_review", "office_review"):
                events.append(self._event(rid, "task.assigned", now, level=after, version=version, **payload))
            self._many(cur, "OUTBOX", events)
            if self.with_reads and action != "submit":
                self._x(cur, "FINDINGS_OF", id=rid).fetchall()
            conn.commit()
        cur.close()
        return rid


class SqlalchemyConnection:
    """Just enough of a DB-API connection over a SQLAlchemy engine for `RawLifecycle(named=True)`:
    the same statements, each run as `text()` through SQLAlchemy Core (its compiled cache, bind and
    result processing, pool), so that the cost of the layer itself can be measured."""

    def __init__(self, engine):
        self.engine, self.conn, self.texts = engine, None, {}

    def cursor(self) -> "SqlalchemyConnection":
        if self.conn is None:
            self.conn = self.engine.connect()
        return self

    def execute(self, sql: str, params=None) -> "SqlalchemyConnection":
        if sql.startswith("BEGIN"):
            return self  # the engine's own begin event issues BEGIN IMMEDIATE on SQLite
        statement = self.texts.get(sql)
        if statement is None:
            statement = self.texts[sql] = text(sql)
        self.result = self.cursor().conn.execute(statement, params or {})
        return self

    def executemany(self, sql: str, rows: list[dict]) -> None:
        self.execute(sql, rows)

    def fetchone(self):
        return self.result.fetchone()

    def fetchall(self):
        return self.result.fetchall()

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def raw_connection(url: str):
    """A plain DB-API connection for the raw baselines: psycopg, or sqlite3 with the pragmas
    workflow.kernel.db sets on every SQLAlchemy connection (and no implicit BEGIN: the lifecycle issues
    BEGIN IMMEDIATE itself, as workflow.kernel.db does)."""
    if not url.startswith("sqlite"):
        return psycopg.connect(databases.libpq_args(url)[1])
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30, check_same_thread=False, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def raw_work(url: str, raw_args: tuple, threads: int, with_reads: bool = False, via_sqlalchemy: bool = False):
    """For `spread.run`: the raw baseline's statements on plain connections, one per thread; with
    the services' reads too, and through SQLAlchemy Core instead of the driver, when asked."""
    sqlite = url.startswith("sqlite")
    raw = RawLifecycle(*raw_args, sqlite=sqlite, with_reads=with_reads, named=via_sqlalchemy)
    engine = None
    if via_sqlalchemy:
        engine = make_engine(url) if sqlite else make_engine(url, pool_size=threads)
        conns = [SqlalchemyConnection(engine) for _ in range(threads)]
    else:
        conns = [raw_connection(url) for _ in range(threads)]

    def close() -> None:
        for c in conns:
            c.close()
        if engine is not None:
            engine.dispose()
    return (lambda n: raw.run(conns[n], n % len(TEAMS))), close
