# Helpers sourced by the integration suites. Each suite runs real
# containers with $CFS and checks the results from the host side.
#
#   run CMD...           run CMD; sets OUT (stdout), ERR (stderr) and RC
#   check NAME TEST...   count TEST (a command) as passed or failed, and on
#                        failure print NAME with the last OUT, ERR and RC
#   finish               print the suite's counts; its status is the result

CFS=${CFS:?set CFS to the cfs binary}
# shellcheck disable=SC2034 # the suites that source this file use ROOT
ROOT=${CFS_TEST_ROOT:?run through tests/run.sh}
WORK=${CFS_TEST_WORK:?run through tests/run.sh}
# The binary, the recipes and ptydrive.py where other users can reach them.
# shellcheck disable=SC2034 # the suites that source this file use SHARED
SHARED=${CFS_TEST_SHARED:?run through tests/run.sh}
PASSED=0
FAILED=0
OUT=
ERR=
RC=0
ERRFILE=$(mktemp "$WORK/stderr.XXXXXX")

run() {
  OUT=$("$@" 2>"$ERRFILE")
  RC=$?
  ERR=$(cat "$ERRFILE")
}

check() {
  name=$1
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: $name"
    echo "  test:   $*"
    echo "  status: $RC"
    echo "  stdout: $(printf '%s' "$OUT" | head -c 600)"
    echo "  stderr: $(printf '%s' "$ERR" | head -c 600)"
  fi
}

# Test commands for check.
status_is() { [ "$RC" -eq "$1" ]; }
out_is() { [ "$OUT" = "$1" ]; }
out_has() { printf '%s\n' "$OUT" | grep -q -- "$1"; }
err_is_one_line() {
  [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] && printf '%s' "$ERR" | grep -q '^cfs: '
}
err_has() { printf '%s\n' "$ERR" | grep -q -- "$1"; }
err_empty() { [ -z "$ERR" ]; }

# A fresh empty folder under the test work area.
scratch() {
  mktemp -d "$WORK/scratch.XXXXXX"
}

finish() {
  echo "$(basename "$0" .sh): $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
