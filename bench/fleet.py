"""What the scale benchmarks (monday_burst, replicas, slack_outage) share: real `onnuri run --http` processes
on a database of their own, a bare Bolt process as the baseline, signed slash commands sent with a fixed
number in flight, and the fake Slack's records read back to tell when each report became visible.

Only the public contract is used: the CLI and its environment variables, POST /slack/events, GET /healthz,
the fake Slack's recorded calls and messages, and the `outbox` table for counting rows. The organisation is
set up through the services layer before a bot starts.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

from bot.fakeslack.web_api import APP_ID, FakeSlack

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "T1"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
ROOT = Path(__file__).absolute().parents[1]  # where `bench` was imported from (a checkout or a copy)
_opener = build_opener(ProxyHandler({}))  # never through a proxy picked up from the environment


# -- parameters ---------------------------------------------------------------------------------------------


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [v.strip() for v in (os.environ.get(name) or default).split(",") if v.strip()]


# -- figures ------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float | int | str | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if value != value:  # NaN
        return "-"
    return f"{value:.{digits}f}"


def ratio(value: float | int | None, baseline: float | int | None) -> str:
    if value is None or baseline is None or isinstance(value, str) or isinstance(baseline, str):
        return "-"
    if baseline == 0 or value != value or baseline != baseline:
        return "-"
    return f"{value / baseline:.2f}"


Row = tuple[str, str, str, str]


def row(name: str, value: Any, baseline: Any = None, digits: int = 1) -> Row:
    return (name, fmt(value, digits), fmt(baseline, digits), ratio(value, baseline))


def print_rows(rows: list[Row]) -> None:
    print("| figure | value | baseline | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {' | '.join(r)} |")


# -- databases ----------------------------------------------------------------------------------------------


def postgres_available() -> bool:
    try:
        engine = create_engine(f"{PG_SERVER}/postgres")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def database(kind: str, name: str) -> Iterator[str]:
    """A fresh database of its own, dropped afterwards; yields its SQLAlchemy URL. `kind`: sqlite or postgresql.
    Never the shared `test` database."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as folder:
            yield f"sqlite:///{Path(folder) / 'onnuri.db'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    db = f"bench_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}".lower()
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        try:
            yield f"{PG_SERVER}/{db}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass(frozen=True)
class OutboxCount:
    total: int
    home_refresh: int
    pending: int
    dead: int
    by_kind: dict[str, int] = field(default_factory=dict)


def outbox_count(url: str) -> OutboxCount:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            kinds = {k: n for k, n in conn.execute(text("SELECT kind, count(*) FROM outbox GROUP BY kind"))}
            statuses = {
                str(s).lower(): n for s, n in conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status"))
            }
    finally:
        engine.dispose()
    return OutboxCount(
        total=sum(kinds.values()),
        home_refresh=kinds.get("home.refresh", 0),
        pending=statuses.get("pending", 0),
        dead=statuses.get("dead", 0),
        by_kind=kinds,
    )


# -- the organisation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSpec:
    key: str
    channel: str
    members: tuple[str, ...]  # Slack user ids; the first registers the project and leads it


@dataclass(frozen=True)
class Layout:
    name: str
    projects: tuple[ProjectSpec, ...]

    @property
    def members(self) -> int:
        return sum(len(p.members) for p in self.projects)

    def describe(self) -> str:
        sizes = sorted({len(p.members) for p in self.projects})
        size = "/".join(str(s) for s in sizes)
        return f"{len(self.projects)} project{'s' if len(self.projects) > 1 else ''} of {size} members"


def user_id(n: int) -> str:
    return f"UM{n:05d}"


