"""The one background thread of a client: heartbeats and release-cache expiry run on it.

A heap of due tasks and a condition variable. The thread is started on the first task, sleeps
until the earliest one is due, runs every task that is due by then as one *round*, and stops as
soon as :meth:`Scheduler.stop` is called. Leases never get threads of their own, so a client
holding thousands of seats still has exactly one.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple


class Round:
    """What the tasks of one wake-up share: the servers found unreachable during it.

    When a server stops answering, every lease on it would otherwise wait out its own request
    timeout in turn on the one thread; within a round, the first failure speaks for the rest.
    """

    def __init__(self) -> None:
        self.down: Dict[str, str] = {}


class Task:
    """A scheduled call; cancel it with :meth:`Scheduler.cancel`."""

    __slots__ = ("due", "callback", "cancelled")

    def __init__(self, due: float, callback: Callable[[Round], None]) -> None:
        self.due = due
        self.callback = callback
        self.cancelled = False


class Scheduler:
    def __init__(self, name: str, logger: logging.Logger, clock: Callable[[], float] = time.monotonic) -> None:
        self._name = name
        self._logger = logger
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._heap: List[Tuple[float, int, Task]] = []
        self._seq = itertools.count()
        self._cancelled = 0
        self._thread: Optional[threading.Thread] = None
        self._stopped = False

    def call_later(self, delay: float, callback: Callable[[Round], None]) -> Task:
        """Runs ``callback`` on the scheduler thread ``delay`` seconds from now (never, once stopped)."""
        task = Task(self._clock() + delay, callback)
        with self._cond:
            if self._stopped:
                task.cancelled = True
                return task
            # Wake the thread only when this task is due before everything it is waiting for.
            wake = not self._heap or task.due < self._heap[0][0]
            heapq.heappush(self._heap, (task.due, next(self._seq), task))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            elif wake:
                self._cond.notify()
        return task

    def cancel(self, task: Task) -> None:
        with self._cond:
            if task.cancelled:
                return
            task.cancelled = True
            self._cancelled += 1
            # Cancelled tasks stay in the heap until due; a checkout/release loop would pile them
            # up, so the heap is rebuilt once they are the majority.
            if self._cancelled > 64 and self._cancelled * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def stop(self) -> None:
        """Drops every task and ends the thread; waits for it unless called from it."""
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    @property
    def thread(self) -> Optional[threading.Thread]:
        return self._thread

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._take_due()
                while not due:
                    if self._stopped:
                        return
                    if self._heap:
                        self._cond.wait(max(0.0, self._heap[0][0] - self._clock()))
                    else:
                        self._cond.wait()
                    due = self._take_due()
            shared = Round()
            for task in due:
                with self._cond:
                    if self._stopped:
                        return
                    if task.cancelled:
                        continue
                    task.cancelled = True  # ran: a later cancel() is a no-op
                try:
                    task.callback(shared)
                except Exception:  # a bug guard: the thread must outlive any one task
                    self._logger.exception("tessera_client: a background task failed")

    def _take_due(self) -> List[Task]:
        """Pops every live task that is due now (the lock is held)."""
        if self._stopped:
            return []
        now = self._clock()
        due: List[Task] = []
        while self._heap and self._heap[0][0] <= now:
            task = heapq.heappop(self._heap)[2]
            if task.cancelled:
                self._cancelled -= 1
            else:
                due.append(task)
        return due
