#!/usr/bin/env bash
#
# infra/local/kafka.sh — run a local single-node Kafka (KRaft mode) without
# Docker, from jars fetched from Maven Central.
#
# Usage: infra/local/kafka.sh start|stop|status|fetch|credentials-file
#
#   fetch   Download the broker jars into .local/kafka/libs (once; reused later).
#   start   Start the broker in the background and wait until it is serving.
#           If a broker of this checkout runs without SASL (started by an older
#           version of this script), it is stopped and started again with SASL
#           and ACLs.  If something else answers on the broker port, reuse it.
#   stop    Stop the broker started by `start` (TERM, then KILL after 30 s).
#   status  Exit 0 if a broker is running, non-zero otherwise.
#   credentials-file
#           Print the path of the credentials file when the broker on the port
#           is this checkout's SASL broker; print nothing otherwise.
#
# The broker is not a trust boundary without authentication, so it runs with
# SASL and the StandardAuthorizer (docs/adr/0007-broker-identities-and-acls.md):
# the client listener accepts SCRAM-SHA-512 (one identity per service) and
# PLAIN for the local super user "admin" (static, in the broker's JAAS config,
# so that it exists before any SCRAM credential does, also on storage formatted
# by an older version of this script); the controller listener accepts only
# admin over PLAIN.  Passwords are generated once per machine into
# credentials.json (mode 600).  The SCRAM credentials are written at format
# time, or with ConfigCommand after start when the storage predates them.
# ACLs are not set here: provisioning derives them from the topic registry.
#
# Environment:
#   KAFKA_PORT             broker (SASL_PLAINTEXT) port, default 9092
#   KAFKA_CONTROLLER_PORT  KRaft controller port, default 9093
#   KAFKA_HEAP_OPTS        JVM heap options, default "-Xms256m -Xmx1g"
#   KAFKA_STATE_DIR        state directory, default <repo>/.local/kafka (a
#                          second broker needs its own, and its own ports)
#
# Everything it creates lives under <repo>/.local/kafka, which is git-ignored:
# libs/ (jars), data/ (the log and metadata directory), server.properties
# (regenerated on every start), credentials.json, scram.stamp, cluster-id,
# kafka.log and kafka.pid.

set -euo pipefail

# Paths are computed from this script's own location so that it works from
# any working directory.
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd -P)"
POM="${SCRIPT_DIR}/kafka/pom.xml"
LOG4J_CONFIG="${SCRIPT_DIR}/kafka/log4j.properties"

STATE_DIR="${KAFKA_STATE_DIR:-${REPO_ROOT}/.local/kafka}"
# The jars are shared by every state directory of this checkout.
LIBS_DIR="${REPO_ROOT}/.local/kafka/libs"
DATA_DIR="${STATE_DIR}/data"
PROPS_FILE="${STATE_DIR}/server.properties"
LOG_FILE="${STATE_DIR}/kafka.log"
PID_FILE="${STATE_DIR}/kafka.pid"
CLUSTER_ID_FILE="${STATE_DIR}/cluster-id"
FETCH_LOG="${STATE_DIR}/fetch.log"
CREDENTIALS_FILE="${STATE_DIR}/credentials.json"
# "<cluster id> <sha256 of credentials.json>" once the storage holds the SCRAM
# credentials of that file, so they are written only when missing or changed.
SCRAM_STAMP="${STATE_DIR}/scram.stamp"
ADMIN_CLIENT_PROPS="${STATE_DIR}/admin-client.properties"
# server.properties carries this line when it enables SASL and ACLs; a running
# broker of this checkout without it is an old one and gets restarted.
SECURITY_MARKER="# security: sasl-scram+acl v1"
# One identity per service (the names of packages/contracts/src/topics.ts).
SERVICE_USERS=(command-gateway account-ledger saga-orchestrator projection-query)
SCRAM_MECHANISM="SCRAM-SHA-512"
# libs/ holds a copy of the pom's checksum once a fetch has completed, so an
# interrupted fetch is redone and a changed pom (e.g. a new Kafka version)
# triggers a new fetch.
LIBS_STAMP="${LIBS_DIR}/.pom.sha256"

