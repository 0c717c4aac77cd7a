"""One writer at a time in a shared gradebook server.

Two `course grade` runs (two graders, two shells, a cluster's head and a laptop) may record into
one PostgreSQL gradebook at once. nbgrader's API reads then inserts (find, MissingEntry, add), so
both would create the same tables, assignment, notebook or cells and one would die on a unique
constraint. A PostgreSQL advisory lock held by a connection of its own makes them take turns;
the server frees it if the process holding it dies. SQLite locks its file itself.
"""
from contextlib import contextmanager, nullcontext

# Any fixed 64-bit number: the lock's name in the database (pg_locks shows it as objid 0x...).
LOCK_KEY = 0x636F757273656764  # "coursegd"


def one_writer(url):
    """A context holding the gradebook's write lock (a no-op on databases but PostgreSQL)."""
    return _advisory_lock(url) if url.split(":", 1)[0].split("+", 1)[0] == "postgresql" else nullcontext()


@contextmanager
def _advisory_lock(url):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            connection.commit()  # the lock is the session's, not the transaction's: nothing held open
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                connection.commit()
    finally:
        engine.dispose()
