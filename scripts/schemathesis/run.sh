#!/bin/sh
# schemathesis (--checks all) against a running gridmap, signed in as USER.
# usage: scripts/schemathesis/run.sh BASE_URL USER PASSWORD [more schemathesis options]
# schemathesis is not a dependency of gridmap: install it in a venv of its own, e.g.
#   python3 -m venv /tmp/st-venv && /tmp/st-venv/bin/pip install schemathesis
# schemathesis.toml lists the operations whose rules across fields, or about what exists,
# no OpenAPI schema can state (each with its reason): there a schema-valid request may get
# the 400 its route documents. hooks.py signs in and orders a bbox's corners.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
base=$1 user=$2 password=$3
shift 3
cd "$here"
ST_BASE=$base ST_USER=$user ST_PASSWORD=$password SCHEMATHESIS_HOOKS=hooks PYTHONPATH=$here \
  "${SCHEMATHESIS:-schemathesis}" run "$base/openapi.json" --checks all --workers 1 \
  --request-timeout 60 "$@"
