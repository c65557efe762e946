#!/usr/bin/env bash
# How often a datagram goes twice, or never, when the kernel drops seccheck's answer to a send a
# signal interrupted: SignalledSendsTest's program (20,000 UDP sends under a 200 us timer without
# SA_RESTART) under its policy, with LOOPS busy loops beside it (the drops need a loaded machine),
# RUNS times. With BENCH_OLD=<a snapshot of another build> (bench/snapshot.sh) that build runs
# too, alternated run by run. Prints, for each build, how many runs had a datagram missing or one
# sent twice.
#
# Usage: bench/sends-twice.sh [RUNS] [LOOPS]   (default 40 and 3)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-40}"
loops="${2:-3}"
out="$here/bench/out"
mkdir -p "$out"
cc -O2 -o "$out/signalled-sends" "$here/seccheck-cli/src/test/c/signalled_sends.c"
cat >"$out/sends.json" <<'EOF'
{"name": "sends", "points": [{"name": "syscall/connect/enter"}],
 "sinks": [{"name": "policy", "config": {"rules": [
   {"name": "no deny sockets", "effect": "connect_network", "match": {"unix_path": {"glob": "*/deny*"}},
    "action": "deny", "errno": "EACCES"}]}}]}
EOF
builds=("$here")
[ -n "${BENCH_OLD:-}" ] && builds=("$BENCH_OLD" "$here")
for b in "${builds[@]}"; do "$b/seccheck" --version >/dev/null; done
busy=()
trap 'kill "${busy[@]}" 2>/dev/null || true' EXIT
for _ in $(seq "$loops"); do
  timeout 7200 bash -c 'while :; do :; done' &
  busy+=($!)
done
declare -A missing twice
for b in "${builds[@]}"; do missing[$b]=0 twice[$b]=0; done
cd "$out"
for _ in $(seq "$runs"); do
  for b in "${builds[@]}"; do
    line=$("$b/seccheck" run --quiet --config sends.json -- ./signalled-sends dgram 2>/dev/null)
    [[ "$line" =~ missing:\ ([0-9]+),\ sent\ more\ than\ once:\ ([0-9]+) ]] ||
      { echo "sends-twice.sh: unexpected output from $b: $line" >&2; exit 1; }
    [ "${BASH_REMATCH[1]}" = 0 ] || missing[$b]=$((missing[$b] + 1))
    [ "${BASH_REMATCH[2]}" = 0 ] || twice[$b]=$((twice[$b] + 1))
  done
done
for b in "${builds[@]}"; do
  echo "$b: of $runs runs, ${missing[$b]} had a datagram missing, ${twice[$b]} one sent twice"
done
