"""Runs Seva's migrations on the connection `seva.storage.migrate` hands over, or on DATABASE_URL from Alembic's CLI."""

from alembic import context
from sqlalchemy import create_engine

import connectors.whatsapp.store  # noqa: F401  (the channel's tables)
import seva.models  # noqa: F401  (the domain's tables)
from seva.settings import Settings
from seva.storage import Base

target_metadata = Base.metadata


def run(connection) -> None:
    # SQLite cannot alter columns in place: batch mode rebuilds the table.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(Settings.from_env().database_url, future=True)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
