# shellcheck shell=bash
# herd buildpack: start herd's DogStatsD daemon beside the app, at dyno start.
#
# bash sources this file (/app/.profile.d/herd.sh) before the dyno's command, after the config
# vars are set. It returns as soon as herd listens (herd writes a newline on a pipe then; at
# most HERD_START_WAIT seconds, 10 by default), so that the app's first metrics find the port
# bound; herd prints one line when it listens, none while idle. It starts nothing in one-off
# dynos (run.*, scheduler.*, release.*) unless HERD_ONE_OFF=1, nor when HERD_DISABLE is set.
# herd/prerun.sh in the app, if present, is sourced first (it may set variables, or
# HERD_DISABLE). herd keeps its store in $HOME/.herd/data, tags every point dyno:$DYNO (herd
# does that itself on Heroku), dynotype: and appname: (from HEROKU_APP_NAME), and on the
# dyno's SIGTERM flushes every open bucket within HERD_SHUTDOWN_TIMEOUT (10 s; Heroku waits 30).
__herd_start() {
  local home=${HOME:-/app}
  local herd="$home/.herd/bin/herd"
  [ -x "$herd" ] || return 0
  if [ -f "$home/herd/prerun.sh" ]; then
    # shellcheck source=/dev/null
    . "$home/herd/prerun.sh"
  fi
  [ -z "${HERD_DISABLE:-}" ] || return 0
  case ${DYNO:-} in
    run.* | scheduler.* | release.*) [ "${HERD_ONE_OFF:-}" = 1 ] || return 0 ;;
  esac
  # The dyno's tags after the user's (HERD_TAGS, else the Agent's space-separated
  # DD_DOGSTATSD_TAGS); herd adds dyno:$DYNO itself.
  local tags=${HERD_TAGS:-${DD_DOGSTATSD_TAGS:-}}
  tags=${tags// /,}
  tags="${tags:+$tags,}dynotype:${DYNO%%.*}"
  [ -z "${HEROKU_APP_NAME:-}" ] || tags="$tags,appname:$HEROKU_APP_NAME"
  # A pipe herd writes a newline on once it listens (s6's readiness notification): a FIFO
  # opened read-write, so that opening it does not block, and unlinked at once. Where no
  # directory is writable, herd starts unwaited for.
  local dir fifo ready=''
  for dir in "$home/.herd" "${TMPDIR:-/tmp}"; do
    fifo="$dir/herd-ready.$$"
    if mkfifo -m 600 "$fifo" 2>/dev/null; then
      exec {ready}<>"$fifo"
      rm -f "$fifo"
      break
    fi
  done
  # Only herd's environment gets these; the app's stays as the config vars set it.
  HERD_DATA_DIR=${HERD_DATA_DIR:-$home/.herd/data} HERD_TAGS=$tags HERD_READY_FD=${ready:-0} \
    "$herd" statsd </dev/null &
  local pid=$! _line tenths=0 wait=${HERD_START_WAIT:-10}
  case $wait in '' | *[!0-9]*) wait=10 ;; esac
  disown 2>/dev/null || true
  [ -n "$ready" ] || return 0
  # Wait for the line; stop early if herd exits (it said why on stderr).
  until read -r -t 0.1 -u "$ready" _line; do
    kill -0 "$pid" 2>/dev/null || break
    tenths=$((tenths + 1))
    [ $tenths -lt $((wait * 10)) ] || {
      echo "herd: not listening after $wait s; starting the app anyway" >&2
      break
    }
  done
  exec {ready}<&-
}
__herd_start
unset -f __herd_start