def layout(name: str, members: int, projects: int, *, first_user: int = 0, prefix: str = "MON") -> Layout:
    """`members` people spread evenly over `projects` projects, each with a channel of its own."""
    per = max(1, members // projects)
    specs = []
    for p in range(projects):
        ids = tuple(user_id(first_user + p * per + k) for k in range(per))
        key = prefix if projects == 1 else f"{prefix}{p + 1:02d}"
        specs.append(ProjectSpec(key=key, channel=f"C{key}", members=ids))
    return Layout(name, tuple(specs))


def _bot_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment a bot process gets: ours without any Slack, Onnuri or database setting, then those given."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ONNURI_", "DATABASE_URL"))}
    return {**inherited, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **settings}


def upgrade(url: str) -> None:
    """`onnuri db upgrade`, as an operator prepares a database."""
    done = subprocess.run(
        [*_onnuri_argv(), "db", "upgrade"],
        env=_bot_env(url),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"onnuri db upgrade failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def seed(url: str, plan: Layout, fake: FakeSlack | None = None, *, extra_users: Sequence[str] = ()) -> None:
    """Migrates the database (`onnuri db upgrade`) and registers the projects through the services, every
    member already joined (a week ago) and known to Slack (profiles read)."""
    from models.db import make_engine
    from services import projects, users
    from services.unit_of_work import make_session_factory, utcnow, write_transaction

    upgrade(url)
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        now = utcnow()
        joined = now - timedelta(days=7)
        everyone = [m for p in plan.projects for m in p.members] + list(extra_users)
        for uid in everyone:
            if fake is not None:
                fake.add_user(uid, name=uid.lower(), real_name=f"직원 {uid[2:]}", team_id=TEAM)
        with write_transaction(factory) as session:
            for uid in dict.fromkeys(everyone):
                users.save_profile(
                    session, TEAM, uid, display_name=f"직원 {uid[2:]}", tz="Asia/Seoul", locale="ko-KR", now=now
                )
        for spec in plan.projects:
            with write_transaction(factory) as session:
                projects.create(
                    session,
                    TEAM,
                    spec.members[0],
                    projects.ProjectDraft(
                        name=f"월요일 과제 {spec.key}",
                        key=spec.key,
                        channel_id=spec.channel,
                        member_ids=spec.members[1:],
                    ),
                    now=joined,
                )
    finally:
        engine.dispose()


# -- processes ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with _opener.open(Request(url, method="GET"), timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode(errors="replace")


class Process:
    """A child process with its output in a log file; stopped with SIGTERM, then killed."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, port: int) -> None:
        self.name = name
        self.port = port
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def health(self) -> dict[str, Any] | None:
        try:
            status, body = http_get(f"{self.base_url}/healthz", timeout=2)
        except (OSError, URLError):
            return None
        if status != 200:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return {}

    def wait_ready(self, timeout: float = 90.0, path: str = "/healthz") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")
            try:
                status, _ = http_get(f"{self.base_url}{path}", timeout=2)
                if status == 200:
                    return
            except (OSError, URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        self._flush()
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _flush(self) -> None:
        if not self._log.closed:
            self._log.flush()

    def log_problems(self) -> dict[str, int]:
        """How many lines of the log are errors, warnings and tracebacks."""
        self._flush()
        found = {"ERROR": 0, "WARNING": 0, "Traceback": 0}
        try:
            for line in self.log_path.read_text(errors="replace").splitlines():
                for word in found:
                    if word in line:
                        found[word] += 1
        except OSError:
            pass
        return found

    def log_lines(self, word: str, limit: int = 5) -> list[str]:
        self._flush()
        try:
            hits = [line for line in self.log_path.read_text(errors="replace").splitlines() if word in line]
        except OSError:
            return []
        return hits[:limit]

    def error_summary(self, limit: int = 6) -> list[tuple[int, str]]:
        """The most frequent ERROR lines and exception lines of the log, numbers blanked, with their counts."""
        self._flush()
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        found: Counter = Counter()
        for line in lines:
            if " ERROR " in line or "ERROR:" in line or re.match(r"^[A-Za-z_.]+(Error|Exception)\b", line):
                found[re.sub(r"\d+", "N", line.split(" ERROR ", 1)[-1])[:160]] += 1
        return [(n, text) for text, n in found.most_common(limit)]

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()


def _onnuri_argv() -> list[str]:
    script = Path(sys.executable).parent / "onnuri"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def start_bot(
    name: str,
    database_url: str,
    api_url: str,
    folder: Path,
    *,
    scheduler: bool = False,
    token: str = TOKEN,
    port: int | None = None,
    log_level: str = "INFO",
    extra_env: dict[str, str] | None = None,
) -> Process:
    """`onnuri run --http` as operators start it, configured only through its environment."""
    port = port or free_port()
    env = _bot_env(
        database_url,
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        PORT=str(port),
        ONNURI_LOG_LEVEL=log_level,
        **(extra_env or {}),
    )
    argv = [*_onnuri_argv(), "run", "--http"] + ([] if scheduler else ["--no-scheduler"])
    return Process(name, argv, env, folder, port)


def start_bare_bolt(name: str, api_url: str, folder: Path, port: int | None = None) -> Process:
    """The baseline: a Bolt app that only acks, on the same waitress server (see bench/bare_bolt.py)."""
    port = port or free_port()
    env = {**os.environ, "PORT": str(port), "SLACK_API_URL": api_url, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return Process(name, [sys.executable, "-m", "bench.bare_bolt"], env, folder, port)


@contextlib.contextmanager
def running(*processes: Process) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            process.stop()


def wait_drained(url: str, timeout: float) -> tuple[bool, float]:
    """Waits until no outbox row is pending (the bot has delivered what setting up queued)."""
    started = time.monotonic()
    while True:
        if outbox_count(url).pending == 0:
            return True, time.monotonic() - started
        if time.monotonic() - started >= timeout:
            return False, time.monotonic() - started
        time.sleep(0.5)


# -- HAProxy ------------------------------------------------------------------------------------------------


HAPROXY_HEADER = "X-Onnuri-Replica"


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )


def start_haproxy(backends: Sequence[Process], folder: Path, port: int | None = None) -> Process:
    """HAProxy in the foreground, round-robin over `backends`, health-checked on /healthz; each answer
    names the replica that served it in an X-Onnuri-Replica header."""
    binary = haproxy_binary()
    if binary is None:
        raise FileNotFoundError("haproxy")
    port = port or free_port()
    # a lenient check (a replica is out after 5 failed checks of up to 5 s each), so what is measured is the bots
    servers = "\n".join(f"    server {b.name} 127.0.0.1:{b.port} check inter 2s fall 5 rise 2" for b in backends)
    config = f"""global
    maxconn 4096

defaults
    mode http
    option http-server-close
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout check 5s
    retries 0

frontend onnuri_front
    bind 127.0.0.1:{port}
    default_backend onnuri_bots

backend onnuri_bots
    balance roundrobin
    option httpchk GET /healthz
    http-response set-header {HAPROXY_HEADER} %[srv_name]
{servers}
"""
    path = folder / "haproxy.cfg"
    path.write_text(config)
    check = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy refused its config:\n{check.stdout}{check.stderr}")
    return Process("haproxy", [binary, "-db", "-f", str(path)], dict(os.environ), folder, port)


# -- a gate in front of the fake Slack (for outages) -------------------------------------------------------


class SlackGate:
    """An HTTP forwarder on a fixed port in front of the fake Slack. `mode`: "up" forwards, "500" answers
    HTTP 500 internal_error itself, "down" closes its listening socket (connections refused)."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.port = free_port()
        target = urlsplit(fake.url)
        self._target = (target.hostname, target.port)
        self.mode = "up"
        self.refused_500 = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._open()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{key}"

    def _open(self) -> None:
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if gate.mode == "500":
                    with gate._lock:
                        gate.refused_500 += 1
                    payload = b'{"ok": false, "error": "internal_error"}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(*gate._target, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                    conn.request("POST", self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status)
                    for name, value in answer.getheaders():
                        if name.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    self.close_connection = True
                finally:
                    conn.close()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            block_on_close = False

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def set(self, mode: str) -> None:
        if mode == "down":
            self._close()
        elif self._server is None:
            self._open()
        self.mode = mode

    def close(self) -> None:
        self._close()


# -- signed slash commands ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One slash command to send, and where the text `token` (unique in the run) should become visible."""

    user: str
    command: str
    text: str
    channel_id: str  # where the command is typed
    token: str
    visible_in: str  # the channel (or D... for a DM) where a message mentioning `token` should appear


@dataclass(frozen=True)
class Sent:
    job: Job
    sent_at: float  # wall clock (time.time), comparable with the fake's Call.at
    ack: float  # seconds from sending to the HTTP answer
    status: int  # HTTP status, 0 when no answer came
    replica: str | None = None


class Commands:
    """Slash commands as Slack sends them (form-encoded, signed with the signing secret), with response_url
    at `hooks_origin` (the fake, or the gate in front of it: the bot only posts to its own API's host)."""

    def __init__(self, base_url: str, hooks_origin: str, team_id: str = TEAM) -> None:
        self.base_url = base_url.rstrip("/")
        self.hooks_origin = hooks_origin.rstrip("/")
        self.team_id = team_id
        self._verifier = SignatureVerifier(SECRET)

    def form(self, job: Job) -> bytes:
        key = f"bench-{uuid.uuid4().hex[:12]}"
        return urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": self.team_id,
                "team_domain": self.team_id.lower(),
                "channel_id": job.channel_id,
                "channel_name": job.channel_id.lower(),
                "user_id": job.user,
                "user_name": job.user.lower(),
                "command": job.command,
                "text": job.text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": f"{self.hooks_origin}/response/{key}",
                "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
            }
        ).encode()

    def send(self, job: Job, timeout: float = 60.0) -> Sent:
        data = self.form(job)
        sent_at = time.time()
        started = time.perf_counter()
        stamp = str(int(sent_at))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self._verifier.generate_signature(timestamp=stamp, body=data),
        }
        request = Request(f"{self.base_url}/slack/events", data=data, headers=headers, method="POST")
        replica = None
        try:
            with _opener.open(request, timeout=timeout) as answer:
                answer.read()
                status = answer.status
                replica = answer.headers.get(HAPROXY_HEADER)
        except HTTPError as error:
            status = error.code
            replica = error.headers.get(HAPROXY_HEADER) if error.headers else None
        except (OSError, URLError, http.client.HTTPException):  # refused, reset, or cut off mid-answer
            status = 0
        return Sent(job, sent_at, time.perf_counter() - started, status, replica)

    def burst(self, jobs: Sequence[Job], in_flight: int) -> list[Sent]:
        with ThreadPoolExecutor(in_flight) as pool:
            return list(pool.map(self.send, jobs))


