"""``python -m compare [--programs P] [--backends B,...] [--json PATH]``, ``... run SCRIPT``,
``... fuzz --seed S --count N``."""
import argparse
import json
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def wide_console():
    """A rich console at least 120 columns wide (when not a terminal, rich assumes 80)."""
    console = Console()
    return console if console.is_terminal or console.width >= 120 else Console(width=120)


def suite_main(argv):
    from .backends import ALL_NAMES, REFERENCE, make_backends
    from .programs import load_all
    from .report import print_table
    from .runner import rows_to_json, run_suite, select_programs

    p = argparse.ArgumentParser(prog="python -m compare",
                                description="Run the program suite on minigrad and torch and "
                                            "compare every output with torch on the CPU. "
                                            "Subcommands: run SCRIPT.py, fuzz (--forward: jvp and "
                                            "Jacobian cases).")
    p.add_argument("--programs", default="", help="comma-separated globs or substrings")
    p.add_argument("--backends", default=",".join(ALL_NAMES),
                   help=f"comma-separated, from {', '.join(ALL_NAMES)}")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--repeat", type=int, default=2,
                   help="run each program N times and report the fastest (the first run pays "
                        "for imports and caches)")
    p.add_argument("--torch-threads", type=int, default=1,
                   help="torch's CPU thread count (default 1, like minigrad's NumPy)")
    p.add_argument("--list", action="store_true", help="list the programs and exit")
    p.add_argument("--compiled", action="store_true",
                   help="also run minigrad through minigrad.compile (captured twice, then "
                        "replayed) and compare that with torch too")
    args = p.parse_args(argv)

    console = wide_console()
    programs = select_programs(load_all(), args.programs)
    if args.list:
        for name, prog in programs.items():
            console.print(f"{name:40s} {prog.doc}", markup=False, highlight=False)
        return 0
    if not programs:
        console.print(f"no program matches {args.programs!r}")
        return 2
    import torch
    torch.set_num_threads(args.torch_threads)
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    if args.compiled:
        from .backends import COMPILED
        names.append(COMPILED)
    backends = make_backends(names, notice=lambda msg: console.print(msg))
    reference = next((b for b in backends if b.name == REFERENCE), None)
    if reference is None:
        reference = make_backends([REFERENCE])[0]
    runs_per_program = 1 + sum(b.name != REFERENCE for b in backends)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("starting", total=len(programs) * runs_per_program)
        state = {"started": False}

        def on_step(description):
            if state["started"]:
                progress.advance(task)
            state["started"] = description is not None
            if description:
                progress.update(task, description=description)

        rows = run_suite(programs, backends, reference, args.repeat, on_step)
    shown = [r for r in rows if r.backend in names or r.status == "error"]
    print_table(shown, console)
    compiled = next((b for b in backends if b.compiled), None)
    if compiled is not None:
        print_replay_summary(compiled, programs, console)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows_to_json(rows), f, indent=1, default=str)
    return 1 if any(r.failed for r in rows) else 0


def print_replay_summary(backend, programs, console):
    """How many programs minigrad.compile replayed, and why the others ran eagerly."""
    statuses = {name: backend.replay_status(name) for name in programs}
    replayed = sum(s == "replayed" for s in statuses.values())
    console.print(f"minigrad.compile: {replayed} of {len(statuses)} programs replayed; "
                  "the others ran eagerly after a graph break:", markup=False, highlight=False)
    reasons = {}
    for name, status in statuses.items():
        if status != "replayed":
            reasons.setdefault(status, []).append(name)
    for status, names in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        console.print(f"  {len(names):3d}  {status}  (e.g. {names[0]})", markup=False,
                      highlight=False)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        from .script import main as run_main
        return run_main(argv[1:])
    if argv and argv[0] == "fuzz":
        from .fuzz import main as fuzz_main
        return fuzz_main(argv[1:])
    return suite_main(argv)


if __name__ == "__main__":
    sys.exit(main())
