"""Alembic migrations on both databases: they build exactly the schema the models describe, and upgrade a
database of the first release without losing what it holds."""

from datetime import datetime, timezone

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import connectors.whatsapp.store  # noqa: F401  (the channel's tables, which the migrations make too)
import seva.models  # noqa: F401
from seva.storage import PROJECT_DIR, Base, migrate

FILED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)


def differences(engine):
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def revision(engine):
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def file_as_the_first_release_did(engine):
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO complaints (id, number, submission_key, sender_id, channel, language, service_code, "
                "category, department, tenant_id, description, status, created_at, updated_at, due_at) VALUES "
                "(1, 'PB-PGR-2025-03-01-000001', 'k1', 'citizen-1', 'whatsapp', 'hi', 'StreetLightNotWorking', "
                "'StreetLights', 'Street Lights', 'pb.jalandhar', 'light off', 'PENDINGFORASSIGNMENT', :t, :t, :t)"
            ),
            {"t": FILED_AT},
        )
        connection.execute(
            text(
                "INSERT INTO complaint_events (complaint_id, action, to_status, actor, created_at) "
                "VALUES (1, 'APPLY', 'PENDINGFORASSIGNMENT', 'citizen:citizen-1', :t)"
            ),
            {"t": FILED_AT},
        )


def test_the_migrations_build_the_schema_the_models_describe(database):
    migrate(database.engine)
    assert revision(database.engine) == "0009"
    assert differences(database.engine) == []


def test_a_first_release_database_is_upgraded_with_its_complaints(database, complaints):
    migrate(database.engine, "0001")
    file_as_the_first_release_did(database.engine)
    migrate(database.engine)
    view = complaints.get("PB-PGR-2025-03-01-000001")
    assert view.status_changed_at == FILED_AT and view.assigned_to is None
    assert [(h.action, h.role) for h in view.history] == [("APPLY", "CITIZEN")]


def test_a_database_made_before_there_were_migrations_is_recognised(database, complaints):
    """The first release made its tables with create_all and kept no Alembic revision."""
    migrate(database.engine, "0001")
    file_as_the_first_release_did(database.engine)
    with database.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    migrate(database.engine)
    assert revision(database.engine) == "0009" and complaints.get("PB-PGR-2025-03-01-000001") is not None


def test_the_lifecycle_migration_can_be_rolled_back_and_applied_again(database):
    migrate(database.engine)
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "staff_users" not in inspect(database.engine).get_table_names()
    migrate(database.engine)
    assert differences(database.engine) == []
