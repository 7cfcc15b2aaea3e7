#!/usr/bin/env bash
# Runs every fuzz target in the repository for FUZZTIME (60 s by default),
# one after the other. Any crash fails the run; the failing input is saved
# under the package's testdata/fuzz for a regression test.
#
# Go 1.26's fuzzing coordinator can end a run that found nothing with a
# bare "context deadline exceeded" when -fuzztime runs out while a worker
# is busy (go.dev/issue/75804, fixed in Go 1.27). A real finding always
# prints "Failing input written to". So a run that fails with the bare
# deadline error and no failing input is retried once, and if that happens
# again it is reported and the target's corpus is replayed as a plain test,
# which must pass. Every other failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-60s}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# deadline_flake reports whether the log holds only the coordinator's
# deadline error, not a finding.
deadline_flake() {
  grep -q 'context deadline exceeded' "$log" && ! grep -q -e 'Failing input written to' -e 'panic:' "$log"
}

grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    ok=false
    for attempt in 1 2; do
      echo "fuzz $pkg $target for $FUZZTIME (attempt $attempt)"
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$log"; then
        ok=true
        break
      fi
      if ! deadline_flake; then
        echo "fuzz $pkg $target failed" >&2
        exit 1
      fi
      echo "fuzz $pkg $target: the fuzzing coordinator stopped with 'context deadline exceeded' and no failing input (go.dev/issue/75804)"
    done
    if ! $ok; then
      echo "fuzz $pkg $target: deadline error twice with no failing input; replaying its corpus as a test"
      go test -run "^${target}\$" "$pkg"
    fi
  done
done
