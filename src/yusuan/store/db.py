"""Opening the database: SQLite under the user's data directory unless a URL says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

#: environment variable naming the database (``postgresql+psycopg://…`` or ``sqlite:///…``)
URL_VARIABLE = "YUSUAN_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def data_dir() -> Path:
    """Where yusuan keeps its data ($XDG_DATA_HOME/yusuan, else ~/.local/share/yusuan)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "yusuan"


def database_url(db_file: Path | None = None) -> str:
    """The URL to use: an explicit SQLite file, else $YUSUAN_DATABASE_URL, else the default SQLite file."""
    if db_file is not None:
        return f"sqlite:///{db_file.resolve()}"
    url = os.environ.get(URL_VARIABLE, "").strip()
    if url:
        return url
    return f"sqlite:///{data_dir() / 'yusuan.db'}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout for concurrent clients."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
