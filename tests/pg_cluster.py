"""A throwaway PostgreSQL cluster for the tests that need one (Debian's ``postgresql``
package: ``/usr/lib/postgresql/<version>/bin``; ``scripts/test.sh`` installs it when run as
root).

:func:`start` runs ``initdb`` and ``pg_ctl`` in a temporary directory (as the ``postgres``
user through ``runuser`` when the tests run as root: PostgreSQL refuses to run as root),
listening only on a unix socket in that directory under a random port number, with fsync
off (nothing here needs to survive a crash). :func:`stop` removes it all. Anything that
keeps the cluster from starting raises :class:`Unavailable` with the reason, which the
fixtures turn into a skip.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class Unavailable(RuntimeError):
    """PostgreSQL cannot be started here; the message says why."""


@dataclass
class Cluster:
    """A running cluster: its data ``directory`` (which also holds the socket) and ``port``."""

    root: Path
    port: int
    bin_dir: Path
    user: str | None  # run the binaries as this user (None: as ourselves)

    @property
    def socket_dir(self) -> Path:
        """The directory of the unix socket (``host=`` in a libpq URL)."""
        return self.root

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` over the unix socket."""
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)

    def psql(self, sql: str, database: str = "postgres") -> None:
        """Run ``sql`` (no results) as the superuser; raises RuntimeError on failure."""
        done = self._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p",
                         str(self.port), "-U", "postgres", "-d", database, "-c", sql)
        if done.returncode:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise Unavailable("PostgreSQL is not installed (no initdb; Debian: apt-get install postgresql)")


def start() -> Cluster:
    """Start a fresh cluster; raises :class:`Unavailable` with the reason when it cannot."""
    bin_dir = _bin_dir()
    user = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            raise Unavailable("running as root and runuser is missing (PostgreSQL refuses to run as root)")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise Unavailable("running as root and there is no postgres user to run PostgreSQL as") from exc
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="pc-pg-"))
    if user:
        shutil.chown(root, user=user)
    cluster = Cluster(root=root, port=random.randint(20_000, 60_000), bin_dir=bin_dir, user=user)
    data = root / "data"
    try:
        done = cluster._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                            "--locale=C", "--no-sync")
        if done.returncode:
            raise Unavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
        options = f"-c listen_addresses='' -c unix_socket_directories='{root}' -p {cluster.port} -c fsync=off " \
                  "-c synchronous_commit=off -c full_page_writes=off"
        done = cluster._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "-t", "30",
                            "start")
        if done.returncode:
            log = (root / "log").read_text(errors="replace")[-300:] if (root / "log").exists() else ""
            raise Unavailable(f"pg_ctl start failed: {done.stderr.strip()[-200:]} {log}")
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise Unavailable(f"PostgreSQL could not start: {exc}") from exc
    except Unavailable:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop the cluster at once and delete its directory."""
    try:
        cluster._run("pg_ctl", "-D", str(cluster.root / "data"), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(cluster.root, ignore_errors=True)