HOST="127.0.0.1"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"

START_TIMEOUT_S=90
STOP_TIMEOUT_S=30
STARTED_MARKER="Kafka Server started"

log() { printf 'kafka: %s\n' "$*"; }
die() {
  printf 'kafka: error: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with sub-second precision, for timing the startup.
# EPOCHREALTIME is bash 5; `date +%s.%N` covers older shells.
now() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    printf '%s\n' "${EPOCHREALTIME/,/.}"
  else
    date +%s.%N
  fi
}

elapsed_since() {
  awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# True if something accepts TCP connections on HOST:$1.  bash's /dev/tcp is
# used so no extra tool is needed; `timeout` bounds a connect that hangs.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/${HOST}/$1" 2>/dev/null
}

# The pid recorded in the pid file, or nothing.
read_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(tr -dc '0-9' <"$PID_FILE" || true)"
  fi
  printf '%s\n' "$pid"
}

# True if $1 is a live process running our broker.  Checking the command line
# guards against signalling an unrelated process that reused a stale pid.
is_our_broker() {
  local pid="$1"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Read into a variable rather than piping into `grep -q`, which under
  # pipefail can fail spuriously when grep exits before tr finishes writing.
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"kafka.Kafka ${PROPS_FILE}"* ]]
}

require_tools() {
  command -v java >/dev/null 2>&1 || die "java is not on PATH (Kafka 3.9 needs Java 11 or newer)"
  local major
  # `java -version` prints e.g. 'openjdk version "17.0.15" ...' on stderr.
  major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  if [[ -z "$major" || "$major" -lt 11 ]]; then
    die "java ${major:-(unknown version)} is too old; Kafka 3.9 needs Java 11 or newer"
  fi
}

