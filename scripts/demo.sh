#!/usr/bin/env bash
# A demo "pod" on this machine (scripts/demo.ts): sidecar + master + the demo app on a
# loopback port, from a config directory you edit (.demo/source). Ctrl-C drains and exits.
source "$(dirname "$0")/lib/env.sh"
ensure_build
exec node scripts/demo.ts "$@"
