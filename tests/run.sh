#!/bin/sh
# Run every test suite against build/cfs: the libcheck unit suites, the Lua
# suites (run by cfs itself) and the integration suites (real containers).
# Prints one summary line and exits non-zero when any suite failed. The
# host's hostname, mount table, cgroups and /tmp entries are compared
# before and after the whole run.
#
# usage: sh tests/run.sh [SUITE...]   (suite names such as unit, lua, run)
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
export CFS="$ROOT/build/cfs"

if [ "$(id -u)" -ne 0 ]; then
  echo "tests: run as root: the integration suites start real containers" >&2
  exit 2
fi

WORK=$(mktemp -d /tmp/cfs-test.XXXXXX)
export CFS_TEST_WORK="$WORK"
export CFS_CACHE="$WORK/cache"
# Container state goes here instead of /run/cfs, so suites running at the
# same time on this machine never list each other's containers.
export CFS_RUNTIME_DIR="$WORK/run"
trap 'rm -rf "$WORK"' EXIT INT TERM

snapshot() {
  hostname
  findmnt -rn -o TARGET,SOURCE,FSTYPE | sort
  find /sys/fs/cgroup -mindepth 1 -type d -name 'cfs*' 2>/dev/null | sort
  find /tmp -mindepth 1 -maxdepth 1 ! -name 'cfs-test.*' -printf '%f\n' | sort
}
snapshot >"$WORK/before"

passed=0
failed=0
failed_names=""
suite() {
  name=$1
  shift
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_names="$failed_names $name"
  fi
}

# Fixtures shared by the suites: a busybox root with the static helpers
# (tests/helpers/probe.c, hardening.c) in it.
make -s all build/tests/probe build/tests/hardening unit-tests >/dev/null || exit 2
"$CFS" rootfs busybox "$WORK/root" >/dev/null || exit 2
cp build/tests/probe "$WORK/root/bin/probe"
cp build/tests/hardening "$WORK/root/bin/hardening"
export CFS_TEST_ROOT="$WORK/root"

# Some cases run as other users, who may not reach the checkout (a clone
# under a folder made by mktemp -d is root's alone). They get copies of the
# binary, the recipes and the terminal driver in a folder open to them.
chmod 711 "$WORK"
mkdir "$WORK/shared"
cp "$CFS" tests/helpers/ptydrive.py "$WORK/shared/"
cp -R recipes "$WORK/shared/recipes"
chmod -R a+rX "$WORK/shared"
export CFS_TEST_SHARED="$WORK/shared"

wanted() {
  [ $# -eq 0 ] && return 0
  for w in $SUITES; do [ "$w" = "$1" ] && return 0; done
  return 1
}
SUITES="$*"

for t in build/tests/unit/check_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t")
  if [ -z "$SUITES" ] || wanted unit; then suite "unit/$n" "$t"; fi
done
if [ -z "$SUITES" ] || wanted lua; then
  suite "lua" "$CFS" recipe tests/lua/run.lua
fi
for t in tests/integration/test_*.sh; do
  n=$(basename "$t" .sh)
  n=${n#test_}
  if [ -z "$SUITES" ] || wanted "$n"; then suite "integration/$n" sh "$t"; fi
done

snapshot >"$WORK/after"
if ! diff -u "$WORK/before" "$WORK/after" >"$WORK/host.diff"; then
  echo "== host state changed during the tests:"
  cat "$WORK/host.diff"
  failed=$((failed + 1))
  failed_names="$failed_names host-state"
fi

failed_list=${failed_names:+ (${failed_names# })}
echo "tests: $passed suites passed, $failed failed$failed_list"
[ "$failed" -eq 0 ]
