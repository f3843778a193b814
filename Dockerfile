# plex-completer: served by gunicorn on port 5000, data (SQLite, secret key) in /data.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/data

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY app.py gunicorn.conf.py ./
COPY plex_completer ./plex_completer
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static

RUN groupadd --system --gid 1000 plexc \
    && useradd --system --uid 1000 --gid 1000 --home-dir /app --shell /usr/sbin/nologin plexc \
    && mkdir -p /data && chown 1000:1000 /data
# Numeric, so Kubernetes' runAsNonRoot and the host can check it (hadolint DL3066).
USER 1000:1000
VOLUME /data
EXPOSE 5000

# /healthz answers 200 when the database is reachable and the scheduler runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:5000/healthz', timeout=4).status == 200 else 1)"]

# One worker process, several threads (see gunicorn.conf.py): the in-process scheduler
# and the in-memory matcher exist exactly once, while threads keep pages responsive.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:app"]
