"""What a process needs to run services: engine, session factory, policy document; built on demand."""
from __future__ import annotations

from policies import load_document

from .db import make_engine, make_session_factory
from .settings import Settings
from .uow import UnitOfWork


POLICY_RECHECK_SECONDS = 5.0


class Runtime:
    def __init__(self, settings: Settings, engine=None):
        self.settings = settings
        pool = {} if settings.database_url.startswith("sqlite") else {
            "pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        self.engine = engine or make_engine(settings.database_url, **pool)
        self.session_factory = make_session_factory(self.engine)
        self._file_document = load_document(settings.policy_file)
        self._policy = (self._file_document, None, 0.0)  # (document, version row id, checked at)
        # Called after a commit that wrote outbox events; set by the web app when there is no
        # broker, so the embedded default delivers in-process through the same outbox path.
        self.on_outbox = None

    @property
    def policy_document(self):
        """The document in force: the newest administrator's version, else the file's or default.

        Looked up at most every few seconds per process, so a change reaches every worker quickly
        without a query per request.
        """
        import time

        doc, row_id, checked = self._policy
        if time.monotonic() - checked > POLICY_RECHECK_SECONDS:
            from sqlalchemy.exc import SQLAlchemyError

            from .policy_store import latest

            try:
                with self.session_factory() as s:
                    row = latest(s)
            except SQLAlchemyError:  # before the migrations ran: the file's document
                row = None
            if row is None:
                doc = self._file_document
            elif row.id != row_id:
                doc = load_document(row.overrides)
            self._policy = (doc, row.id if row else None, time.monotonic())
        return doc

    def forget_policy(self) -> None:
        """Look the policy document up again at the next use (after saving a new version here)."""
        doc, _, _ = self._policy
        self._policy = (doc, -1, 0.0)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.policy_document, self.settings.timezone, self.on_outbox)

    def deliver_inline(self) -> None:
        self.deliver_inline_count()

    def deliver_inline_count(self) -> int:
        import logging

        from . import notifications
        from .transports import transports_for

        log = logging.getLogger("jieyue.notifications")
        try:
            return notifications.drain(self._plain_uow, self.settings.base_url, transports_for(self.settings), log,
                                       self.settings.secret_key)
        except Exception:  # noqa: BLE001 - the change is committed; delivery waits in the outbox
            log.exception("in-process delivery failed; events stay in the outbox")
            return 0

    def _plain_uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.policy_document, self.settings.timezone)
