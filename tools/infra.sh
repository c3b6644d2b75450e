#!/usr/bin/env bash
# Starts (up) or stops (down) what Baton needs locally: a real single-node Apache Kafka in
# KRaft mode built from Maven Central jars (cached between runs), and PostgreSQL with the
# project's databases. Idempotent: `up` on a running broker only checks it.
#
#   tools/infra.sh up | down | reset | status   (reset: stop and wipe the broker's storage)
#
# Environment: BATON_KAFKA_PORT (19092), BATON_CACHE (~/.cache/baton), BATON_PG_URL.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")
PORT=${BATON_KAFKA_PORT:-19092}
CONTROLLER_PORT=$((PORT + 1))
CACHE=${BATON_CACHE:-$HOME/.cache/baton}
LIB="$CACHE/kafka-$KAFKA_VERSION/lib"
RUN="$CACHE/kafka-run-$PORT"
PIDFILE="$RUN/broker.pid"
PG_URL=${BATON_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DATABASES=${BATON_DATABASES:-baton baton_test}

log() { printf '[infra] %s\n' "$*" >&2; }

broker_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

fetch_kafka() {
  if [ -f "$LIB/.complete" ]; then return; fi
  log "resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIB"
  command -v mvn >/dev/null || { log "mvn not found: install Maven (apt-get install maven)"; exit 1; }
  rm -rf "$LIB" && mkdir -p "$LIB"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LIB" -DincludeScope=runtime
  touch "$LIB/.complete"
}

start_kafka() {
  if broker_running; then
    log "kafka $KAFKA_VERSION already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
  else
    fetch_kafka
    mkdir -p "$RUN/data" "$RUN/logs"
    cat > "$RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
PROPS
    local cp="$LIB/*"
    # The broker keeps its topics and offsets across down/up: storage is formatted only when new
    # (`reset` wipes it).
    if [ ! -f "$RUN/data/meta.properties" ]; then
      local cluster_id
      cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
      log "formatting new kafka storage in $RUN/data"
      java -Dkafka.logs.dir="$RUN/logs" -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" \
        -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN/server.properties" >"$RUN/logs/format.log" 2>&1 || { log "kafka storage format failed:"; head -3 "$RUN/logs/format.log" >&2; exit 1; }
    fi
    log "starting kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$PORT"
    nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Dkafka.logs.dir="$RUN/logs" \
      -Dlog4j2.configurationFile="$here/kafka/log4j2.properties" \
      -cp "$cp" kafka.Kafka "$RUN/server.properties" >"$RUN/logs/stdout.log" 2>&1 &
    echo $! >"$PIDFILE"
  fi
  if ! node "$here/kafka/wait-ready.mjs" "127.0.0.1:$PORT" 90; then
    log "kafka did not become ready; last log lines:"; tail -20 "$RUN/logs/server.log" >&2 || true
    exit 1
  fi
  echo "$KAFKA_VERSION" >"$RUN/version"
  log "kafka $KAFKA_VERSION ready on 127.0.0.1:$PORT"
}

stop_kafka() {
  if ! broker_running; then log "kafka not running"; rm -f "$PIDFILE"; return; fi
  local pid; pid=$(cat "$PIDFILE")
  log "stopping kafka (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "kafka did not stop in 30 s; killing"; kill -KILL "$pid"; fi
  rm -f "$PIDFILE"
}

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
      local ver; ver=$(ls /etc/postgresql | sort -V | tail -1)
      log "starting PostgreSQL $ver"
      pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
  fi
  for db in $DATABASES; do
    if [ "$(psql "$PG_URL" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'")" != "1" ]; then
      psql "$PG_URL" -qc "CREATE DATABASE $db" && log "created database $db"
    fi
  done
  log "postgres ready ($(psql "$PG_URL" -tAc 'SHOW server_version'))"
}

case "${1:-up}" in
  up) ensure_postgres; start_kafka ;;
  down) stop_kafka ;;
  reset) stop_kafka; log "wiping kafka storage in $RUN"; rm -rf "$RUN/data" "$RUN/logs" ;;
  status) broker_running && echo "kafka $KAFKA_VERSION running on $PORT" || echo "kafka stopped"; pg_isready -h 127.0.0.1 -p 5432 ;;
  *) echo "usage: $0 up|down|reset|status" >&2; exit 2 ;;
esac
