"""What a process needs to run services: engine, session factory, policy document; built on demand."""
from __future__ import annotations

from policies import load_document

from .db import make_engine, make_session_factory
from .settings import Settings
from .uow import UnitOfWork


class Runtime:
    def __init__(self, settings: Settings, engine=None):
        self.settings = settings
        self.engine = engine or make_engine(settings.database_url)
        self.session_factory = make_session_factory(self.engine)
        self.policy_document = load_document(settings.policy_file)
        # Called after a commit that wrote outbox events; set by the web app when there is no
        # broker, so the embedded default delivers in-process through the same outbox path.
        self.on_outbox = None

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