def open_homes(base_url: str, fake: FakeSlack, people: Sequence[str], in_flight: int, timeout: float = 120.0) -> int:
    """People open the bot's App Home (signed app_home_opened events, as Slack sends them), so the bot knows
    whose Home is on a screen; waits until each Home was published. Returns how many were."""
    from bot.fakeslack.payloads import SlackRequests

    slack = SlackRequests(base_url, SECRET, fake=fake, team_id=TEAM)
    wanted = set(people)

    def one(uid: str) -> int:
        event = {"type": "app_home_opened", "user": uid, "channel": FakeSlack.dm_channel(uid), "tab": "home"}
        return slack.event(event).status

    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(one, people))
    deadline = time.monotonic() + timeout
    while True:
        published = {c.params.get("user_id") for c in fake.calls if c.method == "views.publish" and c.ok} & wanted
        if len(published) == len(wanted) or time.monotonic() > deadline:
            return len(published)
        time.sleep(0.25)


def progress_jobs(plan: Layout, *, label: str = "주간 보고", start: int = 0) -> list[Job]:
    """Every member reports once: `/progress KEY NN% 주간 보고 0007`, interleaved across projects the way a
    Monday morning mixes them. The zero-padded number makes each report's text unique in the run."""
    jobs = []
    depth = max(len(p.members) for p in plan.projects)
    n = start
    for k in range(depth):
        for spec in plan.projects:
            if k >= len(spec.members):
                continue
            token = f"{label} {n:04d}"
            percent = (n * 7) % 100
            jobs.append(
                Job(spec.members[k], "/progress", f"{spec.key} {percent}% {token}", spec.channel, token, spec.channel)
            )
            n += 1
    return jobs


