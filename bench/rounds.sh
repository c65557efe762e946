# Sourced by the whole-command benchmarks: runs every configuration on every workload, the
# configurations alternating within each round so that a load change on a shared machine falls on
# all of them alike, and prints one markdown row per workload: the median wall time of each, and
# its ratio to the first configuration's. A command's exit status is not checked: find over /usr
# as an unprivileged user ends with 1 natively too.
#
# bench_rounds RUNS WORKLOAD...   with, in the caller: the array configs (the first is the base),
#   the associative array workloads (name to shell command), and a function run CONFIG COMMAND.
bench_rounds() {
  local runs="$1" w c i t0 t1 med base
  shift
  printf '| workload |'; for c in "${configs[@]}"; do printf ' %s |' "$c"; done; printf '\n|:--|'
  for c in "${configs[@]}"; do printf -- '--:|'; done; printf '\n'
  for w in "$@"; do
    declare -A times=()
    for ((i = 0; i < runs; i++)); do
      for c in "${configs[@]}"; do
        t0=$(date +%s%N); run "$c" "${workloads[$w]}" >/dev/null 2>&1 || true; t1=$(date +%s%N)
        times[$c]+="$(((t1 - t0) / 1000000)) "
      done
    done
    printf '| %s |' "$w"
    base=""
    for c in "${configs[@]}"; do
      med=$(printf '%s\n' ${times[$c]} | sort -n | sed -n "$(((runs + 1) / 2))p")
      if [ -z "$base" ]; then base=$med; printf ' %s ms |' "$med"; else
        printf ' %s ms (%sx) |' "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN{printf "%.2f", a/b}')"; fi
    done
    printf '\n'
    unset times
  done
}
