"""What can go wrong with the database file, each as one line that names the file and says
what to do: the bot prints it and exits at start-up, or reports it while running.

SQLite's own messages ("unable to open database file") name neither the file nor the cause,
so the cause is found here from the error code and the file system.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

BUSY_SECONDS = 10.0  # how long a write waits for another process's lock before giving up


class StoreError(RuntimeError):
    """The database cannot be used; the message is one line that names the file."""


class StoreOpenError(StoreError):
    """The database cannot be opened: the bot cannot start until the file or folder is fixed."""


class StoreWriteError(StoreError):
    """A write did not happen (disk full, read-only, locked too long); a later one may work."""


class StoreReadError(StoreError):
    """A read did not happen (the database server did not answer); a later one may work."""


class StoreLostError(StoreError):
    """The database file was deleted or replaced under the running bot: whatever it writes
    from now on goes to a file nobody will open again, so the process must stop."""


def _sqlite_code(error: BaseException) -> int | None:
    """SQLite's primary result code (SQLITE_FULL, ...), or None for other errors."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _user() -> str:
    return f"uid {os.getuid()}" if hasattr(os, "getuid") else "this user"


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def open_problem(path: Path, error: BaseException) -> str:
    """Why `path` cannot be opened as the bot's database, and what to do about it."""
    parent = path.parent
    code = _sqlite_code(error)
    if path.is_dir():
        return (
            f"DATABASE_PATH {path} is a directory, not a file: point DATABASE_PATH at a file, "
            f"for example {path / 'bot.sqlite3'}"
        )
    if not parent.is_dir():
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not a folder"
        return (
            f"DATABASE_PATH {path}: cannot create its folder {parent} ({reason}); create the "
            "folder or set DATABASE_PATH to a file in a writable folder"
        )
    if code == sqlite3.SQLITE_NOTADB or code == sqlite3.SQLITE_CORRUPT:
        return (
            f"DATABASE_PATH {path} is not a SQLite database or is damaged: move it away (the "
            "bot then starts an empty one) or restore it from a backup"
        )
    if not _writable(parent) or (
        isinstance(error, OSError) and error.errno in (errno.EACCES, errno.EROFS, errno.EPERM)
    ):
        return (
            f"DATABASE_PATH {path}: the folder {parent} is not writable by this process "
            f"({_user()}), and SQLite writes its journal beside the database: make the folder "
            "writable (a Docker volume: chown it to the container's user) or set DATABASE_PATH "
            "to a file in a writable folder"
        )
    if path.exists() and not _writable(path):
        return (
            f"DATABASE_PATH {path}: the file is not writable by this process ({_user()}): "
            "make it writable (chown or chmod) or set DATABASE_PATH to another file"
        )
    if code == sqlite3.SQLITE_BUSY:
        return (
            f"DATABASE_PATH {path}: the database stayed locked by another process for "
            f"{BUSY_SECONDS:.0f} s; stop the other process or try again"
        )
    return f"DATABASE_PATH {path}: cannot open the database ({error}); check the file and folder"


def write_problem(
    path: Path | str, error: BaseException, busy_seconds: float = BUSY_SECONDS
) -> str:
    """Why a write did not reach the file, in the words an operator acts on."""
    code = _sqlite_code(error)
    if code == sqlite3.SQLITE_FULL:
        reason = "the disk is full"
    elif code == sqlite3.SQLITE_READONLY:
        reason = "the database or its folder has become read-only"
    elif code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        reason = f"another process kept the database locked for more than {busy_seconds:g} s"
    elif code == sqlite3.SQLITE_IOERR:
        reason = "the disk reported an I/O error"
    else:
        reason = str(error) or type(error).__name__
    return f"could not save to the database {path}: {reason}"


def lost_problem(path: Path | str, *, replaced: bool) -> str:
    """The file the bot opened is no longer at its path."""
    what = "replaced by another file" if replaced else "deleted"
    return (
        f"the database file {path} was {what} while the bot was running; stopping, so that a "
        "restart opens the file now at DATABASE_PATH (restore it from a backup if it was lost)"
    )