def ack_rows(name: str, sent: Sequence[Sent], base: Sequence[Sent] | None) -> list[Row]:
    acks = [s.ack * 1000 for s in sent]
    b = [s.ack * 1000 for s in base] if base else None
    rows = [
        row(f"{name}: ack p50 (ms)", median(acks), median(b) if b else None),
        row(f"{name}: ack p99 (ms)", percentile(acks, 0.99), percentile(b, 0.99) if b else None),
        row(f"{name}: ack max (ms)", max(acks), max(b) if b else None),
        row(f"{name}: acks over 1 s", sum(a > 1000 for a in acks), sum(a > 1000 for a in b) if b else None),
        row(f"{name}: acks over 3 s", sum(a > 3000 for a in acks), sum(a > 3000 for a in b) if b else None),
        row(
            f"{name}: non-200 answers",
            _statuses(sent),
            _statuses(base) if base else None,
        ),
    ]
    return rows


def _statuses(sent: Sequence[Sent]) -> int | str:
    """How many answers were not 200, with their statuses (0: no answer) when there are any."""
    wrong = Counter(s.status for s in sent if s.status != 200)
    if not wrong:
        return 0
    detail = ", ".join(f"{status} x{n}" for status, n in sorted(wrong.items()))
    return f"{sum(wrong.values())} ({detail})"


