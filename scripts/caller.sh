# Sourced by ./seccheck before it changes anything: records, for the program `seccheck run`
# starts, the world seccheck was started in (dev.seccheck.linux.CallerWorld reads it). Once java
# runs, its own descriptors and signal handlers cannot be told from the caller's.
#   SECCHECK_CALLER_ENVIRON  the environment exactly as this shell received it (base64 of
#                            /proc/$$/environ; left out if it is too large for one variable)
#   SECCHECK_CALLER_FDS      the descriptors java will inherit (open without close-on-exec) that
#                            are the caller's: not the launcher's own script, which bash leaves open
#                            on descriptor 2 when the caller closed it (besides its close-on-exec copy)
#   SECCHECK_CALLER_SIGIGN   ignored signals, SECCHECK_CALLER_SIGBLK blocked ones (hex masks)
#   SECCHECK_CALLER_NOFILE   the soft RLIMIT_NOFILE (java raises its own to the hard limit)
#   SECCHECK_CALLER_COREDUMP_FILTER  /proc/self/coredump_filter (java sets bits of its own)
seccheck_record_caller() {
  local f k v v2 p fds="" env script="${BASH_SOURCE[-1]:-}" a b c
  local -A pos=() cloexec=()
  for f in /proc/$$/fd/*; do
    f=${f##*/}
    v="" p=""
    # The glob's own directory descriptor is closed by now: it has no fdinfo. (Not a `2>/dev/null`
    # around the read: that would read descriptor 2's fdinfo from /dev/null's.)
    [ -r /proc/$$/fdinfo/"$f" ] || continue
    while read -r k v2; do case "$k" in flags:) v=$v2 ;; pos:) p=$v2 ;; esac; done </proc/$$/fdinfo/"$f"
    [ -n "$v" ] || continue
    pos[$f]=$p
    if (( (8#$v & 8#2000000) == 0 )); then fds+="$f "; else cloexec[$f]=1; fi
  done
  # bash reads this script on a close-on-exec descriptor; a descriptor that shares its open file
  # (the same file, always at the same offset) is the one it opened it on, not the caller's.
  if [ -n "$script" ] && [ -f "$script" ]; then
    local kept="" g own
    for f in $fds; do
      own=""
      if [[ /proc/$$/fd/$f -ef $script ]]; then
        for g in "${!cloexec[@]}"; do
          if [[ /proc/$$/fd/$g -ef $script ]] && [ "${pos[$g]}" = "${pos[$f]}" ]; then own=1; fi
        done
      fi
      [ -n "$own" ] || kept+="$f "
    done
    fds=$kept
  fi
  while read -r a b c k v2; do
    if [ "$a $b $c" = "Max open files" ]; then export SECCHECK_CALLER_NOFILE="$k"; fi
  done </proc/$$/limits
  { read -r v </proc/$$/coredump_filter && export SECCHECK_CALLER_COREDUMP_FILTER="$v"; } 2>/dev/null || true
  while read -r k v; do
    case "$k" in
      # bash ignores QUIT itself while it runs a script; `trap -p` tells whether the caller did.
      SigIgn:)
        v=$(( 16#$v & ~4 ))
        case "$(trap -p QUIT)" in *"''"*) v=$(( v | 4 )) ;; esac
        export SECCHECK_CALLER_SIGIGN="$(printf '%016x' "$v")" ;;
      SigBlk:) export SECCHECK_CALLER_SIGBLK="$v" ;;
    esac
  done </proc/$$/status
  export SECCHECK_CALLER_FDS="${fds% }"
  env=$(base64 -w0 </proc/$$/environ)
  # One variable may hold at most 128 KiB; a larger environment is passed as java receives it.
  if [ "${#env}" -lt 120000 ]; then
    export SECCHECK_CALLER_ENVIRON="$env"
  fi
  return 0
}
