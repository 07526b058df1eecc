"""Progress bars for long command-line work (rich, on stderr): count, total, rate, elapsed time.

``bar`` is driven by a callback of the library doing the work (``advance()`` per item); ``watch``
polls a count while work runs elsewhere (files appearing in or leaving a folder while another
process generates or ingests them). On a terminal the bar updates in place; otherwise (a log file)
only the final line is written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _progress(unit: str):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.completed / task.elapsed if task.elapsed else None  # the mean rate so far
            return Text(f"{speed:,.1f} {unit}/s" if speed else f"- {unit}/s")

    console = Console(stderr=True)
    if not console.is_terminal:  # a log file: one full line at the end, not cut at 80 columns
        console = Console(stderr=True, width=200)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn(unit), Rate(), TimeElapsedColumn(), console=console)


@contextmanager
def bar(description: str, total: int | None = None, unit: str = "items") -> Iterator[Callable[..., None]]:
    """Yields ``advance(n=1, label=None)``: ``n`` more items done; ``label`` replaces the description."""
    with _progress(unit) as progress:
        task = progress.add_task(description, total=total)

        def advance(n: int = 1, label: str | None = None) -> None:
            progress.update(task, advance=n, **({"description": f"{description}: {label}"} if label else {}))

        yield advance
        progress.update(task, description=description)


@contextmanager
def watch(description: str, count: Callable[[], int] | None, total: int | None = None, unit: str = "files",
          every: float = 0.5) -> Iterator[None]:
    """Show ``count()`` (polled every ``every`` s) against ``total`` while the body runs; without a
    ``count`` a spinner with the elapsed time."""
    with _progress(unit) as progress:
        task = progress.add_task(description, total=total)
        done = threading.Event()

        def poll() -> None:
            while not done.wait(every):
                if count is not None:
                    progress.update(task, completed=count())

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
            if count is not None:
                final = count()
                progress.update(task, completed=final, total=final if total is None else total)
