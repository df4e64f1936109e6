"""Runs Seva's migrations on the connection `actions.db.migrate` hands over, or on DATABASE_URL from the CLI."""
from alembic import context
from sqlalchemy import create_engine

from actions.db import Base, database_url

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
    engine = create_engine(database_url(), future=True)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
