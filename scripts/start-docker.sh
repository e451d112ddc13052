#!/usr/bin/env bash
# Makes sure a docker engine answers, for the sam-local suite: when none does, starts dockerd in the background
# (as root; Debian's docker.io) and waits for its socket. Exits non-zero, saying why, when none can be started:
# the suite then skips with that reason.
set -euo pipefail
LOG=${DOCKERD_LOG:-/tmp/aidr-dockerd.log}
WAIT=${DOCKERD_WAIT:-60}

docker info >/dev/null 2>&1 && exit 0
command -v docker >/dev/null 2>&1 || { echo "start-docker: no docker client (apt-get install docker.io)" >&2; exit 1; }
command -v dockerd >/dev/null 2>&1 || { echo "start-docker: no dockerd (apt-get install docker.io)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "start-docker: no engine answers and only root can start dockerd" >&2; exit 1; }

echo "start-docker: starting dockerd (log: $LOG)" >&2
# setsid: the engine outlives this script (make runs it, then the tests use it).
setsid nohup dockerd >"$LOG" 2>&1 < /dev/null &
for _ in $(seq "$WAIT"); do
  docker info >/dev/null 2>&1 && { echo "start-docker: engine $(docker info --format '{{.ServerVersion}}') is up" >&2; exit 0; }
  sleep 1
done
echo "start-docker: dockerd did not answer within ${WAIT}s; the end of $LOG:" >&2
tail -20 "$LOG" >&2
exit 1
