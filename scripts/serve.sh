#!/usr/bin/env bash
# Install Meldefra and start it. Without chat credentials it opens the local console.
source "$(dirname "$0")/_venv.sh"
install_meldefra ""
exec .venv/bin/meldefra serve "$@"
