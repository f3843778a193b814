"""A separate process that competes for the scheduler lease (used by test_lock.py).

``python -m tests.scheduler.lease_contender DATABASE_URL HOLDER GO_FILE`` prints
``ready``, waits until ``GO_FILE`` exists (so several processes start together), tries
to take the lease once and prints ``won`` or ``lost``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from flask import Flask

from plex_completer.database import engine_options, install_sqlite_pragmas
from plex_completer.extensions import db
from plex_completer.scheduler.lock import SchedulerLease


def main(url: str, holder: str, go_file: str) -> None:
    app = Flask("lease-contender")
    app.config.update(SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS=engine_options(url))
    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
        with db.engine.connect() as conn:  # open the connection before the start line
            conn.exec_driver_sql("SELECT 1")
        print("ready", flush=True)
        go = Path(go_file)
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.001)
        print("won" if SchedulerLease(holder).acquire() else "lost", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
