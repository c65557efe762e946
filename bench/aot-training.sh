#!/usr/bin/env bash
# What an AOT cache's training run covers, measured on the starts it serves: two caches of this
# build, each then starting `run --quiet` of /bin/true in two ways, alternated run by run. Prints
# wall and CPU medians.
#   default (the CLI tests' kit, CliKit): a cache trained on a trace of every syscall alone
#     (-o /dev/null: how CliKit trained until session 57) against one trained on that trace beside
#     the README's deny policy (as the kit trains now); starts with the policy and with the trace.
#   BENCH_TRAINING=launcher: the launcher's own training (scripts/aot-train.sh) as it was at
#     BENCH_OLD_TRAINING (a commit, default 416a7411: the default session and a remote sink)
#     against the checkout's (a policy session beside them since session 58); starts with the
#     built-in default session and with the deny policy.
# Usage: [BENCH_TRAINING=launcher] bench/aot-training.sh [ROUNDS]   (default 15)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-15}"
"$here/seccheck" --version >/dev/null # built
. "$here/bench/prepare.sh"
bench_launcher_jvm "$here"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
bench_deny_policy "$out/deny.json"

if [ "${BENCH_TRAINING:-}" = launcher ]; then
  old_training="${BENCH_OLD_TRAINING:-416a7411}"
  git -C "$here" show "$old_training:scripts/aot-train.sh" >"$out/old-train.sh"
  for which in old new; do
    mkdir -p "$out/$which"
    # shellcheck disable=SC1090
    if [ "$which" = old ]; then . "$out/old-train.sh"; else . "$here/scripts/aot-train.sh"; fi
    seccheck_aot_train "$out/$which.aot" "$out/$which" "$cp"
  done
  caches="old new"
  runs='{"default session": [], "with the policy": ["--config", "'"$out"'/deny.json"]}'
else
  train() { # CACHE [OPTIONS...]
    "$JAVA_HOME/bin/java" "${jvm[@]}" "-XX:AOTCacheOutput=$1" -Xlog:aot=off:stderr -Xlog:cds=off:stderr -cp "$cp" \
      dev.seccheck.cli.Main run --quiet -o /dev/null "${@:2}" --root "$out/root" -- /bin/sh -c '/bin/true; /bin/true' \
      </dev/null >/dev/null 2>&1
  }
  train "$out/trace.aot"
  train "$out/trace+policy.aot" --config "$out/deny.json"
  caches="trace trace+policy"
  runs='{"with the policy": ["--config", "'"$out"'/deny.json"], "trace alone": ["-o", "/dev/null"]}'
fi

/usr/bin/python3 - "$rounds" "$out" "$caches" "$runs" "$JAVA_HOME/bin/java" "$cp" "${jvm[@]}" <<'PY'
import json, resource, statistics, subprocess, sys, time
rounds, out, caches, runs, java, cp, jvm = (int(sys.argv[1]), sys.argv[2], sys.argv[3].split(), json.loads(sys.argv[4]),
                                            sys.argv[5], sys.argv[6], sys.argv[7:])
samples = {(r, c): ([], []) for r in runs for c in caches}
for _ in range(rounds):
    for r, options in runs.items():
        for c in caches:
            cmd = [java] + jvm + ["-XX:AOTCache=%s/%s.aot" % (out, c), "-Xlog:aot=off:stderr", "-Xlog:cds=off:stderr",
                   "-cp", cp, "dev.seccheck.cli.Main", "run", "--quiet", "--root", out + "/root"] + options + ["--", "/bin/true"]
            r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            t1, r1 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
            samples[(r, c)][0].append((t1 - t0) * 1000)
            samples[(r, c)][1].append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
print("| run | cache trained on | wall median | CPU median |")
print("|:--|:--|--:|--:|")
for (r, c), (wall, cpu) in samples.items():
    print("| %s | %s | %.0f ms | %.0f ms |" % (r, c, statistics.median(wall), statistics.median(cpu)))
PY
