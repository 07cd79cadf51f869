"""Work after the acknowledgement: a bounded number of requests at a time, the most urgent first.

Slack is answered before any of this runs, so a backlog here makes work later, never an ack. What waits is
ordered by priority (a form to open before its trigger expires, then reads, then writes), and then by arrival.
Admission is bounded: past MAX_WAITING a request is left in the inbox for the sweep, which takes it up when
there is room (here or on another replica), rather than growing this process's memory without limit.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor

log = logging.getLogger(__name__)

URGENT, READ, WRITE = 0, 1, 2  # priorities: lower goes first
MAX_WAITING = 2000
KEPT_FOR_READS = 4  # slots writes never take, so a form can open while every other slot is writing


class WorkLanes:
    def __init__(self, executor: Executor, slots: int, max_waiting: int = MAX_WAITING) -> None:
        self.executor = executor
        self.slots = slots
        self.max_waiting = max_waiting
        self._lock = threading.Condition()
        self._waiting: list[tuple[int, int, object, Callable[[], None]]] = []
        self._keys: set[object] = set()  # what is waiting or running here, so a sweep does not add it twice
        self._running = 0
        self._writing = 0
        self._order = itertools.count()

    def offer(self, priority: int, key: object, work: Callable[[], None]) -> bool:
        """Queues `work` unless it is already here or the queue is full (then False: it waits elsewhere)."""
        with self._lock:
            if key in self._keys or len(self._waiting) >= self.max_waiting:
                return False
            self._keys.add(key)
            heapq.heappush(self._waiting, (priority, next(self._order), key, work))
        self._pump()
        return True

    def holds(self, key: object) -> bool:
        with self._lock:
            return key in self._keys

    def wait_idle(self, timeout: float) -> bool:
        """Whether everything offered so far has run, waiting up to `timeout` seconds (tests, shutdown)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._keys, timeout)

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._running >= self.slots or not self._waiting:
                    return
                writes = self._waiting[0][0] >= WRITE  # the most urgent waiting is a write: nothing else waits
                if writes and self._writing >= max(1, self.slots - KEPT_FOR_READS):
                    return
                _priority, _order, key, work = heapq.heappop(self._waiting)
                self._running += 1
                self._writing += writes
            self.executor.submit(self._run, key, work, writes)

    def _run(self, key: object, work: Callable[[], None], writes: bool) -> None:
        try:
            work()
        except Exception:  # the work answers its own failures; this only keeps the lane alive
            log.exception("work after an acknowledgement failed")
        finally:
            with self._lock:
                self._running -= 1
                self._writing -= writes
                self._keys.discard(key)
                self._lock.notify_all()
        self._pump()
