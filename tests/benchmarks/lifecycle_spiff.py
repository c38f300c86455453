"""B2: the services' supply lifecycle against SpiffWorkflow 3 running the same flow as BPMN
(supply_lifecycle.bpmn), its whole state serialized to a PostgreSQL JSON column at each step."""
from __future__ import annotations

import logging
from dataclasses import replace
import threading
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from tests.benchmarks import databases, spread
from tests.benchmarks.lifecycle import services_work
from tests.benchmarks.lifecycle_pg import WORKERS, compare, seconds
from tests.benchmarks.table import Result
from workflow.kernel.db import make_engine

BPMN = Path(__file__).with_name("supply_lifecycle.bpmn")
TABLE = """CREATE TABLE process_instances (id bigserial PRIMARY KEY, process text NOT NULL,
    status text NOT NULL, state json NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())"""
# The request travels in the workflow's data, as a BPMN engine keeps it: what the services store
# in their rows (requester, department, the line, the total) and each actor's decision.
REQUEST = {"purpose": "Air conditioner for the archive room", "requester_id": 1, "department_id": 1,
           "lines": [{"item_id": 10, "quantity": "2", "unit_price": "3200.00"}], "total": 6400}
# Spiff logs every state change at INFO: the benchmark's output is the table.
logging.getLogger("spiff").setLevel(logging.WARNING)
STEPS = (("submit", 1), ("dept_approval", 3), ("office_approval", 5))


class SpiffEngine:
    """Start, load, complete a user task, save: what an engine built on SpiffWorkflow does per step."""

    def __init__(self, url: str, workers: int):
        parser = BpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec("supply_request")
        self.engine = make_engine(url, pool_size=workers, max_overflow=0)
        self._local = threading.local()

    @property
    def serializer(self) -> BpmnWorkflowSerializer:
        # One per thread: the serializer flips a mode flag on its registry while it works.
        if not hasattr(self._local, "serializer"):
            self._local.serializer = BpmnWorkflowSerializer()
        return self._local.serializer

    def start(self) -> int:
        workflow = BpmnWorkflow(self.spec)
        workflow.data.update(REQUEST)
        workflow.do_engine_steps()
        with self.engine.begin() as conn:
            return conn.execute(text("INSERT INTO process_instances (process, status, state) "
                                     "VALUES ('supply_request', 'draft', :s) RETURNING id"),
                                {"s": self.serializer.serialize_json(workflow)}).scalar_one()

    def complete(self, instance_id: int, task_name: str, actor_id: int) -> None:
        with self.engine.begin() as conn:
            state = conn.execute(text("SELECT state FROM process_instances WHERE id = :id FOR UPDATE"),
                                 {"id": instance_id}).scalar_one()
            # psycopg hands a json column back as Python objects; the serializer wants the text.
            workflow = self.serializer.from_dict(state) if isinstance(state, dict) else \
                self.serializer.deserialize_json(state)
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            if task is None or task.task_spec.name != task_name:
                raise RuntimeError(f"expected {task_name}, found {task and task.task_spec.name}")
            task.data.update({"total": REQUEST["total"], f"{task_name}_by": actor_id, "decision": "approve"})
            task.run()
            workflow.do_engine_steps()
            ready = workflow.get_next_task(state=TaskState.READY, manual=True)
            status = "approved" if workflow.is_completed() else ready.task_spec.name
            conn.execute(text("UPDATE process_instances SET state = :s, status = :st, updated_at = now() "
                              "WHERE id = :id"),
                         {"s": self.serializer.serialize_json(workflow), "st": status, "id": instance_id})

    def lifecycle(self) -> int:
        instance_id = self.start()
        for name, actor in STEPS:
            self.complete(instance_id, name, actor)
        return instance_id


def spiff_work(url: str, threads: int = spread.THREADS):
    """For `spread.run`: one process's SpiffWorkflow engine, and how to close it."""
    engine = SpiffEngine(url, threads)
    return (lambda n: engine.lifecycle()), engine.engine.dispose


class LifecycleSpiff:
    ids = ("B2",)

    def prepare(self, ctx) -> None:
        self.url = databases.create(ctx.admin_url, "bench_b2_spiff")
        engine = make_engine(self.url)
        with engine.begin() as conn:
            conn.execute(text(TABLE))
        engine.dispose()
        spiff = SpiffEngine(self.url, WORKERS)
        spiff.lifecycle()  # the flow reaches its end, or the benchmark is wrong
        spiff.engine.dispose()

    def round(self, ctx) -> dict:
        secs = seconds(ctx)
        services = spread.run(services_work, (ctx.database_url,), secs)
        spiff = spread.run(spiff_work, (self.url,), secs)
        # B1's baselines of this round, when B1 runs too: what the same writes cost by hand.
        return {"services": services.per_second, "spiff": spiff.per_second,
                "errors": services.errors + spiff.errors} | ctx.shared.pop("b1_round", {})

    def results(self, rounds: list[dict]) -> list[Result]:
        spiff = f"SpiffWorkflow 3 BPMN, state as JSON in PG per step, {spread.LAYOUT}"
        results = [compare("B2", f"supply lifecycle via services, {WORKERS} workers ({spread.LAYOUT}), PG",
                           spiff, rounds, "spiff", 3)]
        # The ceiling: B1's hand-written baselines (the services' own writes, nothing else) against
        # SpiffWorkflow in the same round. No engine that writes what the services write can go faster.
        for key, name in (("pgbench", "pgbench script"), ("raw", f"raw psycopg, {spread.LAYOUT}")):
            if all(key in r for r in rounds):
                ceiling = [{"services": r[key], "spiff": r["spiff"], "errors": 0} for r in rounds]
                row = compare("B2", f"ceiling: B1's {name}, same writes by hand", spiff, ceiling, "spiff", 3)
                results.append(replace(row, goal="(>= 3 x for the services)", met=None))
        return results

    def close(self, ctx) -> None:
        if getattr(self, "url", None):
            databases.drop(ctx.admin_url, self.url)


WORKLOADS = [LifecycleSpiff()]
