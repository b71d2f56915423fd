#!/usr/bin/env bash
# Install Meldefra and start it. Without chat credentials it opens the local console; with
# CLIENT_ID set (Microsoft Teams) it installs the Teams SDK as well.
source "$(dirname "$0")/_venv.sh"
if [ -n "${CLIENT_ID:-}" ]; then install_meldefra "[teams]"; else install_meldefra ""; fi
exec .venv/bin/meldefra serve "$@"
