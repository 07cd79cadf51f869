"""The work behind the acknowledgements, in a process of its own at a lower CPU priority.

On PostgreSQL, `onnuri run` answers Slack from one process: it verifies a request, records it in the inbox
and acknowledges, nothing more. Everything after (the listeners, the outbox's delivery, the scheduler) runs
in this child, niced, so that on a busy machine the kernel gives the acknowledging process the CPU first and
a burst of work makes answers later, never acks. The parent wakes the child after each request it records;
the child also sweeps the inbox every few seconds, for requests another replica lost. A child that dies is
started again; a child whose parent died exits at once, leaving what it held to the inbox's claims.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time

from bot.settings import Settings

log = logging.getLogger(__name__)

NICENESS = 10
SWEEP_EVERY = 2.0  # seconds between sweeps when nobody wakes the child
RESTART_AFTER = 1.0
ROLES = ("off", "standby", "leader")


class WorkProcess:
    """The parent's handle on the child: start, wake, stop, and what the child says of the scheduler."""

    def __init__(self, settings: Settings, *, scheduler: bool) -> None:
        self.settings, self.scheduler = settings, scheduler
        self._context = multiprocessing.get_context("spawn")  # no threads or sockets carried over by fork
        self._wake = self._context.Event()
        self._stopping = self._context.Event()
        self._role = self._context.Value("i", 0)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._supervisor: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="work-process", daemon=True)
        self._supervisor.start()

    def wake(self) -> None:
        self._wake.set()

    @property
    def role(self) -> str:
        return ROLES[self._role.value] if 0 <= self._role.value < len(ROLES) else "off"

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._process is not None:
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)

    def _spawn(self) -> None:
        args = (self.settings, self.scheduler, self._wake, self._stopping, self._role, os.getpid())
        self._process = self._context.Process(target=_main, args=args, name="onnuri-work", daemon=False)
        self._process.start()

    def _supervise(self) -> None:
        while not self._stopping.wait(RESTART_AFTER):
            if self._process is not None and not self._process.is_alive() and not self._stopping.is_set():
                log.error("the work process stopped (exit code %s); starting it again", self._process.exitcode)
                self._role.value = 0
                self._spawn()


def _main(settings: Settings, scheduler: bool, wake, stopping, role, parent: int) -> None:  # the child
    from bot import logs
    from bot.runtime import build_runtime
    from services import inbox
    from services.unit_of_work import utcnow, write_transaction

    logs.configure(settings.log_level, settings.secrets)
    with contextlib.suppress(OSError):  # not permitted here: the same priority, still apart from the acks
        os.nice(NICENESS)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    runtime = build_runtime(settings, migrate_now=False)
    runtime.delivery.start()
    if scheduler:
        runtime.start_scheduler()
    pipeline = runtime.sweep.pipeline
    forgotten_at = 0.0
    try:
        while not stopping.is_set():
            wake.wait(SWEEP_EVERY)
            wake.clear()  # before the sweep: a request recorded during it wakes the next one
            try:
                pipeline.sweep()
                if time.monotonic() - forgotten_at > 3600:
                    forgotten_at = time.monotonic()
                    with write_transaction(runtime.session_factory) as session:
                        inbox.forget_finished(session, utcnow())
            except Exception:
                log.exception("the work process could not sweep the inbox; trying again")
            role.value = ROLES.index(runtime.scheduler_role)
        pipeline.lanes.wait_idle(10)
    finally:
        runtime.close()


def _exit_with_parent(parent: int) -> None:
    """A parent killed outright cannot stop its child: the child notices it was orphaned and exits hard, so
    nothing keeps working for a process that no longer answers Slack."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)
