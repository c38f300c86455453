"""What a process needs to run services: engine, session factory, policy document; built on demand."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from policies import PolicyDocument, load_document

from workflow.kernel.db import make_engine, make_session_factory
from workflow.kernel.settings import Settings
from workflow import stores as _stores  # noqa: F401 - every store on the unit of work
from workflow.kernel.uow import UnitOfWork
from workflow.notifications.safe_urls import allowed_hosts


POLICY_RECHECK_SECONDS = 5.0


class Runtime:
    def __init__(self, settings: Settings, engine=None):
        self.settings = settings
        pool = {} if settings.database_url.startswith("sqlite") else {
            "pool_size": settings.db_pool_size, "max_overflow": settings.db_max_overflow}
        self.engine = engine or make_engine(settings.database_url, **pool)
        self.session_factory = make_session_factory(self.engine)
        self._file_document = load_document(settings.policy_file)
        # (document, version row id, checked at)
        self._policy: tuple[PolicyDocument, int | None, float] = (self._file_document, None, 0.0)
        # Called after a commit that wrote outbox events; set by the web app when there is no
        # broker, so the embedded default delivers in-process through the same outbox path.
        self.on_outbox = None
        # Hands outbox ids to the broker's workers (`flask relay-outbox` with REDIS_URL); given by the
        # process that composes the app (wsgi.py), so that the web layer never imports the tasks.
        self.publish_events = None
        # Read once here, so that a bad WEBHOOK_ALLOWED_HOSTS stops the start, not a later request.
        self.webhook_hosts = allowed_hosts(settings.webhook_allowed_hosts)
        self._courier: ThreadPoolExecutor | None = None  # started at the first message to send
        self._courier_lock = threading.Lock()

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

            try:
                # A unit of work without a document: this is where the document comes from.
                with UnitOfWork(self.session_factory, None, self.settings.timezone) as uow:
                    row = uow.policy_versions.latest()
                    newest = (row.id, row.overrides) if row else None
            except SQLAlchemyError:  # before the migrations ran: the file's document
                newest = None
            if newest is None:
                doc = self._file_document
            elif newest[0] != row_id:
                doc = load_document(newest[1])
            self._policy = (doc, newest[0] if newest else None, time.monotonic())
        return doc

    def forget_policy(self) -> None:
        """Look the policy document up again at the next use (after saving a new version here)."""
        doc, _, _ = self._policy
        self._policy = (doc, -1, 0.0)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.policy_document, self.settings.timezone, self.on_outbox)

    def deliver_inline(self) -> None:
        """After a commit without a broker: plan here (the inbox fills at once), send in the background.

        Sending waits on other machines (a slow chat robot, a mail server); the request that
        committed must not, so messages go to a one-thread courier and the answer leaves at once.
        """
        self._drain(send_later=self.send_in_background)

    def deliver_inline_count(self) -> int:
        """Relay, plan and send now, in this thread (`flask relay-outbox`); returns the events relayed."""
        return self._drain(send_later=None)

    def send_in_background(self, message_ids: list[int]):
        """Hand messages to the courier thread; returns its future (tests wait on it)."""
        with self._courier_lock:
            if self._courier is None:
                # One thread: deliveries of the embedded default are few, and SQLite has one writer.
                self._courier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jieyue-courier")
            return self._courier.submit(self._send_now, list(message_ids))

    def wait_for_deliveries(self, timeout: float = 30) -> None:
        """Block until every message handed to the courier so far has been tried (for tests, the CLI)."""
        with self._courier_lock:
            courier = self._courier
        if courier is not None:
            courier.submit(lambda: None).result(timeout)  # one thread: behind everything queued before

    def _send_now(self, message_ids: list[int]) -> None:
        from workflow.notifications.sending import send_messages
        from workflow.notifications.transports import transports_for

        log = logging.getLogger("jieyue.notifications")
        try:
            done = send_messages(message_ids, self._plain_uow(), transports_for(self.settings))
        except Exception:  # the messages stay pending for `flask relay-outbox` or a retry
            log.exception("in-process sending failed; the messages stay pending")
            return
        for message_id, exc in done.errors:
            log.warning("message %s not sent: %s", message_id, exc)

    def _drain(self, send_later) -> int:
        from workflow.notifications.sending import drain
        from workflow.notifications.transports import transports_for

        log = logging.getLogger("jieyue.notifications")
        try:
            return drain(self._plain_uow, self.settings.base_url, transports_for(self.settings), log,
                                       self.settings.secret_key, send_later)
        except Exception:  # the change is committed; delivery waits in the outbox
            log.exception("in-process delivery failed; events stay in the outbox")
            return 0

    def _plain_uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.policy_document, self.settings.timezone)
