#!/usr/bin/env bash
# Copies this checkout's built launcher aside (jars, launcher and its scripts, its AOT cache), so a
# later build can be measured against it in one run: bench/perprocess.sh with BENCH_OLD=DIR. The
# copy has no sources, so its launcher never rebuilds; it trains its own AOT cache if it has none.
#
# Usage: bench/snapshot.sh DIR      (builds first if the sources changed)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
d="${1:?usage: bench/snapshot.sh DIR}"
"$here/seccheck" --version >/dev/null
mkdir -p "$d/.seccheck-build" "$d/seccheck-cli/target"
# The scripts are copied, not linked: the launcher sources them (the JVM flags, the AOT training),
# so a link would measure the old jars with whatever scripts this checkout has later, and retrain
# the old cache with them when they change.
rm -rf "$d/scripts"
cp -r "$here/scripts" "$d/scripts"
cp -r "$here"/seccheck-cli/target/seccheck-cli-*.jar "$here/seccheck-cli/target/lib" "$d/seccheck-cli/target/"
cp "$here/seccheck" "$d/seccheck"
touch "$d/.seccheck-build/stamp"
"$d/seccheck" run --quiet -- /bin/true >/dev/null 2>&1 # trains its AOT cache, outside any timing
echo "snapshot in $d: BENCH_OLD=$d bench/perprocess.sh"
