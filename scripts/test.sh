#!/usr/bin/env bash
# Aula's test command (`npm test`): installs what the suite needs when run as root, starts PostgreSQL and Redis on
# private ports unless AULA_TEST_POSTGRES_URL / AULA_TEST_REDIS_URL are given, runs the type check and vitest
# (arguments go to vitest), then stops what it started — including any process a failed test left running.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/debian-packages.sh

ensure_packages ffmpeg:ffmpeg ffprobe:ffmpeg chromium:chromium nginx:nginx-light redis-server:redis-server espeak-ng:espeak-ng initdb:postgresql \
  || echo "aula: tests that need the missing packages will fail or be skipped" >&2
# The browser bundle is built again when a source it is made of changed since it was built: the tests drive it.
[ -f web/dist/index.html ] && [ -z "$(find web/src web/index.html web/vite.config.ts src/contracts src/domain -newer web/dist/index.html -print -quit)" ] \
  || npm run build:web >/dev/null

# Every process this run starts carries the marker, so the sweep at the end ends exactly those.
export AULA_TEST_RUN="$$-$(date +%s%N)"
SVC=$(mktemp -d)
chmod 755 "$SVC"
PG_STARTED=""
REDIS_PORT=""
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$1"; else sh -c "$1"; fi; }

cleanup() {
  local status=$?
  if [ -n "$PG_STARTED" ]; then as_postgres "$PGBIN/pg_ctl -D $SVC/pg -m immediate -w stop" >/dev/null 2>&1 || true; fi
  if [ -n "$REDIS_PORT" ]; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$SVC/redis/redis.pid" 2>/dev/null)" 2>/dev/null || true; fi
  local proc pid left=0
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$pid" = "$$" ] && continue
    if { tr '\0' '\n' <"$proc/environ"; } 2>/dev/null | grep -qx "AULA_TEST_RUN=$AULA_TEST_RUN"; then
      kill -9 "$pid" 2>/dev/null && left=$((left + 1))
    fi
  done
  [ "$left" -gt 0 ] && echo "aula: stopped $left process(es) the tests left running" >&2
  rm -rf "$SVC"
  exit $status
}
trap cleanup EXIT INT TERM

if [ -z "${AULA_TEST_POSTGRES_URL:-}" ] && has_command initdb; then
  PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | head -n1)")
  PG_PORT=$(free_port)
  mkdir -p "$SVC/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$SVC/pg"
  chmod 700 "$SVC/pg"
  as_postgres "$PGBIN/initdb -D $SVC/pg -U postgres --auth=trust -E UTF8 --no-locale" >/dev/null
  as_postgres "$PGBIN/pg_ctl -D $SVC/pg -l $SVC/pg/server.log -o '-p $PG_PORT -k $SVC/pg -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >/dev/null
  PG_STARTED=1
  export AULA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi
if [ -z "${AULA_TEST_REDIS_URL:-}" ] && has_command redis-server; then
  REDIS_PORT=$(free_port)
  mkdir -p "$SVC/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$SVC/redis" --save "" --appendonly no --pidfile "$SVC/redis/redis.pid" >/dev/null
  export AULA_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
fi

if [ $# -gt 0 ]; then
  npx tsc --noEmit
  npx vitest run "$@"
  exit
fi

# Classes that run in real time (a browser or a media client publishing, FFmpeg encoding live) are timed by their
# media: two of them at once starve each other on two cores. They run one after another, and the media quality classes,
# which compare a recording with what students saw frame by frame, last. Their limits are on live media (a send
# estimate, a frozen stretch, seconds after "end class"), which a moment of contention on two cores can break: a failed
# one runs once more, and the report marks it "(retry x1)".
REALTIME=(test/live-class.test.ts test/live-audience.test.ts test/live-ladder.test.ts test/live-chat-outbox.test.ts
  test/live-controls.test.ts test/live-pause.test.ts test/live-class-recovery.test.ts test/rooms-across-processes.test.ts)
QUALITY=(test/live-quality.test.ts)
EXCLUDES=()
for f in "${REALTIME[@]}" "${QUALITY[@]}"; do EXCLUDES+=(--exclude "$f"); done
# Each part also writes a JSON report; the run ends by listing every failed test of all parts, with why.
report() { echo --reporter=default --reporter=json "--outputFile.json=$SVC/report-$1.json"; }
{
  realtime_status=0
  npx vitest run --maxWorkers=1 --retry=1 $(report realtime) "${REALTIME[@]}" || realtime_status=$?
  npx vitest run --maxWorkers=1 --retry=1 $(report quality) "${QUALITY[@]}" || realtime_status=$?
  exit "$realtime_status"
} &
REALTIME_PID=$!
status=0
# Everything else is timed by nothing but the whole run: it runs beside them at the lowest priority, so
# on a busy machine it waits, not the media (nor the live ladder, which a live class runs at a priority of its own below
# its encoder's, as a server would); its time limits only catch a hang. It runs in a session of its own whose scheduling
# group (Linux autogroup) is at the lowest priority too: otherwise the group it shares with the real-time classes weighs
# as much as the live encoder's, whatever its processes' nice values.
# The type check runs first in that session: nothing waits for it, and a type error still fails the run. Two files
# run at once there: much of that part waits on timers (retry delays, polling, restarts), and the second fills those
# waits; being in the same low group, the two together take no more from the real-time classes than one would.
setsid -w sh -c 'echo 19 >/proc/self/autogroup 2>/dev/null; nice -n 19 npx tsc --noEmit || tsc_status=$?; nice -n 19 "$@" || exit $?; exit ${tsc_status:-0}' rest \
  npx vitest run --maxWorkers=2 --testTimeout=240000 --hookTimeout=240000 $(report rest) "${EXCLUDES[@]}" || status=$?
wait "$REALTIME_PID" || status=$?
npx tsx scripts/failed-tests.ts "$SVC/report-realtime.json" "$SVC/report-quality.json" "$SVC/report-rest.json" || true
exit "$status"
