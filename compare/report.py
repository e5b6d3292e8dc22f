"""Printing the suite's results: a rich table, then what went wrong."""
from rich.console import Console
from rich.table import Table

STYLE = {"pass": "green", "FAIL": "bold red", "error": "bold red", "skip": "yellow", "ref": "cyan"}


def _err(x):
    return "-" if x == 0 else f"{x:.2e}"


def print_table(rows, console=None):
    console = console or Console()
    table = Table(title="minigrad vs torch (reference: torch-cpu)")
    for col, justify in [("program", "left"), ("backend", "left"), ("max abs err", "right"),
                         ("max rel err", "right"), ("result", "center"), ("outputs", "right"),
                         ("time (ms)", "right")]:
        table.add_column(col, justify=justify, no_wrap=True)
    last = None
    for r in rows:
        name = r.program if r.program != last else ""
        last = r.program
        shown_err = r.status in ("pass", "FAIL")
        table.add_row(name, r.backend, _err(r.abs_err) if shown_err else "",
                      _err(r.rel_err) if shown_err else "",
                      f"[{STYLE[r.status]}]{r.status}[/]", str(r.outputs or ""),
                      f"{r.seconds * 1e3:.1f}" if r.seconds else "",
                      end_section=False)
    console.print(table)
    failed = [r for r in rows if r.failed]
    for r in failed:
        console.print(f"[bold red]{r.status}[/] {r.program} on {r.backend}:")
        for name, why in r.problems[:20]:
            console.print(f"    {name}: {why}", markup=False, highlight=False)
        if len(r.problems) > 20:
            console.print(f"    ... and {len(r.problems) - 20} more")
    n_pass = sum(r.status == "pass" for r in rows)
    n_skip = sum(r.status == "skip" for r in rows)
    verdict = "[bold red]FAILED[/]" if failed else "[bold green]OK[/]"
    console.print(f"{verdict}: {n_pass} passed, {len(failed)} failed, {n_skip} skipped "
                  f"({len({r.program for r in rows})} programs)")
