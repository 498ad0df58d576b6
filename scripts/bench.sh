#!/usr/bin/env bash
# Benchmarks (not part of npm test): same set-up as the tests, then test/bench/run.ts.
source "$(dirname "$0")/lib/env.sh"
ensure_debian nginx wrk
ensure_build
exec node test/bench/run.ts "$@"
