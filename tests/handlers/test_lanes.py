"""Work lanes: bounded, most urgent first, and never the same request twice."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from handlers.lanes import KEPT_FOR_READS, READ, URGENT, WRITE, WorkLanes


def test_waiting_work_runs_most_urgent_first_then_in_arrival_order():
    gate, ran = threading.Event(), []
    with ThreadPoolExecutor(max_workers=1) as pool:
        lanes = WorkLanes(pool, slots=1)
        lanes.offer(WRITE, "blocker", gate.wait)
        for priority, name in ((WRITE, "w1"), (READ, "r1"), (WRITE, "w2"), (URGENT, "form"), (READ, "r2")):
            lanes.offer(priority, name, lambda name=name: ran.append(name))
        assert lanes.waiting == 5
        gate.set()
        assert lanes.wait_idle(5)
    assert ran == ["form", "r1", "r2", "w1", "w2"]


def test_a_full_queue_refuses_and_the_same_request_is_not_queued_twice():
    gate = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        lanes = WorkLanes(pool, slots=1, max_waiting=2)
        assert lanes.offer(WRITE, 1, gate.wait)
        assert lanes.offer(WRITE, 2, lambda: None)
        assert not lanes.offer(WRITE, 2, lambda: None)  # already waiting here
        assert lanes.offer(WRITE, 3, lambda: None)
        assert not lanes.offer(WRITE, 4, lambda: None)  # full: it stays in the inbox for the sweep
        assert lanes.holds(1) and lanes.holds(3) and not lanes.holds(4)
        gate.set()
        assert lanes.wait_idle(5)
    assert not lanes.holds(1) and lanes.waiting == 0


def test_a_failing_piece_of_work_does_not_stop_the_lane():
    ran = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        lanes = WorkLanes(pool, slots=1)
        lanes.offer(WRITE, "bad", lambda: 1 / 0)
        lanes.offer(WRITE, "good", lambda: ran.append("good"))
        assert lanes.wait_idle(5)
    assert ran == ["good"]


def test_writes_never_take_the_slots_kept_for_reads():
    gate, started = threading.Event(), []
    slots = KEPT_FOR_READS + 2
    with ThreadPoolExecutor(max_workers=slots) as pool:
        lanes = WorkLanes(pool, slots=slots)
        for n in range(slots + 3):
            lanes.offer(WRITE, f"w{n}", lambda n=n: (started.append(f"w{n}"), gate.wait()))
        read_done = threading.Event()
        lanes.offer(READ, "form", read_done.set)
        assert read_done.wait(5)  # a form opened while every write slot was busy
        assert len(started) == slots - KEPT_FOR_READS
        gate.set()
        assert lanes.wait_idle(5)
    assert len(started) == slots + 3
