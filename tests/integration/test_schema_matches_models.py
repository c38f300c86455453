"""The migrations build exactly the schema the models declare (so autogenerate finds nothing to add)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests import support
from workflow import models  # noqa: F401 - imports every mapped class into the metadata
from workflow.kernel.db import Base, make_engine


def test_postgresql_schema_after_all_migrations_equals_the_models(pg_template):
    engine = make_engine(support.pg_url(pg_template))  # migrated to head by the session fixture
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "\n".join(map(str, differences))
