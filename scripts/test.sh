#!/usr/bin/env bash
# Install Meldefra with its test tools and the Teams SDK, make sure PostgreSQL and RabbitMQ run, and run the
# whole suite (every store and handler test on SQLite and on PostgreSQL), then lint and type checks.
source "$(dirname "$0")/_venv.sh"
install_meldefra "[test,teams]"

# Microsoft's Teams simulator for the end-to-end test, installed once into ./.playground.
PLAYGROUND="@microsoft/m365agentsplayground@0.2.28"
if command -v npm >/dev/null && [ ! -f ".playground/.installed-0.2.28" ]; then
  mkdir -p .playground
  npm install --prefix .playground --no-audit --no-fund --silent "$PLAYGROUND"
  touch .playground/.installed-0.2.28
fi

PGHOST_TEST=${PGHOST_TEST:-127.0.0.1}
pg_up() { .venv/bin/python - "$PGHOST_TEST" <<'PY'
import sys, socket
s = socket.socket(); s.settimeout(1)
try:
    s.connect((sys.argv[1], 5432)); sys.exit(0)
except OSError:
    sys.exit(1)
PY
}
if ! pg_up; then
  echo "PostgreSQL is not answering on $PGHOST_TEST:5432; starting it" >&2
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! pg_up; then
  echo "PostgreSQL cannot be reached at $PGHOST_TEST:5432: the store tests need it." >&2
  exit 1
fi

# RabbitMQ carries the archive's replies in the Fiks IO tests (tests/test_fiks.py).
AMQPHOST_TEST=${AMQPHOST_TEST:-127.0.0.1}
amqp_up() { .venv/bin/python - "$AMQPHOST_TEST" <<'PY'
import sys, socket
s = socket.socket(); s.settimeout(1)
try:
    s.connect((sys.argv[1], 5672)); sys.exit(0)
except OSError:
    sys.exit(1)
PY
}
if ! amqp_up; then
  echo "RabbitMQ is not answering on $AMQPHOST_TEST:5672; starting it" >&2
  if command -v rabbitmq-server >/dev/null; then
    rabbitmq-server -detached || true
  fi
  for _ in $(seq 1 60); do amqp_up && break; sleep 1; done
fi
if ! amqp_up; then
  echo "RabbitMQ cannot be reached at $AMQPHOST_TEST:5672: the Fiks IO tests need it." >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
fi

.venv/bin/python -m pytest -n 2 "$@"
.venv/bin/ruff check bot handlers store tests bench scripts
.venv/bin/mypy bot handlers store
