"""A time budget for the CPU-heavy part of a command, spent off the event loop.

Ranking a question or resolving an article by words is pure Python. Run on the event
loop, a slow one would hold up polling, delivery and every other command; here it runs in
a small pool of its own (not the loop's default executor, which parses feeds), and the
command gives up waiting after BUDGET seconds. A thread cannot be stopped, so the work
itself must be bounded too (bot.treaty bounds spelling correction); the budget is what the
caller is promised however busy the pool is.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

BUDGET = 2.0  # seconds; Discord's 3 s window, less the time to send the answer
WORKERS = 2

P = ParamSpec("P")
T = TypeVar("T")

_pool: ThreadPoolExecutor | None = None


class OverBudget(Exception):
    """The work did not finish within the budget (or waited too long to start)."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"over the {budget:g} s budget")
        self.budget = budget


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="command")
    return _pool


async def off_loop(
    fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`fn(*args, **kwargs)` in the command pool; OverBudget past BUDGET seconds."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_executor(), functools.partial(fn, *args, **kwargs))
    try:
        return await asyncio.wait_for(future, BUDGET)
    except TimeoutError:
        raise OverBudget(BUDGET) from None
