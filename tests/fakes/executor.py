"""The bot's listener executor, sized as in production, that can also tell when every listener has
finished, so a test can wait for work that leaves nothing visible behind (a replay that changes nothing)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bot.app import LISTENER_THREADS


class TrackingExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int = LISTENER_THREADS) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self._running = 0
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs):
        with self._lock:
            self._running += 1

        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._running -= 1

        return super().submit(run)

    def wait_idle(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._running == 0:
                    return
            time.sleep(0.01)
        raise AssertionError(f"{self._running} listener(s) still running after {timeout}s")
