# Sourced by ./seccheck before it changes anything: records, for the program `seccheck run`
# starts, the world seccheck was started in (dev.seccheck.linux.CallerWorld reads it). Once java
# runs, its own descriptors and signal handlers cannot be told from the caller's.
#   SECCHECK_CALLER_ENVIRON  the environment exactly as this shell received it (base64 of
#                            /proc/$$/environ; left out if it is too large for one variable)
#   SECCHECK_CALLER_FDS      the descriptors java will inherit (open without close-on-exec)
#   SECCHECK_CALLER_SIGIGN   ignored signals, SECCHECK_CALLER_SIGBLK blocked ones (hex masks)
seccheck_record_caller() {
  local f k v v2 fds="" env
  for f in /proc/$$/fd/*; do
    f=${f##*/}
    v=""
    # The glob's own directory descriptor is closed by now: its fdinfo cannot be read.
    { while read -r k v2; do if [ "$k" = flags: ]; then v=$v2; fi; done </proc/$$/fdinfo/"$f"; } 2>/dev/null || true
    if [ -n "$v" ] && (( (8#$v & 8#2000000) == 0 )); then fds+="$f "; fi
  done
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
