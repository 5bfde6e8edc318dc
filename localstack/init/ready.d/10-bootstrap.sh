#!/usr/bin/env bash
# LocalStack "ready" hook: provision Onsale with its own bootstrap (chalicelib/bootstrap.py), the
# same code that provisions moto for `make run` and the tests, so the two cannot drift.
#
# Runs inside the LocalStack container, with the project mounted read-only at /onsale. The
# project's runtime requirements are installed once into a virtualenv on the cache volume. The
# resource ids (user pool, app client, queue URL) are written to /onsale-state/localstack.env,
# i.e. .onsale/localstack.env in the project.
set -euo pipefail

PROJECT=${ONSALE_PROJECT_DIR:-/onsale}
STATE=${ONSALE_STATE_DIR:-/onsale-state}
VENV=${ONSALE_BOOTSTRAP_VENV:-/var/lib/localstack/onsale-venv}
PYTHON=${ONSALE_BOOTSTRAP_PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "onsale bootstrap: needs Python 3.11+ in the container ($PYTHON is older)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$PROJECT/requirements.txt" "$VENV/requirements.txt"; then
  echo "onsale bootstrap: installing the project's requirements into $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$PROJECT/requirements.txt"
  cp "$PROJECT/requirements.txt" "$VENV/requirements.txt"
fi

export ONSALE_AWS_ENDPOINT=${ONSALE_AWS_ENDPOINT:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export ONSALE_STAGE=${ONSALE_STAGE:-local}
export PYTHONDONTWRITEBYTECODE=1 # the project is mounted read-only

mkdir -p "$STATE"
cd "$PROJECT"
"$VENV/bin/python" - >"$STATE/localstack.env.tmp" <<'PYTHON'
import logging

from chalicelib.bootstrap import provision
from chalicelib.settings import get_settings

logging.basicConfig(level=logging.INFO)
settings = get_settings()
for name, value in provision(settings).as_env().items():
    print(f"{name}={value}")
print(f"ONSALE_STAGE={settings.stage}")
print("ONSALE_AWS_ENDPOINT=http://127.0.0.1:4566")
PYTHON
mv "$STATE/localstack.env.tmp" "$STATE/localstack.env"
echo "onsale bootstrap: provisioned stage $ONSALE_STAGE; ids in .onsale/localstack.env"
