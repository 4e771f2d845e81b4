"""Consistent backups of the database and their restore.

SQLite: the online backup API copies a consistent snapshot while the service runs.
PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot too), restored with
``pg_restore --clean --if-exists`` into the configured database.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from ..extensions import db


def _libpq_args(url) -> tuple[list[str], dict]:
    args, env = [], {}
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def backup(out: Path) -> Path:
    """Write a backup of the configured database to ``out`` and return its path."""
    url = make_url(str(db.engine.url))
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            target = sqlite3.connect(out)
            with target:
                source.backup(target)
            target.close()
        finally:
            source.close()
        return out
    if url.get_backend_name() == "postgresql":
        args, env = _libpq_args(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), *args,
              url.database], env)
        return out
    raise RuntimeError(f"No backup method for {url.get_backend_name()}")


def restore(source: Path) -> None:
    """Replace the configured database's content with the backup at ``source``."""
    if not source.exists():
        raise FileNotFoundError(f"No backup at {source}")
    url = make_url(str(db.engine.url))
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        check = sqlite3.connect(source)
        try:
            sound = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError:
            sound = False
        finally:
            check.close()
        if not sound:
            raise RuntimeError(f"{source} is not a sound SQLite database backup")
        target = sqlite3.connect(url.database)
        try:
            backup_db = sqlite3.connect(source)
            with target:
                backup_db.backup(target)
            backup_db.close()
        finally:
            target.close()
        return
    if url.get_backend_name() == "postgresql":
        args, env = _libpq_args(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", url.database, *args, str(source)], env)
        return
    raise RuntimeError(f"No restore method for {url.get_backend_name()}")


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise RuntimeError(f"{command[0]} is not installed (Debian: postgresql-client)")
    completed = subprocess.run(command, env={**os.environ, **env}, capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {completed.stderr.strip()[:2000]}")
