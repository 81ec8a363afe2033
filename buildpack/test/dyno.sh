#!/usr/bin/env bash
# A Heroku dyno, inside the sandbox the test builds with bubblewrap (read-only /, the slug at
# /app, private /tmp, own pid and network namespaces, a non-root user, a session of its own).
# This script plays the platform: it starts the dyno's command as Heroku does (bash sources
# /app/.profile.d/*.sh, then /app/.profile, then execs the command), and stops the dyno as
# Heroku does (SIGTERM to every process of the dyno, SIGKILL to survivors 30 s later).
#
#   dyno.sh web N     run `web` from the Procfile; once it binds $PORT, send it N requests,
#                     then stop the dyno. Writes bound_ms, answered, stopped_ms, killed to
#                     /results/web.txt.
#   dyno.sh probe S   source the profile scripts only; time until herd listens (UDP 8125 and
#                     HTTP 8127), then stay idle S seconds between two marker lines.
#   dyno.sh one-off   as a `heroku run` dyno: source the profile scripts, then list listeners.
set -uo pipefail
mode=${1:?mode}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# shellcheck disable=SC2016 # expanded by the dyno's bash, not here
source_profile='for f in /app/.profile.d/*.sh; do [ -r "$f" ] && . "$f"; done; if [ -r /app/.profile ]; then . /app/.profile; fi'

# Processes of the dyno other than this one (and bubblewrap's init, pid 1), zombies aside.
others() {
  local n=0 p state
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = 1 ] || [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
    state=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
    [ -n "$state" ] && [ "$state" != Z ] && n=$((n + 1))
  done
  echo "$n"
}

# Listening sockets: UDP sockets and TCP sockets in state LISTEN (0A).
listeners() {
  local udp tcp
  udp=$(tail -n +2 /proc/net/udp /proc/net/udp6 2>/dev/null | grep -c ':')
  tcp=$(tail -n +2 /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A"' | wc -l)
  echo $((udp + tcp))
}

# The stop: SIGTERM to the dyno's process group (this script ignores it, as the platform
# would), then up to 30 s for every process to exit, then SIGKILL.
stop_dyno() {
  trap '' TERM
  local t0 waited=0
  t0=$(now_ms)
  kill -TERM 0
  while [ "$(others)" -gt 0 ] && [ $waited -lt 300 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  local left
  left=$(others)
  [ "$left" -eq 0 ] || kill -KILL 0
  echo "stopped_ms=$(($(now_ms) - t0))"
  echo "killed=$left"
}

case $mode in
  web)
    n=${2:?requests}
    cmd=$(sed -n 's/^web:[[:space:]]*//p' /app/Procfile)
    t0=$(now_ms)
    bash -c "$source_profile; exec $cmd" &
    main=$!
    until (: <"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
      kill -0 $main 2>/dev/null || { echo "web exited before binding \$PORT" >&2; exit 1; }
      [ $(($(now_ms) - t0)) -lt 60000 ] || { echo "R10: \$PORT not bound within 60 s" >&2; exit 1; }
      sleep 0.01
    done
    {
      echo "bound_ms=$(($(now_ms) - t0))"
      answered=0
      for i in $(seq "$n"); do
        exec 3<>"/dev/tcp/127.0.0.1/$PORT"
        printf 'GET /products/%d?user=%d HTTP/1.1\r\nHost: dyno\r\nConnection: close\r\n\r\n' $((i % 30 + 1)) "$i" >&3
        read -r _ status _ <&3 && [ -n "$status" ] && answered=$((answered + 1))
        cat <&3 >/dev/null
        exec 3<&-
      done
      echo "answered=$answered"
      stop_dyno
    } >/results/web.txt
    wait $main
    echo "web_exit=$?" >>/results/web.txt
    ;;
  probe)
    idle=${2:-5}
    exec 2>&1 # herd's lines and the markers in one stream, in order
    t0=$(now_ms)
    eval "$source_profile"
    t1=$(now_ms)
    # Once the profile scripts return, herd listens: the app's first metric finds the port.
    bound=0
    grep -q ':1FBD ' /proc/net/udp 2>/dev/null && (: </dev/tcp/127.0.0.1/8127) 2>/dev/null && bound=1
    # and the shell the app is exec'd from no longer holds the readiness pipe.
    fds=$(find /proc/$$/fd -mindepth 1 -maxdepth 1 -lname '*herd-ready*' | wc -l)
    until grep -q ':1FBD ' /proc/net/udp 2>/dev/null && (: </dev/tcp/127.0.0.1/8127) 2>/dev/null; do
      [ $(($(now_ms) - t1)) -lt 10000 ] || { echo "herd did not listen within 10 s" >&2; exit 1; }
    done
    t2=$(now_ms)
    sleep 0.2 # herd's start-up line is written just after the listener opens
    echo "--- idle from"
    sleep "$idle"
    echo "--- idle to"
    echo "profile_ms=$((t1 - t0)) listening_ms=$((t2 - t1)) bound_at_return=$bound extra_fds=$fds"
    stop_dyno >/dev/null
    ;;
  one-off)
    eval "$source_profile"
    sleep 1
    herds=0
    for c in /proc/[0-9]*/comm; do [ "$(cat "$c" 2>/dev/null)" = herd ] && herds=$((herds + 1)); done
    echo "herd_processes=$herds listeners=$(listeners)"
    ;;
  *)
    echo "dyno.sh: unknown mode $mode" >&2
    exit 2
    ;;
esac
