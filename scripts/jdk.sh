# Sourced by ./seccheck and ./build: finds a JDK 25 and Maven, or says what is missing.
# Order: $JAVA_HOME if it is a JDK 25, then the newest JDK 25 under /usr/lib/jvm.

seccheck_jdk_version() { # prints the feature version of the JDK at $1, or nothing
  local release="$1/release" line v
  [ -r "$release" ] || return 0
  # Builtins only: the launcher sources this before every command, and a fork is start-up time.
  while IFS= read -r line; do
    case "$line" in
      JAVA_VERSION=\"[0-9]*) v=${line#JAVA_VERSION=\"}; echo "${v%%[!0-9]*}"; return 0 ;;
    esac
  done <"$release"
}

seccheck_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(seccheck_jdk_version "$JAVA_HOME")" = 25 ]; then
    echo "$JAVA_HOME"; return 0
  fi
  local candidate candidates=(/usr/lib/jvm/*/) i
  for ((i = ${#candidates[@]} - 1; i >= 0; i--)); do # newest first: globs expand sorted
    candidate="${candidates[i]%/}"
    if [ -x "$candidate/bin/javac" ] && [ "$(seccheck_jdk_version "$candidate")" = 25 ]; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

seccheck_require_jdk() {
  SECCHECK_JAVA_HOME=$(seccheck_find_jdk) || {
    echo "seccheck: no JDK 25 found." >&2
    if [ -n "${JAVA_HOME:-}" ]; then
      echo "  JAVA_HOME=$JAVA_HOME is not a JDK 25 (its release file says: $(seccheck_jdk_version "$JAVA_HOME"))." >&2
    else
      echo "  JAVA_HOME is not set." >&2
    fi
    echo "  Nothing under /usr/lib/jvm is a JDK 25 either. Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 1
  }
  export JAVA_HOME="$SECCHECK_JAVA_HOME"
}

seccheck_require_maven() {
  command -v mvn >/dev/null 2>&1 || {
    echo "seccheck: Maven (mvn) is not on PATH; it is needed to build seccheck. On Debian: apt-get install maven" >&2
    exit 1
  }
}
