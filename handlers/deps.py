"""What every listener needs, handed to register() instead of living in globals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from handlers.requests import identity
from kit import profiles
from kit.reader import Reader, reader_from
from services import users
from services.calendar import WorkCalendar
from services.organisation import Organisation
from services.unit_of_work import utcnow, write_transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    org: Organisation
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = utcnow
    # sessions for the request threads (recording a request before its ack), from a pool of their own
    front_session_factory: sessionmaker[Session] | None = None

    @property
    def front(self) -> sessionmaker[Session]:
        return self.front_session_factory or self.session_factory

    @property
    def calendar(self) -> WorkCalendar:
        return self.org.calendar

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with write_transaction(self.session_factory) as session:
            yield session

    def is_admin(self, slack_user_id: str) -> bool:
        return self.org.is_admin(slack_user_id)

    def reader(self, client: WebClient, team_id: str, slack_user_id: str) -> Reader:
        """The person's language and zone. Only someone never seen before costs a users.info call
        here; a stale profile is refreshed after the answer (see refresh_profile)."""
        with self.session_factory() as session:
            person = users.get_person(session, team_id, slack_user_id)
        if person is None or not person.profile_known:
            person = self._fetch_and_save(client, team_id, slack_user_id) or person
        return reader_from(person, slack_user_id, self.org)

    def refresh_profile(self, client: WebClient, team_id: str, slack_user_id: str) -> None:
        with self.session_factory() as session:
            stale = users.profile_is_stale(users.find(session, team_id, slack_user_id), self.clock())
        if stale:
            self._fetch_and_save(client, team_id, slack_user_id)

    def _fetch_and_save(self, client: WebClient, team_id: str, slack_user_id: str) -> users.Person | None:
        return profiles.refresh(client, self.session_factory, team_id, slack_user_id, self.clock())

    def locale_of(self, body: dict) -> str:
        """The language to answer a payload in, without failing (for answers about failures)."""
        try:
            return self.cached_reader(*identity(body)).locale
        except Exception:
            return self.org.locale

    def display_name(self, client: WebClient, team_id: str, slack_user_id: str) -> str:
        """The person's name as Slack gives it, for plain text (form errors); asked of Slack when never seen."""
        with self.session_factory() as session:
            person = users.get_person(session, team_id, slack_user_id)
        if person is None or not person.profile_known:
            person = self._fetch_and_save(client, team_id, slack_user_id) or person
        return person.display_name if person and person.display_name else slack_user_id

    def cached_reader(self, team_id: str, slack_user_id: str) -> Reader:
        """The reader from the cached profile only, for answers that cannot wait for users.info."""
        with self.session_factory() as session:
            person = users.get_person(session, team_id, slack_user_id)
        return reader_from(person, slack_user_id, self.org)
