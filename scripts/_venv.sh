# Sourced by run.sh and test.sh: create .venv and install a requirements file when it changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

ensure_venv() {  # $1 = requirements file
    local req="$ROOT/$1" stamp
    if [ ! -x "$VENV/bin/python" ]; then
        echo "Creating a virtual environment in $VENV ..."
        "$PY" -m venv "$VENV"
    fi
    stamp="$VENV/.installed-$(basename "$req")"
    if [ ! -f "$stamp" ] || ! cmp -s <(cat "$ROOT"/requirements*.txt) "$stamp"; then
        echo "Installing $(basename "$req") ..."
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
        cat "$ROOT"/requirements*.txt > "$stamp"
    fi
}
