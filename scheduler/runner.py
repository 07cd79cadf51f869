"""APScheduler wiring for `onnuri run`: a check every few seconds; the leader runs the tick."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scheduler import jobs
from scheduler.leader import CHECK_EVERY, Leader, make_leader
from services.organisation import Organisation
from services.unit_of_work import utcnow

log = logging.getLogger(__name__)

# how often the leader renews and a standby asks to lead; well inside the lease, so a healthy leader keeps it
CHECK_SECONDS = round(CHECK_EVERY.total_seconds())


class SchedulerRunner:
    """Runs the tick every `tick_seconds` while this process holds the leadership."""

    def __init__(
        self,
        engine: Engine,
        session_factory: sessionmaker[Session],
        org: Organisation,
        on_queued: Callable[[], None],
        clock: Callable[[], datetime] = utcnow,
        tick_seconds: int = 60,
        check_seconds: int = CHECK_SECONDS,
        leader: Leader | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.org = org
        self.on_queued = on_queued
        self.clock = clock
        self.tick_every = timedelta(seconds=tick_seconds)
        self.check_seconds = min(check_seconds, tick_seconds)
        self.leader = leader or make_leader(engine, session_factory)
        self.role = "standby"  # until the first check says otherwise
        self._last_tick: datetime | None = None
        self._lock = threading.Lock()
        # an explicit zone: APScheduler would otherwise take the host's, and jobs are about Korea's day
        self._scheduler = BackgroundScheduler(timezone=org.timezone)

    def start(self) -> None:
        self._scheduler.add_job(
            self.check,
            IntervalTrigger(seconds=self.check_seconds, timezone=self.org.timezone),
            id="onnuri-scheduler",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self.check_seconds,
            next_run_time=datetime.now(self._scheduler.timezone),
        )
        self._scheduler.start()

    def check(self) -> None:
        with self._lock:
            if not self.leader.try_lead():
                self._stand_by()
                return
            if self.role != "leader":
                log.info("scheduler: leading")
            self.role = "leader"
            now = self.clock()
            if self._last_tick is not None and now - self._last_tick < self.tick_every:
                return
            # a process frozen since try_lead (SIGSTOP, a swap storm) may have lost the lead meanwhile
            if not self.leader.still_leads():
                log.warning("scheduler: lost the lead before this tick; not running it")
                self._stand_by()
                return
            self._last_tick = now
            try:
                queued = jobs.tick(self.session_factory, self.org, now)
            except Exception:
                log.exception("scheduler tick failed; the next one will try again")
                return
            if any(queued.values()):
                self.on_queued()

    def _stand_by(self) -> None:
        if self.role != "standby":
            log.info("scheduler: standing by (another process leads)")
        self.role = "standby"
        self._last_tick = None

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        with self._lock:
            self.leader.release()
            self.role = "off"