# Download the broker jars, unless a completed fetch for this exact pom is
# already there.  The jars go to a temporary directory first and are moved
# into place only when Maven succeeds, so libs/ is never half-filled.
fetch() {
  local want tmp
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  if [[ -f "$LIBS_STAMP" && "$(cat "$LIBS_STAMP")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn is not on PATH; it is needed once to fetch the Kafka jars"
  mkdir -p "$STATE_DIR"
  tmp="${STATE_DIR}/libs.tmp"
  rm -rf "$tmp"
  log "fetching Kafka jars with Maven (once) into ${LIBS_DIR}"
  if ! mvn -B -q -Dstyle.color=never -f "$POM" \
    dependency:copy-dependencies -DoutputDirectory="$tmp" -DincludeScope=runtime \
    >"$FETCH_LOG" 2>&1; then
    tail -n 40 "$FETCH_LOG" >&2 || true
    rm -rf "$tmp"
    die "fetching the Kafka jars failed; full Maven output in ${FETCH_LOG}"
  fi
  [[ -n "$(find "$tmp" -name 'kafka_2.13-*.jar' -print -quit)" ]] \
    || die "Maven succeeded but no kafka_2.13 jar arrived in ${tmp}"
  printf '%s\n' "$want" >"${tmp}/.pom.sha256"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

# Run a Kafka main class with the fetched classpath and our log4j config.
kafka_java() {
  java -Dlog4j.configuration="file:${LOG4J_CONFIG}" -cp "${LIBS_DIR}/*" "$@"
}

# A random password of 32 letters and digits (no character that would need
# quoting in JSON, JAAS or a properties file).
random_password() {
  local pw=""
  while ((${#pw} < 32)); do
    pw+="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  done
  printf '%s\n' "${pw:0:32}"
}

# Generate credentials.json once per machine (mode 600, never committed: it
# lives under the git-ignored .local/).  Its shape is read by
# packages/testing/src/kafka-identity.ts and infra/local/src/identities.ts:
#   {"admin": {"mechanism": "plain", "username": "admin", "password": "..."},
#    "services": {"<service>": {"mechanism": "scram-sha-512", ...}, ...}}
ensure_credentials() {
  [[ -s "$CREDENTIALS_FILE" ]] && return 0
  local tmp="${CREDENTIALS_FILE}.tmp" user sep=""
  (
    umask 077
    {
      printf '{\n  "admin": {"mechanism": "plain", "username": "admin", "password": "%s"},\n  "services": {\n' \
        "$(random_password)"
      for user in "${SERVICE_USERS[@]}"; do
        printf '%s    "%s": {"mechanism": "scram-sha-512", "username": "%s", "password": "%s"}' \
          "$sep" "$user" "$user" "$(random_password)"
        sep=$',\n'
      done
      printf '\n  }\n}\n'
    } >"$tmp"
  )
  mv "$tmp" "$CREDENTIALS_FILE"
  log "generated broker credentials in ${CREDENTIALS_FILE}"
}

# The password of one identity from credentials.json ("admin" or a service).
# The file is written by ensure_credentials, one identity per line, so sed is
# enough to read it.
credential_password() {
  sed -n "s/.*\"username\": \"$1\", \"password\": \"\([A-Za-z0-9]*\)\".*/\1/p" "$CREDENTIALS_FILE" | head -n 1
}

# Write server.properties from the current settings.  It is regenerated on
# every start so that KAFKA_PORT / KAFKA_CONTROLLER_PORT changes take effect;
# the storage itself does not depend on the ports.  It holds the admin
# password, so it is written with mode 600 like credentials.json.
write_config() {
  local tmp="${PROPS_FILE}.tmp" admin_pw
  admin_pw="$(credential_password admin)"
  [[ -n "$admin_pw" ]] || die "no admin password in ${CREDENTIALS_FILE}; delete the file to have it generated again"
  local plain_jaas="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"${admin_pw}\" user_admin=\"${admin_pw}\";"
  (umask 077 && : >"$tmp")
  cat >"$tmp" <<EOF
# Generated by infra/local/kafka.sh on every start; edits here are overwritten.
${SECURITY_MARKER}
# Single-node KRaft: this one process is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${CONTROLLER_PORT}
listeners=BROKER://${HOST}:${PORT},CONTROLLER://${HOST}:${CONTROLLER_PORT}
advertised.listeners=BROKER://${HOST}:${PORT}
listener.security.protocol.map=BROKER:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=BROKER
log.dirs=${DATA_DIR}

# Authentication.  Clients: SCRAM-SHA-512 per service, PLAIN for the super
# user admin (whose password is only here and in credentials.json).  The
# controller listener takes admin only, which is also what this process uses
# to reach its own controller and broker.  SCRAM cannot serve the controller
# listener in KRaft (its credentials live in the metadata the controller
# serves), hence PLAIN there.  Loopback only: in production these run over
# TLS (infra/k8s/README.md).
sasl.enabled.mechanisms=${SCRAM_MECHANISM},PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.broker.sasl.enabled.mechanisms=${SCRAM_MECHANISM},PLAIN
listener.name.broker.plain.sasl.jaas.config=${plain_jaas}
listener.name.broker.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=${plain_jaas}

# Authorization: nothing is allowed without an ACL; provisioning creates the
# ACLs from the topic registry (packages/platform/src/kafka-acls.ts).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin

# With one broker every replication factor and ISR minimum must be 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
default.replication.factor=1

# Local development: no delay before the first consumer group rebalance,
# topics are created explicitly, and few partitions keep startup fast.
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=1
offsets.topic.num.partitions=10
EOF
  mv "$tmp" "$PROPS_FILE"
}

# Make sure a cluster id exists (generated once) and the storage directory is
# formatted with it.  Formatting is skipped when data/meta.properties already
# exists, which saves a JVM start on every restart.
format_storage() {
  local cid=""
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cid="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  elif [[ -f "${DATA_DIR}/meta.properties" ]]; then
    # The id file was lost but the storage survived: recover the id from it
    # rather than generating a new one that would not match the data.
    cid="$(sed -n 's/^cluster\.id=//p' "${DATA_DIR}/meta.properties" | tr -d '[:space:]')"
  fi
  if [[ -z "$cid" ]]; then
    cid="$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 | tr -d '[:space:]')" \
      || die "kafka.tools.StorageTool random-uuid failed"
    [[ -n "$cid" ]] || die "kafka.tools.StorageTool random-uuid printed no id"
  fi
  printf '%s\n' "$cid" >"$CLUSTER_ID_FILE"

  if [[ -f "${DATA_DIR}/meta.properties" ]]; then
    return 0
  fi
  log "formatting storage in ${DATA_DIR} (cluster id ${cid})"
  mkdir -p "$DATA_DIR"
  # Fresh storage gets the services' SCRAM credentials in its first metadata
  # records, which saves starting ConfigCommand after the broker is up.
  local out user scram_args=()
  for user in "${SERVICE_USERS[@]}"; do
    scram_args+=(--add-scram "${SCRAM_MECHANISM}=[name=${user},password=$(credential_password "$user")]")
  done
  if ! out="$(kafka_java kafka.tools.StorageTool format -t "$cid" -c "$PROPS_FILE" --ignore-formatted "${scram_args[@]}" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "formatting the Kafka storage failed"
  fi
  scram_stamp_value >"$SCRAM_STAMP"
}

scram_stamp_value() {
  printf '%s %s\n' "$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")" "$(sha256sum "$CREDENTIALS_FILE" | cut -d' ' -f1)"
}

# Storage formatted before SASL (or before credentials.json changed) lacks the
# SCRAM credentials: write them through the running broker as admin.  The
# stamp makes this a no-op on later starts.
ensure_scram_credentials() {
  [[ -s "$CREDENTIALS_FILE" ]] \
    || die "${CREDENTIALS_FILE} is missing while the broker runs; run '$0 stop' and start again to generate new credentials"
  if [[ -f "$SCRAM_STAMP" && "$(cat "$SCRAM_STAMP")" == "$(scram_stamp_value)" ]]; then
    return 0
  fi
  local admin_pw user out
  admin_pw="$(credential_password admin)"
  (
    umask 077
    cat >"$ADMIN_CLIENT_PROPS" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${admin_pw}";
EOF
  )
  log "writing the services' SCRAM credentials into the existing storage"
  for user in "${SERVICE_USERS[@]}"; do
    if ! out="$(kafka_java kafka.admin.ConfigCommand --bootstrap-server "${HOST}:${PORT}" \
      --command-config "$ADMIN_CLIENT_PROPS" --alter --entity-type users --entity-name "$user" \
      --add-config "${SCRAM_MECHANISM}=[password=$(credential_password "$user")]" 2>&1)"; then
      printf '%s\n' "$out" >&2
      die "writing the SCRAM credential of ${user} failed"
    fi
  done
  scram_stamp_value >"$SCRAM_STAMP"
}

# True if the running broker of this checkout was started with the current
# security settings.
runs_with_security() {
  grep -qxF "$SECURITY_MARKER" "$PROPS_FILE" 2>/dev/null
}

# Take an exclusive lock shared by start and stop, held until the script
# exits, so that a start and a stop running at the same time cannot both
# write the pid file.  fd 9 is not passed on to the broker (see cmd_start).
take_lock() {
  # flock is part of util-linux and so on every Linux; without it, run
  # unlocked rather than refuse to work.
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$STATE_DIR"
  exec 9>"${STATE_DIR}/.lock"
  flock 9
}

cmd_fetch() {
  require_tools
  fetch
  log "jars ready in ${LIBS_DIR}"
}

cmd_start() {
  local pid t0 started=0 deadline_polls i

  # Anything answering on the port is taken to be a broker that is already
  # running (ours from an earlier start, or one the developer runs); starting
  # a second one could only fail on the busy port.
  if port_open "$PORT"; then
    pid="$(read_pid)"
    if is_our_broker "$pid" && runs_with_security; then
      ensure_scram_credentials
      log "already running (pid ${pid}) on ${HOST}:${PORT}; reusing it"
      return 0
    elif ! is_our_broker "$pid"; then
      log "something already answers on ${HOST}:${PORT}; reusing it as the broker (not started here, so without this checkout's identities)"
      return 0
    fi
  fi

  require_tools
  mkdir -p "$STATE_DIR"

  # Serialise concurrent starts (e.g. two test scripts at once), so only one
  # of them launches a broker; the other then finds it running.
  take_lock
  # Another start may have brought the broker up while this one waited for
  # the lock; one of this checkout without SASL and ACLs is replaced.
  if port_open "$PORT"; then
    pid="$(read_pid)"
    if is_our_broker "$pid" && ! runs_with_security; then
      log "the running broker (pid ${pid}) has no SASL or ACLs (started by an older kafka.sh); restarting it"
      stop_locked
    else
      log "already running on ${HOST}:${PORT} (started meanwhile); reusing it"
      if is_our_broker "$pid"; then ensure_scram_credentials; fi
      return 0
    fi
  fi

  pid="$(read_pid)"
  if is_our_broker "$pid"; then
    # A broker from an earlier start is alive but not answering on the port
    # asked for.  If it was configured for another port, waiting is pointless
    # (and a second broker cannot share the data directory), so refuse.
    # Otherwise it is still starting (or was started by a concurrent call),
    # so wait for it instead of launching a second one.
    if ! grep -q "^listeners=[A-Z_]*://${HOST}:${PORT}," "$PROPS_FILE" 2>/dev/null; then
      die "a broker from this checkout (pid ${pid}) is already running with other ports ($(sed -n 's/^listeners=//p' "$PROPS_FILE" 2>/dev/null)); run '$0 stop' first"
    fi
    log "broker pid ${pid} is alive but not answering yet; waiting for it"
  else
    rm -f "$PID_FILE"
    if port_open "$CONTROLLER_PORT"; then
      die "the controller port ${HOST}:${CONTROLLER_PORT} is already in use; set KAFKA_CONTROLLER_PORT to a free port"
    fi
    fetch
    ensure_credentials
    write_config
    format_storage

    # Keep the previous run's log for diagnosis, and start a fresh one so the
    # wait below only sees this run's "started" line.
    if [[ -f "$LOG_FILE" ]]; then
      mv -f "$LOG_FILE" "${LOG_FILE}.1"
    fi

    t0="$(now)"
    # setsid puts the broker in its own session and nohup makes it ignore
    # SIGHUP, so it outlives the calling script and its terminal.  The inner
    # bash writes its own pid and then execs java, so the recorded pid is
    # exactly the JVM's.  The fd 9 lock is not passed on (9>&-), otherwise
    # the broker would hold it for its whole life.
    # shellcheck disable=SC2016,SC2086
    nohup setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ "$PID_FILE" \
      java ${HEAP_OPTS} \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
      -Djava.awt.headless=true \
      -Dlog4j.configuration="file:${LOG4J_CONFIG}" \
      -cp "${LIBS_DIR}/*" \
      kafka.Kafka "$PROPS_FILE" \
      >"$LOG_FILE" 2>&1 </dev/null 9>&- &

    # Wait (briefly) for the child to record its pid.
    for ((i = 0; i < 50; i++)); do
      pid="$(read_pid)"
      [[ -n "$pid" ]] && break
      sleep 0.1
    done
    [[ -n "$pid" ]] || die "the broker process did not start (no pid written); see ${LOG_FILE}"
    log "started broker pid ${pid}; waiting up to ${START_TIMEOUT_S}s for it to serve on ${HOST}:${PORT}"
  fi
  [[ -n "${t0:-}" ]] || t0="$(now)"

  # Poll every 0.5 s for the broker's "started" line, failing early if the
  # process dies, and give up after START_TIMEOUT_S.
  deadline_polls=$((START_TIMEOUT_S * 2))
  for ((i = 0; i < deadline_polls; i++)); do
    if grep -q "$STARTED_MARKER" "$LOG_FILE" 2>/dev/null && port_open "$PORT"; then
      started=1
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "the broker exited during startup; last lines of ${LOG_FILE}:" >&2
      tail -n 40 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      exit 1
    fi
    sleep 0.5
  done
  if ((started == 0)); then
    log "the broker did not report \"${STARTED_MARKER}\" within ${START_TIMEOUT_S}s; last lines of ${LOG_FILE}:" >&2
    tail -n 40 "$LOG_FILE" >&2 || true
    log "it is still running as pid ${pid}; run '$0 stop' to stop it" >&2
    exit 1
  fi
  ensure_scram_credentials
  log "broker ready on ${HOST}:${PORT} (pid ${pid}) after $(elapsed_since "$t0")s"
}

cmd_stop() {
  take_lock
  stop_locked
}

# Stop this checkout's broker; the caller holds the lock.
stop_locked() {
  local pid i
  pid="$(read_pid)"
  if [[ -z "$pid" ]]; then
    if port_open "$PORT"; then
      log "no pid file, but something answers on ${HOST}:${PORT}; it was not started by this script, so it is left alone"
    else
      log "not running"
    fi
    return 0
  fi
  if ! is_our_broker "$pid"; then
    log "pid ${pid} from ${PID_FILE} is not running the broker any more; removing the stale pid file"
    rm -f "$PID_FILE"
    return 0
  fi

  log "stopping broker pid ${pid}"
  kill -TERM "$pid" 2>/dev/null || true
  # A clean KRaft shutdown takes a few seconds; poll every 0.5 s.
  for ((i = 0; i < STOP_TIMEOUT_S * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker did not stop within ${STOP_TIMEOUT_S}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    # SIGKILL cannot be ignored, so this wait is short; it is still bounded.
    for ((i = 0; i < 20; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  pid="$(read_pid)"
  if port_open "$PORT"; then
    if is_our_broker "$pid"; then
      log "running (pid ${pid}) on ${HOST}:${PORT}"
    else
      log "something answers on ${HOST}:${PORT} (not started by this script)"
    fi
    return 0
  fi
  if is_our_broker "$pid"; then
    if ! grep -q "^listeners=[A-Z_]*://${HOST}:${PORT}," "$PROPS_FILE" 2>/dev/null; then
      log "not running on ${HOST}:${PORT}; the broker from this checkout (pid ${pid}) uses $(sed -n 's/^listeners=//p' "$PROPS_FILE" 2>/dev/null)"
    else
      log "pid ${pid} is alive but not answering on ${HOST}:${PORT} (still starting, or stuck; see ${LOG_FILE})"
    fi
    return 1
  fi
  log "not running"
  return 1
}

cmd_credentials_file() {
  if port_open "$PORT" && is_our_broker "$(read_pid)" && runs_with_security && [[ -s "$CREDENTIALS_FILE" ]]; then
    printf '%s\n' "$CREDENTIALS_FILE"
  fi
}

usage() {
  printf 'usage: %s start|stop|status|fetch|credentials-file\n' "$0" >&2
}

main() {
  if [[ $# -ne 1 ]]; then
    usage
    exit 2
  fi
  case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    fetch) cmd_fetch ;;
    credentials-file) cmd_credentials_file ;;
    -h | --help | help) usage ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