class HealthProbe:
    """Times GET /healthz of each process every `every` seconds in a thread, while the load runs."""

    def __init__(self, processes: Sequence[Process], every: float = 0.5) -> None:
        self.processes = list(processes)
        self.every = every
        self.times: dict[str, list[float]] = {p.name: [] for p in processes}
        self.failures: Counter = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for process in self.processes:
                started = time.perf_counter()
                try:
                    status, _ = http_get(f"{process.base_url}/healthz", timeout=10)
                except (OSError, URLError):
                    status = 0
                self.times[process.name].append(time.perf_counter() - started)
                if status != 200:
                    self.failures[process.name] += 1
            self._stop.wait(self.every)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(15)

    def summary(self) -> str:
        """p50 / max in ms per process, and failed checks."""
        parts = []
        for name, times in self.times.items():
            failed = f", {self.failures[name]} failed" if self.failures[name] else ""
            parts.append(f"{name}: {median(times) * 1000:.0f} / {max(times, default=0) * 1000:.0f}{failed}")
        return "; ".join(parts)


# -- what the fake Slack shows ------------------------------------------------------------------------------


POSTING = ("chat.postMessage", "chat.update")


def _where(channel: str) -> str:
    """Posts to a person land in their DM: the fake maps U123 to D123."""
    return FakeSlack.dm_channel(channel) if channel[:1] in ("U", "W") else channel


def _blob(params: dict[str, Any]) -> str:
    """All the words of a message: its text and every string in its blocks and attachments."""
    parts = {k: params.get(k) for k in ("text", "blocks", "attachments") if params.get(k) is not None}
    return json.dumps(parts, ensure_ascii=False)


