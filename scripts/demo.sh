#!/usr/bin/env bash
# A demo "pod" on this machine: `hotcycle master` running the demo app (examples/demo)
# on a loopback port, from a config directory you edit. Ctrl-C drains and exits.
source "$(dirname "$0")/lib/env.sh"
ensure_build
DEMO=${HOTCYCLE_DEMO_DIR:-$ROOT/.demo}
PORT=${HOTCYCLE_DEMO_PORT:-8080}
mkdir -p "$DEMO/config" "$DEMO/run"
[ -f "$DEMO/config/message.txt" ] || cp examples/demo/config/message.txt "$DEMO/config/"
cat > "$DEMO/config/hotcycle.yaml" <<YAML
# The demo's hotcycle.yaml: edit it (worker count, a second listener, env…) and reload.
listeners:
  - name: http
    address: "127.0.0.1:$PORT"
workers:
  count: 2
  command: ["node", "$ROOT/examples/demo/app.ts"]
  readiness: { mode: notify, timeoutMs: 10000 }
  shutdown: { signal: SIGTERM, timeoutMs: 10000 }
YAML
HC="node $ROOT/dist/hotcycle.mjs"
cat >&2 <<TXT

  hotcycle demo: http://127.0.0.1:$PORT/   (config: $DEMO/config)

  Try, in another terminal:
    curl -s http://127.0.0.1:$PORT/                       # the message, served by generation 1
    echo "Hello again" > $DEMO/config/message.txt         # edit the config
    $HC reload --direct --socket $DEMO/run/master.sock    # a reload cycle: check → … → commit
    $HC status --socket $DEMO/run/master.sock             # generations, pids, last results
  Watch this terminal for the master's log lines. Ctrl-C drains the workers and exits.

TXT
exec node dist/hotcycle.mjs master --config-dir "$DEMO/config" --socket "$DEMO/run/master.sock" --log-format text
