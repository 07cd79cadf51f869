"""The inbox sweep: every few seconds, requests another process lost (or this one could not queue) are taken
up; now and then, rows finished long ago are forgotten."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from handlers.pipeline import Pipeline
from services import inbox
from services.unit_of_work import utcnow, write_transaction

log = logging.getLogger(__name__)

SWEEP_EVERY = 5.0
FORGET_EVERY = 3600.0


class InboxSweep:
    def __init__(self, pipeline: Pipeline, every: float = SWEEP_EVERY) -> None:
        self.pipeline = pipeline
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._forgotten_at = 0.0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="inbox-sweep", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.once()
            except SQLAlchemyError as error:
                log.warning("inbox sweep failed (%s); trying again", type(error).__name__)
            except Exception:
                log.exception("inbox sweep failed")

    def once(self) -> int:
        taken = self.pipeline.sweep()
        if taken:
            log.info("inbox: took up %d request(s) left unfinished", taken)
        if time.monotonic() - self._forgotten_at > FORGET_EVERY:
            self._forgotten_at = time.monotonic()
            with write_transaction(self.pipeline.deps.session_factory) as session:
                inbox.forget_finished(session, utcnow())
        return taken
