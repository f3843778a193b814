#!/usr/bin/env bash
# Run the test suite (installs test packages, and Debian's chromium for the browser tests
# when it is missing and we may install it). Extra arguments go to pytest.
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
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