class Visibility:
    """When each token first appeared in a successful chat.postMessage / chat.update to its channel, read
    incrementally from the fake's records. Robust to several reports coalesced into one message, to a message
    updated later, and to block layouts: the whole text, blocks and attachments are searched."""

    def __init__(self, fake: FakeSlack, start_index: int = 0) -> None:
        self.fake = fake
        self._index = start_index
        self._waiting: dict[str, dict[str, float]] = {}  # channel -> token -> sent_at
        self.seen: dict[str, float] = {}  # token -> when the fake recorded it
        self.sent_at: dict[str, float] = {}
        self.posts_by_token: dict[str, int] = {}

    def expect(self, sent: Sequence[Sent]) -> None:
        for s in sent:
            self._waiting.setdefault(_where(s.job.visible_in), {})[s.job.token] = s.sent_at
            self.sent_at[s.job.token] = s.sent_at

    def poll(self) -> int:
        calls = self.fake.calls
        new, self._index = calls[self._index :], len(calls)
        for call in new:
            if call.method not in POSTING or not call.ok:
                continue
            channel = _where(str(call.params.get("channel") or ""))
            waiting = self._waiting.get(channel)
            if not waiting:
                continue
            blob = _blob(call.params)
            for token in [t for t in waiting if t in blob]:
                self.seen[token] = call.at
                del waiting[token]
        return self.missing

    @property
    def missing(self) -> int:
        return sum(len(w) for w in self._waiting.values())

    def wait(self, timeout: float, interval: float = 0.25, stop: Callable[[], bool] | None = None) -> float:
        """Polls until every token is seen, `timeout` passes or `stop()` says nothing more can come; returns
        the seconds waited."""
        started = time.monotonic()
        while self.poll() and time.monotonic() - started < timeout:
            if stop is not None and stop():
                self.poll()
                break
            time.sleep(interval)
        return time.monotonic() - started

    def delays(self) -> list[float]:
        return [self.seen[t] - self.sent_at[t] for t in self.seen]


def copies(fake: FakeSlack, sent: Sequence[Sent]) -> dict[str, int]:
    """For each token, how many distinct messages now in the fake Slack (as last updated, not deleted) in its
    channel mention it: 1 is right, 0 is lost, 2 or more is doubled."""
    by_channel: dict[str, list[str]] = {}
    for s in sent:
        by_channel.setdefault(_where(s.job.visible_in), []).append(s.job.token)
    found = {s.job.token: 0 for s in sent}
    for channel, tokens in by_channel.items():
        for message in fake.messages(channel):
            blob = _blob(message)
            for token in tokens:
                if token in blob:
                    found[token] += 1
    return found


def visibility_rows(
    name: str,
    vis: Visibility,
    total: int,
    waited: float,
    base: Visibility | None = None,
    base_waited: float = 0.0,
    within: float = 15.0,
) -> list[Row]:
    """Delivery figures; a report never seen counts as later than the wait when taking percentiles. `base`:
    the same figures of a baseline run, for the baseline column."""

    def late(v: Visibility, fraction: float, wait: float) -> Any:
        delays = v.delays()
        value = percentile(delays + [float("inf")] * (total - len(delays)), fraction)
        return f"> {wait:.0f}" if value == float("inf") else value

    def soon(v: Visibility) -> int:
        return sum(d <= within for d in v.delays())

    return [
        row(
            f"{name}: report visible in its channel p50 (s)",
            late(vis, 0.5, waited),
            late(base, 0.5, base_waited) if base else None,
        ),
        row(
            f"{name}: report visible p99 (s)", late(vis, 0.99, waited), late(base, 0.99, base_waited) if base else None
        ),
        row(f"{name}: reports visible within {within:g} s (of {total})", soon(vis), soon(base) if base else None),
        row(
            f"{name}: reports visible at the end of the wait (of {total})",
            len(vis.seen),
            len(base.seen) if base else None,
        ),
        row(f"{name}: seconds waited after the burst", waited, base_waited if base else None, 0),
    ]


def now_iso() -> str:
    return datetime.now().isoformat(timespec="seconds")


def say(message: str) -> None:
    """Progress on stderr, so stdout carries only the figures."""
    print(f"[{now_iso()}] {message}", file=sys.stderr, flush=True)
