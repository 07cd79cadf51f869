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
import signal
import threading
import time
from multiprocessing.connection import Connection

from bot.settings import Settings

log = logging.getLogger(__name__)

NICENESS = 10
SWEEP_EVERY = 2.0  # seconds between sweeps when nobody wakes the child
RESTART_AFTER = 1.0
RESTART_MAX = 60.0
WAKE, STOP = b"w", b"q"
ROLES = ("off", "standby", "leader")


class WorkProcess:
    """The parent's handle on the child: start, wake, stop, and what the child says of the scheduler.

    The parent wakes the child by writing a byte to a pipe, never blocking (a full pipe already means "wake
    up"), and reads the child's scheduler role from shared memory without a lock: nothing the child does, or
    a child killed at any instant, can hold up a request thread (a multiprocessing Event's set() can)."""

    def __init__(self, settings: Settings, *, scheduler: bool) -> None:
        self.settings, self.scheduler = settings, scheduler
        self._context = multiprocessing.get_context("spawn")  # no threads or sockets carried over by fork
        self._role = self._context.RawValue("i", 0)
        self._stopping = threading.Event()  # the parent's own: only the supervisor waits on it
        self._process: multiprocessing.process.BaseProcess | None = None
        self._waker: Connection | None = None
        self._supervisor: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="work-process", daemon=True)
        self._supervisor.start()

    def wake(self) -> None:
        waker = self._waker
        if waker is None:
            return
        with contextlib.suppress(BlockingIOError, BrokenPipeError, OSError):
            os.write(waker.fileno(), WAKE)

    @property
    def role(self) -> str:
        value = self._role.value
        return ROLES[value] if 0 <= value < len(ROLES) else "off"

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self._waker is not None:
            with contextlib.suppress(OSError):
                os.write(self._waker.fileno(), STOP)
        if self._process is not None:
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)

    def _spawn(self) -> None:
        reader, writer = self._context.Pipe(duplex=False)  # new for every child: a dead one leaves nothing held
        os.set_blocking(writer.fileno(), False)
        args = (self.settings, self.scheduler, reader, self._role, os.getpid())
        process = self._context.Process(target=_main, args=args, name="onnuri-work", daemon=False)
        process.start()
        reader.close()  # the child has its own copy
        old, self._waker, self._process = self._waker, writer, process
        if old is not None:
            old.close()

    def _supervise(self) -> None:
        pause = RESTART_AFTER
        while not self._stopping.wait(pause):
            process = self._process
            if process is None or process.is_alive():
                pause = RESTART_AFTER
                continue
            if self._stopping.is_set():
                return
            log.error("the work process stopped (exit code %s); starting it again", process.exitcode)
            self._role.value = 0
            self._spawn()
            pause = min(pause * 2, RESTART_MAX)  # a child that cannot start is not restarted every second


def _main(settings: Settings, scheduler: bool, waker: Connection, role, parent: int) -> None:  # the child
    from bot import logs
    from bot.runtime import build_runtime
    from services import inbox
    from services.unit_of_work import utcnow, write_transaction

    # Ctrl-C or a service manager's SIGTERM reaches the whole group: the child stops when the parent says so,
    # after the work in hand, not in the middle of it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logs.configure(settings.log_level, settings.secrets)
    with contextlib.suppress(OSError):  # not permitted here: the same priority, still apart from the acks
        os.nice(NICENESS)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="parent-watch", daemon=True).start()
    os.set_blocking(waker.fileno(), False)
    runtime = build_runtime(settings, migrate_now=False)
    runtime.delivery.start()
    if scheduler:
        runtime.start_scheduler()
    pipeline = runtime.sweep.pipeline
    forgotten_at = 0.0
    try:
        while True:
            if waker.poll(SWEEP_EVERY) and _told_to_stop(waker):
                break
            runtime.delivery.wake()  # what the parent's forms queued goes now, not at the next poll
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


def _told_to_stop(waker: Connection) -> bool:
    """Drains the wake-ups; True when the parent said stop or is gone (the pipe closed)."""
    try:
        data = os.read(waker.fileno(), 65536)
    except BlockingIOError:
        return False
    return not data or STOP in data


def _exit_with_parent(parent: int) -> None:
    """A parent killed outright cannot stop its child: the child notices it was orphaned and exits hard, so
    nothing keeps working for a process that no longer answers Slack."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(0.5)
