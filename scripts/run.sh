#!/usr/bin/env bash
# Run plex-completer on http://localhost:5000 (installs its Python packages on first use).
# Settings come from the environment or a .env file (see .env.example).
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements.txt
cd "$ROOT"
exec "$VENV/bin/gunicorn" --config "$ROOT/gunicorn.conf.py" app:app "$@"
