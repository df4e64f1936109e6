"""Each citizen's work in the order it came, one piece after another, while different citizens' runs at once: the
channel's handling of messages and the receiver's hand-ons share it."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Dict, List


class InTurn:
    def __init__(self) -> None:
        # The last task of each citizen: their next piece of work waits for it.
        self._tails: Dict[str, asyncio.Task] = {}

    def run(self, citizen: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task:
        """Starts `work` once the citizen's earlier work is done (whether it succeeded or not)."""
        previous = self._tails.get(citizen)

        async def after_previous() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            await work()

        task = asyncio.ensure_future(after_previous())
        self._tails[citizen] = task

        def forget(done: asyncio.Task) -> None:
            if self._tails.get(citizen) is done:
                del self._tails[citizen]

        task.add_done_callback(forget)
        return task

    def pending(self) -> List[asyncio.Task]:
        """Each citizen's last task: when these are done, everything started is."""
        return list(self._tails.values())
