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

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.policy_document, self.settings.timezone)
