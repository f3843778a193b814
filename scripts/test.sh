#!/usr/bin/env bash
# Run the test suite (installs test packages, and Debian's chromium for the browser tests
# and postgresql for the PostgreSQL tests when they are missing and we may install them).
# Extra arguments go to pytest.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Debian's chromium for the browser tests ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Note: /usr/bin/chromium is missing; browser tests will be skipped (sudo apt-get install chromium)."
    fi
fi
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing Debian's postgresql for the PostgreSQL search tests ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "Note: PostgreSQL is missing; its tests will be skipped (sudo apt-get install postgresql)."
    fi
fi
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
