"""gunicorn settings for plex-completer.

One worker process with several threads. The app runs its APScheduler
BackgroundScheduler and its job threads inside that process, so a single process
means exactly one scheduler and one in-memory matcher; the threads serve concurrent
page loads and htmx polling while jobs run in the scheduler's own thread pool.
(Several worker processes would each start a scheduler; the scheduler's database lock
keeps only one active, but one process is simpler and enough for a home server.)
"""

import os

bind = os.environ.get("BIND", "0.0.0.0:5000")
workers = 1
# Four threads: pages are CPU-bound Python under one interpreter lock, and more threads
# only interleave them (bench/search.py, 200k tracks, 2 cores: 10 concurrent searches p95
# 85 ms with 4 threads against 134 ms with 8; docs/library-sync.md). Slow outside calls
# on a request thread (the AI diagnostics test, Sign in with Plex) each hold one, so not
# fewer; WEB_THREADS changes it.
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 120  # the diagnostics test button may wait on a slow provider
graceful_timeout = 30
accesslog = "-"
access_log_format = '%(t)s ACCESS %(m)s %(U)s %(s)s %(L)ss'  # no query strings: they could hold secrets
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
