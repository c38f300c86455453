"""Before and after: B1, B3, B4, B8 and the statements of one lifecycle, an older commit against this tree, in one session.

Run: `bash scripts/bench.sh compare <old-ref> [--quick] [--rounds N] [--only B1,B8,S] [--new <ref>]`. It checks
<old-ref> out in a temporary git worktree beside this one and starts one agent process per tree
(tests/benchmarks/compare_agent.py, run with that tree as its working directory and PYTHONPATH), so each
side migrates, seeds and measures with its own code, workload modules included. The agents make their
databases and servers once; then the rounds alternate between the trees workload by workload (B1 before,
B1 after, B3 before, ...), and the side that goes first alternates from round to round (ABBA), so a burst
of load on the shared machine, or a warmer cache for whoever runs second, falls on both alike. Each figure's
after/before is taken within a round and the median of those ratios is judged; many short rounds resolve
better than a few long ones. The table is printed and recorded in BENCHMARKS.md between the compare markers.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests import support
from tests.benchmarks.environment import describe
from tests.benchmarks.run import record

AGENT = Path(__file__).with_name("compare_agent.py")
RECORD = support.ROOT / "BENCHMARKS.md"
WORKLOADS = ("B1", "B3", "B4", "B8", "S")
# Asked for by name only (--only R): the random-actions mix of test_reliability.py (compare_agent.RandomActions).
EXTRA = ("R",)
LIMIT = 0.10  # the "no figure worse than 10 %"
HARNESS = ("tests/benchmarks", "scripts/bench.sh", "BENCHMARKS.md")


def log(message: str) -> None:
    print(f"[compare {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(support.ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


# ---- the two trees and their agents --------------------------------------------------------------

class Tree:
    """A tree of the repository: this one, or a commit checked out in a temporary worktree."""

    def __init__(self, label: str, ref: str | None, parent: Path):
        self.label = label
        self.made = ref is not None
        if ref is None:
            self.root = support.ROOT
            outside = (".", *(f":!{p}" for p in HARNESS))
            dirty = git("status", "--porcelain", "--untracked-files=no", "--", *outside)
            head = git("rev-parse", "--short", "HEAD")
            # The commit whose code is measured: the benchmarks' own files do not change what they measure.
            code = git("log", "-1", "--format=%h", "HEAD", "--", *outside)
            self.commit = head + (f" (code of {code})" if code != head else "") + (
                " with uncommitted changes" if dirty else "")
            self.subject = git("log", "-1", "--format=%s", code)
        else:
            self.commit = git("rev-parse", "--short", f"{ref}^{{commit}}")
            self.subject = git("log", "-1", "--format=%s", self.commit)
            self.root = parent / f"{label}-{self.commit}"
            git("worktree", "add", "--detach", "--quiet", str(self.root), self.commit)
            # The same virtualenv: gunicorn (B4) is started as <tree>/.venv/bin/gunicorn.
            (self.root / ".venv").symlink_to((support.ROOT / ".venv").resolve())

    def remove(self) -> None:
        if self.made:
            try:
                git("worktree", "remove", "--force", str(self.root))
            except subprocess.CalledProcessError:
                shutil.rmtree(self.root, ignore_errors=True)
                git("worktree", "prune")


class Agent:
    """compare_agent.py inside one tree: commands in on stdin, answers out on stdout, logs on stderr."""

    def __init__(self, tree: Tree):
        self.tree = tree
        env = {**os.environ, "PYTHONPATH": str(tree.root)}
        # `python -c` puts the working directory (the tree) first on sys.path, and nothing of this tree.
        self.proc = subprocess.Popen([sys.executable, "-c", AGENT.read_text()], cwd=tree.root, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, op: str, **args) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            return {"ok": False, "error": f"the {self.tree.label} agent exited ({self.proc.wait()})", "trace": ""}
        return json.loads(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            answer = self.call("close")
            if not answer["ok"]:
                log(f"{self.tree.label}: close failed: {answer['error']}")
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# ---- the figures ---------------------------------------------------------------------------------

@dataclass
class Figure:
    id: str
    name: str
    unit: str
    # "higher", "lower" (within 10 % of before), "no more" (counts: after <= before) or "flat" (after <= 1)
    better: str
    value: Callable[[dict], float | None]   # the figure in one round's answer of that workload
    first_round_only: bool = False


def figures(ids: set[str], quick: bool) -> list[Figure]:
    sizes = (0, 1_000, 10_000) if quick else (0, 10_000, 100_000)
    out = [
        Figure("B1", "supply lifecycles via services, 8 workers (2 processes x 4 threads), PG", "/s", "higher",
               lambda v: v["rate"]),
        Figure("B1", "CPU per lifecycle in the 2 processes, PG", "ms", "lower", lambda v: v["cpu_ms"]),
    ]
    for action in ("submit", "approve"):
        for size in sizes:
            out.append(Figure("B3", f"one {action}, {size:,} requests stored (median)", "ms", "lower",
                              lambda v, s=size, a=action: v["times"][str(s)][a]))
    out += [
        Figure("B3", "RSS after the memory probe (one process)", "MiB", "lower",
               lambda v: v.get("memory", {}).get("rss_mib"), first_round_only=True),
        Figure("B3", "RSS growth per 10,000 lifecycles after the first third (B3's goal: flat, <= 1 MiB)", "MiB",
               "flat", lambda v: v.get("memory", {}).get("slope"), first_round_only=True),
        Figure("B4", "approve over HTTP, max rate (gunicorn 2x4 gthread)", "/s", "higher", lambda v: v["rate"]),
        Figure("B4", "approve p99 at 70 % of its max rate", "ms", "lower", lambda v: v["p99_ms"]),
        Figure("B8", "supply lifecycles via services, 8 threads (1 process), SQLite WAL", "/s", "higher",
               lambda v: v["rate"]),
        Figure("B8", "CPU per lifecycle in the process, SQLite", "ms", "lower", lambda v: v["cpu_ms"]),
        Figure("R", "random actions (read + act) per second, 50 threads, one pool of 50, PG", "/s", "higher",
               lambda v: v["rate"]),
        Figure("R", "CPU per random action (read + act), one thread, PG", "ms", "lower", lambda v: v["cpu_ms"]),
        Figure("S", "SQL statements per lifecycle, PG", "", "no more", lambda v: len(v["pg"]["statements"])),
        Figure("S", "connection checkouts per lifecycle, PG", "", "no more", lambda v: v["pg"]["checkouts"]),
        Figure("S", "SQL statements per lifecycle, SQLite", "", "no more",
               lambda v: len(v["sqlite"]["statements"])),
        Figure("S", "CPU per lifecycle, one thread, PG", "ms", "lower", lambda v: v["pg"]["cpu_ms"]),
        Figure("S", "CPU per lifecycle, one thread, SQLite", "ms", "lower", lambda v: v["sqlite"]["cpu_ms"]),
    ]
    return [f for f in out if f.id in ids]


def number(x: float, unit: str) -> str:
    text = f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:.2f}" if abs(x) < 10 else f"{x:.1f}"
    return f"{text} {unit}".strip() if unit not in ("", "/s") else f"{text}{unit}"


def row(figure: Figure, before: list[dict], after: list[dict]) -> tuple[str, bool | None]:
    """One line of the table from the rounds both sides answered, and whether it is within the limit.

    Before and after are each side's median over the rounds. What is judged is the median of the per-round
    ratios: a round's after over the same round's before, measured seconds apart, so a burst of load from
    other work that spans both halves of a round cancels out, and one that hits a single half is one outlier
    among the rounds. Their range shows how much the rounds disagreed.
    """
    pairs = []
    for b, a in zip(before, after, strict=True):
        if b is None or a is None:
            continue
        try:
            pair = figure.value(b), figure.value(a)
        except (KeyError, TypeError):
            continue
        if None not in pair:
            pairs.append(pair)
        if figure.first_round_only:
            break
    if not pairs:
        return f"| {figure.id} | {figure.name} | — | — | — | not measured |", None
    old, new = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    if figure.better == "flat":
        ok = new <= 1.0
        return (f"| {figure.id} | {figure.name} | {old:.2f} {figure.unit} | {new:.2f} {figure.unit} | — | "
                f"{'✓' if ok else '✗'} (<= 1) |", ok)
    ratios = [a / b for b, a in pairs if b]
    ratio = statistics.median(ratios) if ratios else float("nan")
    if figure.better == "no more":
        ok = new <= old
    elif figure.better == "higher":
        ok = ratio >= 1 - LIMIT
    else:
        ok = ratio <= 1 + LIMIT
    spread = f" [{min(ratios):.2f}–{max(ratios):.2f}]" if len(ratios) > 1 and figure.better != "no more" else ""
    return (f"| {figure.id} | {figure.name} | {number(old, figure.unit)} | {number(new, figure.unit)} | "
            f"{ratio:.2f}{spread} | {'✓' if ok else '✗'}{' (no more)' if figure.better == 'no more' else ''} |", ok)


def statement_diff(before: list[dict], after: list[dict]) -> str:
    """The statements of one lifecycle, before against after, where they differ (first round of each)."""
    b = next((r for r in before if r), None)
    a = next((r for r in after if r), None)
    if not (a and b):
        return ""
    out = []
    for db in ("pg", "sqlite"):
        old, new = b[db]["statements"], a[db]["statements"]
        if old != new:
            diff = difflib.unified_diff([s[:160] for s in old], [s[:160] for s in new], "before", "after",
                                        lineterm="", n=0)
            out.append(f"{db}: {len(old)} -> {len(new)} statements\n" + "\n".join(diff))
        else:
            out.append(f"{db}: the same {len(old)} statements")
    return "\n".join(out)


# ---- the session ---------------------------------------------------------------------------------

def tear_down(agents, trees, parent) -> None:
    """Stop the agents, remove the worktrees and the session's folder (also after a failure)."""
    for agent in agents:
        agent.stop()
    for tree in trees:
        tree.remove()
    shutil.rmtree(parent, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.sh compare", description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the commit before, e.g. bb262c1")
    parser.add_argument("--new", default=None, help="a commit after (default: this working tree)")
    parser.add_argument("--quick", action="store_true", help="small data, 3 s rounds, 2 rounds")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per side (default 8, quick 2)")
    parser.add_argument("--seconds", type=float, default=None, help="B1/B8/R measuring time (default 6, quick 3)")
    parser.add_argument("--only", default=None, help="comma-separated ids of " + ",".join(WORKLOADS + EXTRA))
    parser.add_argument("--marker", default="compare", help="BENCHMARKS.md markers <!-- MARKER:begin/end -->")
    parser.add_argument("--no-record", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    parser.add_argument("--raw", default=None, help="also write every round's answers, as JSON, to this file")
    args = parser.parse_args(argv)
    # More, shorter rounds than the suite's (5 x 10 s): each pair of halves is closer in time, and more
    # pairs make the median ratio steadier on a shared machine.
    rounds = args.rounds or (2 if args.quick else 8)
    seconds = args.seconds or (3.0 if args.quick else 6.0)
    chosen = {i.strip().upper() for i in args.only.split(",")} if args.only else set(WORKLOADS)
    ids = [w for w in WORKLOADS + EXTRA if w in chosen]
    if not ids:
        raise SystemExit(f"no workload among {args.only}; choose from {','.join(WORKLOADS + EXTRA)}")

    started, load_before = time.strftime("%Y-%m-%d %H:%M %Z"), os.getloadavg()
    parent = Path(tempfile.mkdtemp(prefix="jieyue-compare-"))
    trees, agents, problems = [], [], []
    answers: dict[str, dict[str, list]] = {"before": {w: [] for w in ids}, "after": {w: [] for w in ids}}
    try:
        trees = [Tree("before", args.old, parent), Tree("after", args.new, parent)]
        log(f"before: {trees[0].commit} in {trees[0].root}; after: {trees[1].commit} in {trees[1].root}")
        agents = [Agent(t) for t in trees]
        measured = {w: [True, True] for w in ids}
        for agent in agents:
            log(f"{agent.tree.label}: migrating, seeding and preparing {','.join(ids)}")
            answer = agent.call("prepare", ids=ids, quick=args.quick, seconds=seconds)
            if not answer["ok"]:
                raise RuntimeError(f"{agent.tree.label} could not prepare: {answer['error']}\n{answer['trace']}")
            if Path(answer["value"]["root"]).resolve() != agent.tree.root.resolve():
                raise RuntimeError(f"{agent.tree.label} imported its tests from {answer['value']['root']}")
        for n in range(rounds):
            order = agents if n % 2 == 0 else agents[::-1]
            for w in ids:
                for agent in order:
                    side = agents.index(agent)
                    label = agent.tree.label
                    if not measured[w][side]:
                        answers[label][w].append(None)
                        continue
                    log(f"round {n + 1}/{rounds} {w} {label}")
                    answer = agent.call("round", workload=w)
                    if answer["ok"]:
                        answers[label][w].append(answer["value"])
                    else:
                        problems.append(f"{w} {label}: {answer['error']}")
                        log(f"{w} {label} failed, left out from now on:\n{answer['trace']}")
                        measured[w][side] = False
                        answers[label][w].append(None)
    finally:
        tear_down(agents, trees, parent)

    if args.raw:
        Path(args.raw).write_text(json.dumps(answers, indent=1))
    lines = ["| id | workload | before | after | after/before, median of rounds [min–max] | within 10 % |",
             "|---|---|---|---|---|---|"]
    verdicts = []
    for figure in figures(set(ids), args.quick):
        line, ok = row(figure, answers["before"][figure.id], answers["after"][figure.id])
        lines.append(line)
        verdicts.append(ok)
    errors = {label: sum(r.get("errors", 0) + r.get("failed", 0) for w in ids for r in answers[label][w] if r)
              for label in ("before", "after")}
    if "R" in ids:
        def outcomes(label: str) -> str:
            done = [r for r in answers[label]["R"] if r]
            return (" / ".join(f"{statistics.median(r[k] for r in done):,.0f} {k}" for k in ("done", "refused"))
                    if done else "—")

        lines.append(f"\nRandom actions per round (medians): before {outcomes('before')}, after {outcomes('after')}.")
    before, after = trees
    mode = "quick" if args.quick else "full"
    text = (f"Compared {started} ({mode} mode, {rounds} rounds per side, B1/B8 {seconds:.0f} s a round, the sides "
            f"alternating ABBA" + (f", only {','.join(ids)}" if args.only else "") + ")\n\n"
            f"- before: `{before.commit}` {before.subject[:100]}\n"
            f"- after: `{after.commit}` {after.subject[:100]}\n\n" + "\n".join(lines) + "\n\n"
            f"Failed lifecycles or answers: before {errors['before']}, after {errors['after']}. "
            f"Load average (1 min) at the start {load_before[0]:.1f}, at the end {os.getloadavg()[0]:.1f}.\n\n"
            + describe(support.PG_ADMIN_URL))
    if problems:
        text += "\n\nNot measured:\n" + "\n".join(f"- {p.splitlines()[0]}" for p in problems)
    print(text)
    if "S" in ids:
        print("\nStatements of one lifecycle, before -> after:\n" + statement_diff(answers["before"]["S"],
                                                                             answers["after"]["S"]))
    if not args.no_record:
        record(text, args.marker)
    return 0 if verdicts and all(v is not False for v in verdicts) and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
