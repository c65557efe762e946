# Sourced by the launcher: trains JDK 25's ahead-of-time cache, which serves a run the classes
# (loaded, verified, linked) the training run used; not its method profiles (see below).
# seccheck_aot_train_once STATE CLASSPATH  with the JVM flags in the array jvm (scripts/jvm.sh),
# and aot_stale (the launcher's) saying whether STATE/app.aot must be trained again.
# The training supervises a shell that runs /bin/true twice (a clone, two execs, their exits: the
# path of every short process of a script or a build, BENCHMARKS.md "Start-up, session 8") under
# three sessions at once:
# - the built-in default session (text sink);
# - a session to a remote sink, served for the occasion by a `seccheck server` on a socket in
#   STATE, so a run with a remote sink finds its classes (the sink, the wire, protobuf's messages)
#   in the cache too; without a server the training goes on without it;
# - a policy (the README's example: opens of /etc/shadow* and connects beyond loopback denied), so
#   a run with a policy sink finds the sink, its rule compiler and the emulation of opens there:
#   `run --config POLICY -- /bin/true` starts 25 ms sooner, the default session's start unchanged
#   (`BENCH_TRAINING=launcher bench/aot-training.sh`, BENCHMARKS.md "Session 58").
# Nothing it leaves behind but CACHE (or no cache at all).
# The default session goes in as a --config file (what --print-config prints), so the run's own
# code path for it (DefaultSession, built in code) is the one class of `run -- CMD` left outside the
# cache: JDK 25 records one training run, and `run` takes the built-in session or files, not both.
seccheck_aot_train() {
  local cache="$1" state="$2" cp="$3" sock="$2/train.sock" server="" deadline configs=() java="$JAVA_HOME/bin/java"
  rm -f "$sock"
  cat >"$state/train-policy.json" <<'JSON'
{"name":"train-policy","points":[{"name":"syscall/openat/enter"},{"name":"syscall/connect/enter"}],
 "sinks":[{"name":"policy","config":{"rules":[
   {"point":"syscall/openat/enter","match":{"pathname":{"glob":"/etc/shadow*"}},"action":"deny","errno":"EACCES"},
   {"point":"syscall/connect/enter","match":{"family":["AF_INET","AF_INET6"],"ip":["127.0.0.0/8","::1/128"]},"action":"allow"},
   {"point":"syscall/connect/enter","match":{"family":{"not":["AF_UNIX","AF_NETLINK"]}},"action":"deny","errno":"ENETUNREACH"}]}}]}
JSON
  configs=(--config "$state/train-policy.json")
  if "$java" "${jvm[@]}" -cp "$cp" dev.seccheck.cli.Main run --print-config >"$state/train-default.json" 2>/dev/null </dev/null; then
    configs+=(--config "$state/train-default.json")
    "$java" "${jvm[@]}" -cp "$cp" dev.seccheck.cli.Main server --endpoint "$sock" --out /dev/null </dev/null >/dev/null 2>&1 &
    server=$!
    # The server's JVM starts in a second or two; 30 s covers a loaded machine.
    deadline=$((SECONDS + 30))
    while [ ! -S "$sock" ] && [ "$SECONDS" -lt "$deadline" ] && kill -0 "$server" 2>/dev/null; do
      sleep 0.1
    done
    if [ -S "$sock" ]; then
      printf '{"name":"train-remote","points":[{"name":"container/start"},{"name":"sentry/clone"},%s],%s}\n' \
        '{"name":"sentry/execve"},{"name":"sentry/task_exit"},{"name":"syscall/openat/enter"},{"name":"syscall/openat/exit"}' \
        "\"sinks\":[{\"name\":\"remote\",\"config\":{\"endpoint\":\"$sock\"}}]" >"$state/train-remote.json"
      configs+=(--config "$state/train-remote.json")
    fi
  fi
  # No training data in the cache (-XX:-AOTRecordTraining, a diagnostic flag of JDK 25): with it,
  # every start replays the training's data on a thread of its own (the JVM's "Training replay"),
  # which on two CPUs takes CPU from the main thread while it starts, and the launcher's C1-only
  # JIT has no use for the method profiles it holds. Without it: start-up CPU -12 to -15%, the
  # 300-process loop unchanged (BENCHMARKS.md, "Session 43: start-up").
  "$java" "${jvm[@]}" -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining "-XX:AOTCacheOutput=$cache" \
    -Xlog:aot=off:stderr -Xlog:cds=off:stderr -cp "$cp" \
    dev.seccheck.cli.Main run --quiet "${configs[@]}" -- /bin/sh -c '/bin/true; /bin/true' </dev/null >/dev/null 2>&1 || rm -f "$cache"
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -f "$sock" "$state/train-default.json" "$state/train-remote.json" "$state/train-policy.json"
}

# Trains STATE/app.aot unless another launcher is training it now (this run then goes without
# the cache) or has just trained it. Launchers started together after a build (a CI job's
# parallel steps, a test suite's forks) would otherwise each train, on the same socket and
# files, a cache the others may map half-written: the cache is written beside it and renamed
# into place whole.
seccheck_aot_train_once() {
  local state="$1" cp="$2"
  (
    flock -n 9 || exit 0
    if aot_stale; then
      seccheck_aot_train "$state/app.aot.next" "$state" "$cp"
      if [ -f "$state/app.aot.next" ]; then
        mv -f "$state/app.aot.next" "$state/app.aot"
      fi
    fi
  ) 9>"$state/train.lock"
}
