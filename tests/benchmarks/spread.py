"""Benchmark load laid out as the web server runs the services: processes of threads.

docker/gunicorn.conf.py runs 2 worker processes of 4 threads each, so "8 concurrent workers" (B1,
B2, B8) is 2 processes x 4 threads here, for the services and for every baseline alike: threads
of one process share one interpreter lock, processes do not. Each process builds its own engine
and pool after it starts (spawn, as gunicorn forks before the app is built), warms up, and all
start the measured period together.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import time

from tests.benchmarks.lifecycle import LifecycleRun, drive

PROCESSES, THREADS = 2, 4
LAYOUT = f"{PROCESSES} processes x {THREADS} threads"
_STARTUP_SECONDS = 120


def run(make_work, args: tuple, seconds: float, processes: int = PROCESSES, threads: int = THREADS) -> LifecycleRun:
    """Run `work(thread_index)` in `threads` threads of each of `processes` processes for `seconds`.

    `make_work(*args)` (a module-level function, so that it can be sent to a new process) returns
    `(work, close)`. The rate is the sum of the processes' rates over the common period.
    """
    context = multiprocessing.get_context("spawn")
    ready, results, go = context.Queue(), context.Queue(), context.Event()
    children = [context.Process(target=_child, args=(make_work, args, threads, seconds, ready, go, results),
                                daemon=True) for _ in range(processes)]
    for child in children:
        child.start()
    try:
        for _ in children:
            failure = ready.get(timeout=_STARTUP_SECONDS)
            if failure:
                raise RuntimeError(f"a benchmark process failed to start: {failure}")
        server_cpu = postgres_cpu_seconds()
        go.set()
        runs = [results.get(timeout=seconds + _STARTUP_SECONDS) for _ in children]
        server_cpu = postgres_cpu_seconds() - server_cpu
    except queue.Empty:
        raise RuntimeError("a benchmark process did not report in time") from None
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
    count = sum(r[0] for r in runs)
    took = max(r[1] for r in runs)
    cpu = {"python": sum(r[3] for r in runs), "postgres": server_cpu}
    return LifecycleRun(count, took, sum(r[0] / r[1] for r in runs if r[1]), sum(r[2] for r in runs),
                        {k: v * 1000 / count for k, v in cpu.items()} if count else None)


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by this machine's PostgreSQL processes (all of them: the benchmark
    is assumed to be the only load on the server while it runs); 0 without /proc.

    A backend's CPU stays counted after it exits: the postmaster's "children" times hold it.
    """
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
        try:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("postgres"):
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or gone meanwhile
        total += sum(int(f) for f in fields[11:15])  # utime, stime, and of exited children
    return total / tick


def _child(make_work, args, threads, seconds, ready, go, results) -> None:
    try:
        work, close = make_work(*args)
        for n in range(threads):  # warm the pool, the statement caches and the policy document
            work(n)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which stops the run
        ready.put(repr(exc))
        return
    ready.put(None)
    go.wait()
    cpu = time.process_time()
    try:
        done = drive(work, threads, seconds)
        cpu = time.process_time() - cpu
    finally:
        close()
    results.put((done.count, done.seconds, done.errors, cpu))
