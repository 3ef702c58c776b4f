"""Leases: which one process may do a job that must not run twice (send broadcasts, post the
digest) when several share one database: a rolling deploy, or replicas.

The contract, the same for every store behind it (the SQL below runs on PostgreSQL as it is,
but for its placeholder style, at READ COMMITTED or stricter):

- A lease is one row: name, owner (host-pid-random, unique per process start), expiry.
- `acquire` is one statement that inserts the row, renews it for its owner, or takes it over
  once it has expired. The holder renews it every few seconds (a heartbeat); a holder that
  misses renewals for `ttl` seconds loses it, and the next `acquire` by anyone takes it over.
- Work done under a lease checks the lease in the same transaction as the work
  (`LEASE_HELD`), so a process that lost its lease, however stalled, can change nothing.
- `release` hands the lease over at once, so a clean shutdown does not make the successor
  wait for the expiry.
- A holder on this very machine whose process is gone (same host, pid namespace and boot, and
  its pid no longer exists: a SIGKILLed or crashed bot being restarted) is taken over at once.
- Times are the callers' clocks in unix seconds: processes on several machines need clocks in
  step (NTP) to well within `ttl`.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from bot.store.interface import Connection, StoreDatabase

# Holds while the lease `name` is owned by `owner` and not expired at `now`: the guard every
# statement done under a lease adds to its WHERE clause. Parameters: name, owner, now.
LEASE_HELD = "EXISTS (SELECT 1 FROM leases WHERE name = ? AND owner = ? AND expires_at > ?)"

_ACQUIRE = """
INSERT INTO leases (name, owner, host, pid, acquired_at, renewed_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET
    owner = excluded.owner,
    host = excluded.host,
    pid = excluded.pid,
    acquired_at = CASE WHEN leases.owner = excluded.owner
        THEN leases.acquired_at ELSE excluded.acquired_at END,
    renewed_at = excluded.renewed_at,
    expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at <= excluded.renewed_at
"""

_TAKE_OVER_FROM = """
UPDATE leases SET owner = ?, host = ?, pid = ?, acquired_at = ?, renewed_at = ?, expires_at = ?
WHERE name = ? AND owner = ?
"""


@dataclass(frozen=True)
class Owner:
    """Who asks for a lease: one per process start."""

    id: str  # host-pid-random
    host: str  # hostname, pid namespace and boot: where `pid` means this process ("" unknown)
    pid: int

    @classmethod
    def this_process(cls) -> Owner:
        hostname = socket.gethostname() or "localhost"
        pid = os.getpid()
        return cls(f"{hostname}-{pid}-{secrets.token_hex(4)}", _host_key(hostname), pid)


@dataclass(frozen=True)
class Lease:
    """A lease as stored: who holds it, since when, until when unless renewed."""

    name: str
    owner: str
    host: str
    pid: int
    acquired_at: float
    renewed_at: float
    expires_at: float


@dataclass(frozen=True)
class Acquired:
    """The answer to `acquire`: the lease now, and the one it replaced if it changed hands."""

    lease: Lease
    taken_from: Lease | None
    at: float

    @property
    def why(self) -> str:
        """Why the previous holder lost it, for the log."""
        if self.taken_from is None:
            return ""
        if self.taken_from.expires_at <= self.at:
            return "its lease expired"
        return "its process is gone"


def _host_key(hostname: str) -> str:
    """Where a pid identifies one process: this host, pid namespace (a container has its own)
    and boot. Empty where that cannot be known, which turns the dead-holder shortcut off."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""
    return f"{hostname}/{namespace}/{boot}"


def _process_is_gone(pid: int) -> bool:
    """True only when no process has this pid here (a zombie or another user's still counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def holder_is_gone(lease: Lease, me: Owner) -> bool:
    """The holder ran on this machine, in this pid namespace, and its process no longer exists."""
    return bool(me.host) and lease.host == me.host and _process_is_gone(lease.pid)


class Leases:
    """Acquire, renew, take over and release named leases."""

    def __init__(self, database: StoreDatabase) -> None:
        self._db = database

    async def acquire(self, name: str, me: Owner, ttl: float) -> Acquired:
        """Take, renew or take over the lease for `ttl` seconds; returns the lease as it now
        stands (held by `me` when its owner is `me.id`) and whose it was before."""
        if ttl <= 0:
            raise ValueError("a lease needs a positive ttl")
        now = self._db.clock()
        values = (me.id, me.host, me.pid, now, now, now + ttl)

        def work(conn: Connection) -> Acquired:
            before = _lease(conn, name)
            conn.execute(_ACQUIRE, (name, *values))
            lease = _lease(conn, name)
            assert lease is not None  # the statement above inserted it if it was missing
            if lease.owner != me.id and holder_is_gone(lease, me):
                conn.execute(_TAKE_OVER_FROM, (*values, name, lease.owner))
                lease = _lease(conn, name)
                assert lease is not None
            changed = before is not None and before.owner != lease.owner
            return Acquired(lease, before if changed else None, now)

        return await self._db.write(work)

    async def release(self, name: str, me: Owner) -> bool:
        """Give the lease up now if `me` holds it; returns whether it did."""

        def work(conn: Connection) -> bool:
            cursor = conn.execute("DELETE FROM leases WHERE name = ? AND owner = ?", (name, me.id))
            return cursor.rowcount > 0

        return await self._db.write(work)

    async def holder(self, name: str) -> Lease | None:
        """The lease as stored (perhaps expired), or None when nobody ever took it."""
        return await self._db.read(lambda conn: _lease(conn, name))


def _lease(conn: Connection, name: str) -> Lease | None:
    row = conn.execute("SELECT * FROM leases WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    return Lease(
        name=row["name"],
        owner=row["owner"],
        host=row["host"],
        pid=row["pid"],
        acquired_at=row["acquired_at"],
        renewed_at=row["renewed_at"],
        expires_at=row["expires_at"],
    )
