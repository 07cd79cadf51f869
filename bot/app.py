"""Building the Bolt app: listeners, the error handler, the work lanes; no globals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from handlers import register_all
from handlers.deps import Deps
from handlers.failures import answer_failure
from handlers.lanes import WorkLanes
from handlers.pipeline import Pipeline
from models.base import utcnow
from services.organisation import Organisation

log = logging.getLogger(__name__)

# Work after the acks (which never wait for it): enough threads that a few slow calls to Slack do not
# hold up everyone else's answers, few enough that the database is not swamped.
LISTENER_THREADS = 16


class _QuietTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client wins; it should.
    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


def create_app(
    org: Organisation,
    session_factory: sessionmaker[Session],
    client: WebClient,
    *,
    signing_secret: str | None,
    executor: Executor | None = None,
    clock: Callable[[], datetime] = utcnow,
    front_session_factory: sessionmaker[Session] | None = None,
    hand_off: Callable[[], None] | None = None,
) -> tuple[App, Pipeline]:
    """The Bolt app answers Slack from the request's own thread (process_before_response): a request is
    recorded and acknowledged there, and carried out later by the pipeline's lanes."""
    bolt_logger = logging.getLogger("onnuri.bolt")
    if not any(isinstance(f, _QuietTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenWarning())
    app = App(
        client=client,
        signing_secret=signing_secret,
        request_verification_enabled=bool(signing_secret),
        token_verification_enabled=False,
        process_before_response=True,
        logger=bolt_logger,
    )
    deps = Deps(
        org=org,
        session_factory=session_factory,
        clock=clock,
        front_session_factory=front_session_factory or session_factory,
    )
    work = executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    pipeline = register_all(app, deps, WorkLanes(work, slots=LISTENER_THREADS), hand_off)

    @app.error
    def on_unexpected_error(error, body, client, respond) -> None:
        answer_failure(deps, error, body, client, respond)

    return app, pipeline
