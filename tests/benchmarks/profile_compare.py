"""Where the time went between two commits: the same one-thread load profiled in each tree, function by function.

Run: `.venv/bin/python -m tests.benchmarks.profile_compare <old-ref> [--new <ref>] [--target pg|sqlite|random]
[--count N] [--top 30]`. Each tree runs with its own code (compare.py's worktree and agent), under cProfile
timed by process time, so waits on the database are not counted. The output gives the CPU per iteration,
own CPU by package, then the project's functions (workflow/, policies/, api/) whose cumulative time per
iteration grew most, and the functions of any package whose own time grew most, with their calls per iteration.
"""
from __future__ import annotations

import argparse
import pstats
import re
import tempfile
from pathlib import Path

from tests.benchmarks.compare import Agent, Tree, log, tear_down
from tests.benchmarks.profile_lifecycle import by_package

OWN_CODE = ("workflow/", "policies/", "api/")


def where(path: str, roots: tuple[str, ...]) -> str:
    """A function's file, named the same in both trees: relative to its tree or to site-packages."""
    for root in roots:
        if path.startswith(root):
            return path[len(root):].lstrip("/")
    return re.sub(r"^.*site-packages/", "", path)


def per_function(stats: pstats.Stats, roots: tuple[str, ...], count: int) -> dict[tuple[str, str], list[float]]:
    """(file, function) -> [calls, own ms, cumulative ms], each per iteration; line numbers left out,
    as they move between commits."""
    out: dict[tuple[str, str], list[float]] = {}
    for (path, _line, name), (_cc, calls, own, cum, _callers) in stats.stats.items():
        row = out.setdefault((where(path, roots), name), [0.0, 0.0, 0.0])
        row[0] += calls / count
        row[1] += own * 1000 / count
        row[2] += cum * 1000 / count
    return out


def table(title: str, keys: list, before: dict, after: dict, column: int) -> str:
    lines = [title, f"  {'before ms':>9} {'after ms':>9} {'change':>8}   calls before -> after   function"]
    for key in keys:
        b, a = before.get(key, [0.0, 0.0, 0.0]), after.get(key, [0.0, 0.0, 0.0])
        lines.append(f"  {b[column]:9.3f} {a[column]:9.3f} {a[column] - b[column]:+8.3f}   "
                     f"{b[0]:7.1f} -> {a[0]:<7.1f}     {key[0]}:{key[1]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("--new", default=None, help="a commit after (default: this working tree)")
    parser.add_argument("--target", choices=("pg", "sqlite", "random"), default="pg",
                        help="lifecycles on PostgreSQL or SQLite, or test_reliability's random actions")
    parser.add_argument("--count", type=int, default=300, help="lifecycles or random actions profiled")
    parser.add_argument("--chunks", type=int, default=4,
                        help="profile in this many parts, the trees taking turns (ABBA), so load falls on both")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    parent = Path(tempfile.mkdtemp(prefix="jieyue-profile-compare-"))
    trees, agents, dumps = [], [], {}
    try:
        trees = [Tree("before", args.old, parent), Tree("after", args.new, parent)]
        agents = [Agent(t) for t in trees]
        for agent in agents:
            log(f"{agent.tree.label} ({agent.tree.commit}): preparing")
            answer = agent.call("prepare", ids=["R" if args.target == "random" else "S"], quick=True, seconds=1)
            if not answer["ok"]:
                raise SystemExit(f"{agent.tree.label}: {answer['error']}\n{answer['trace']}")
        part = max(1, args.count // args.chunks)
        for n in range(args.chunks):
            for agent in agents if n % 2 == 0 else agents[::-1]:
                label = agent.tree.label
                log(f"{label}: profiling {part} x {args.target} ({n + 1}/{args.chunks})")
                path = str(parent / f"{label}-{n}")
                answer = agent.call("profile", target=args.target, count=part, path=path)
                if not answer["ok"]:
                    raise SystemExit(f"{label}: {answer['error']}\n{answer['trace']}")
                if label in dumps:
                    dumps[label].add(path)
                else:
                    dumps[label] = pstats.Stats(path)
        args.count = part * args.chunks
    finally:
        tear_down(agents, trees, parent)

    roots = tuple(str(t.root.resolve()) for t in trees) + tuple(str(t.root) for t in trees)
    before, after = (per_function(dumps[k], roots, args.count) for k in ("before", "after"))
    total = {k: dumps[k].total_tt * 1000 / args.count for k in dumps}
    calls = {k: dumps[k].total_calls / args.count for k in dumps}
    print(f"{args.target}, {args.count} iterations, one thread, CPU under cProfile per iteration: before "
          f"{trees[0].commit} {total['before']:.2f} ms ({calls['before']:,.0f} calls), after {trees[1].commit} "
          f"{total['after']:.2f} ms ({calls['after']:,.0f} calls)\n")
    for k in ("before", "after"):
        print(f"{k}: {by_package(dumps[k])}")
    own = [k for k in set(before) | set(after) if k[0].startswith(OWN_CODE)]
    grown = sorted(own, key=lambda k: after.get(k, [0, 0, 0])[2] - before.get(k, [0, 0, 0])[2], reverse=True)
    print(table("the project's functions by growth of cumulative CPU per iteration:", grown[:args.top],
                before, after, 2) + "\n")
    new_only = sorted((k for k in own if k not in before), key=lambda k: -after[k][2])
    print(table("the project's functions only after (by cumulative CPU):", new_only[:args.top], before, after, 2)
          + "\n")
    every = sorted(set(before) | set(after), key=lambda k: after.get(k, [0, 0, 0])[1] - before.get(k, [0, 0, 0])[1],
                   reverse=True)
    print(table("any function by growth of own CPU per iteration:", every[:args.top], before, after, 1))


if __name__ == "__main__":
    main()
