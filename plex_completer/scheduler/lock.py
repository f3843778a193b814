"""The single-scheduler lease: one row in ``scheduler_locks`` names the process that runs
the scheduled jobs for this database.

Every process that starts a scheduler (several gunicorn workers, a second container on
the same database, a ``flask`` CLI command) competes for the row; only the holder
registers and runs the schedules. The holder renews its lease every
:data:`RENEW_SECONDS`; a lease not renewed for :data:`LEASE_SECONDS` (the holder
crashed or lost the database) may be taken by anyone, so another process takes over
within ~1.5 minutes. Acquisition is one atomic statement, ``UPDATE … SET holder = me
WHERE name = 'scheduler' AND (expires_at < now OR holder = me)``, plus an ``INSERT`` the
very first time (the primary key makes a second ``INSERT`` fail), so two processes can
never both win: SQLite serialises writers, and PostgreSQL re-checks the ``WHERE`` on the
row it locked (READ COMMITTED, https://www.postgresql.org/docs/current/transaction-iso.html).

The lease relies on the machines' clocks agreeing to within a few seconds (NTP), as
any lease does.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import SchedulerLock, utcnow

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
LEASE_SECONDS = 90.0
RENEW_SECONDS = 30.0  # three renewals per lease: one slow database write does not lose it

_PROCESS_STARTED = int(time.time())  # tells a restarted process from the one that used its pid

Clock = Callable[[], dt.datetime]


def make_holder_id() -> str:
    """This process's holder id: ``"host:pid:process-start:random"`` (at most 200 chars)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{_PROCESS_STARTED}:{secrets.token_hex(3)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def holder_is_dead(holder: str) -> bool:
    """True when ``holder`` ran on this host in a process that no longer exists.

    A container restarted after a crash must not wait for its own old lease to expire.
    Holders on other hosts are never judged dead here (only their lease can expire).
    """
    parts = holder.split(":")
    if len(parts) < 4 or parts[0] != socket.gethostname()[:120] or not parts[1].isdigit():
        return False
    pid, started = int(parts[1]), parts[2]
    if pid == os.getpid():
        return started != str(_PROCESS_STARTED)  # our pid, an earlier process's start time
    return not _pid_alive(pid)


@dataclass(frozen=True)
class LockState:
    """The lease as stored: ``holder``, ``expires_at`` (aware UTC) and ``live`` (not expired)."""

    holder: str
    acquired_at: dt.datetime
    renewed_at: dt.datetime
    expires_at: dt.datetime
    live: bool


class SchedulerLease:
    """Acquire, renew and release the scheduler lease for one holder id.

    ``clock`` returns aware UTC (tests inject one); ``lease_seconds`` is the validity of
    one acquisition or renewal. Methods need an app context and commit their own writes.
    """

    def __init__(
        self,
        holder: str | None = None,
        *,
        name: str = LOCK_NAME,
        lease_seconds: float = LEASE_SECONDS,
        clock: Clock = utcnow,
    ) -> None:
        self.holder = holder or make_holder_id()
        self.name = name
        self.lease_seconds = lease_seconds
        self.clock = clock

    def acquire(self) -> bool:
        """Take the lease or renew our own; True when we hold it afterwards.

        Returns False (never raises for a lost race) when another live holder has it.
        Runs on its own connection and transaction, so a caller's session is untouched
        and the ``UPDATE`` is the first statement of its transaction (SQLite then takes
        the write lock before reading the row). Other database errors propagate.
        """
        now = self.clock()
        expires = now + dt.timedelta(seconds=self.lease_seconds)
        table = SchedulerLock.__table__
        mine = table.c.holder == self.holder
        take = (
            sa.update(table)
            .where(table.c.name == self.name, sa.or_(table.c.expires_at < now, mine))
            .values(
                holder=self.holder,
                renewed_at=now,
                expires_at=expires,
                acquired_at=sa.case((mine, table.c.acquired_at), else_=sa.literal(now, table.c.acquired_at.type)),
            )
        )
        try:
            with db.engine.begin() as conn:
                if conn.execute(take).rowcount == 1:
                    return True
                stale = conn.execute(sa.select(table.c.holder).where(table.c.name == self.name)).scalar()
                if stale is None:
                    conn.execute(
                        sa.insert(table).values(
                            name=self.name, holder=self.holder, acquired_at=now, renewed_at=now, expires_at=expires
                        )
                    )
                    return True
                if not holder_is_dead(stale):
                    return False
                # Compare-and-swap on the dead holder's id: only one contender replaces it.
                steal = (
                    sa.update(table)
                    .where(table.c.name == self.name, table.c.holder == stale)
                    .values(holder=self.holder, acquired_at=now, renewed_at=now, expires_at=expires)
                )
                if conn.execute(steal).rowcount == 1:
                    log.info("Took over the scheduler lock from %s, a process of this host that is gone", stale)
                    return True
                return False
        except IntegrityError:
            return False  # another process inserted the first row a moment before us

    def release(self) -> bool:
        """Give the lease up now (graceful shutdown) so a successor need not wait for it to
        expire; True when we held it."""
        table = SchedulerLock.__table__
        stmt = (
            sa.update(table)
            .where(table.c.name == self.name, table.c.holder == self.holder)
            .values(expires_at=self.clock() - dt.timedelta(seconds=1))
        )
        with db.engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def state(self) -> LockState | None:
        """The stored lease (anyone's), or None before any process took it."""
        return read_state(self.clock, self.name)

    def held_by_me(self) -> bool:
        """True when the stored lease is ours and not expired (reads the database)."""
        state = self.state()
        return bool(state and state.live and state.holder == self.holder)


def read_state(clock: Clock = utcnow, name: str = LOCK_NAME) -> LockState | None:
    """The stored lease of ``name`` (anyone's), or None before any process took it."""
    table = SchedulerLock.__table__
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.name == name)).mappings().first()
    if row is None:
        return None
    return LockState(row["holder"], row["acquired_at"], row["renewed_at"], row["expires_at"], row["expires_at"] >= clock())


def live_holder(clock: Clock = utcnow, name: str = LOCK_NAME) -> str | None:
    """The holder id of a live (unexpired) lease, or None when nobody runs the scheduler."""
    state = read_state(clock, name)
    return state.holder if state and state.live else None
