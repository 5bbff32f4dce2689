"""Alembic environment: runs on the connection yusuan hands over (see ``yusuan.store.db.migrate``)."""

from alembic import context
from sqlalchemy import create_engine

from yusuan.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:  # `alembic` command line with -x url=… (for writing new revisions)
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///:memory:")
    with create_engine(url).begin() as conn:
        _run(conn)
