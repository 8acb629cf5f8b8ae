#!/usr/bin/env bash
# Installs the official MCP Python SDK (PyPI `mcp`, pinned) into a directory of its own and
# prints that directory, for the tests' external MCP client (tests/mcp/). Reused when present.
set -euo pipefail
MCP_VERSION=2.3.0
DIR=${PYMCP_DIR:-/tmp/mmai-pymcp-$MCP_VERSION}
if ! PYTHONPATH="$DIR" python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$MCP_VERSION')" 2>/dev/null; then
  rm -rf "$DIR.tmp"
  python3 -m pip install -q --disable-pip-version-check --no-warn-conflicts --target "$DIR.tmp" "mcp==$MCP_VERSION" >&2
  rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
fi
echo "$DIR"
