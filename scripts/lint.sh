#!/usr/bin/env bash
# Lint: ruff (style, bugs, import order), import-linter (the layers of docs/architecture.md)
# and hadolint (the Dockerfile; no Docker engine is needed). Installs them on first use.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements-dev.txt
cd "$ROOT"
echo "ruff:"; "$VENV/bin/ruff" check .
echo "import-linter:"; "$VENV/bin/lint-imports" --no-cache | tail -n 9
echo "hadolint:"; "$VENV/bin/hadolint" Dockerfile && echo "Dockerfile OK"
