#!/bin/sh
# Compare builds of cfs on the benchmark's `cfs run` job: each build and the
# C floor (pivot_root) run in hyperfine for ROUNDS rounds of RUNS runs, in
# turn, and the times of all rounds are pooled. On a busy machine the load
# changes within seconds. Taking turns spreads that change over every build,
# where one long hyperfine run per build would charge it to one build.
# Prints one markdown row per build: pooled median, quartiles and the ratio
# of the medians to the floor's.
#
# usage: sh tests/bench/compare.sh NAME=PATH/TO/CFS...
#   environment: ROUNDS (default 5), RUNS (default 100)
set -eu
cd "$(dirname "$0")/../.."

[ "$(id -u)" -eq 0 ] || { echo "compare: run as root" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: sh tests/bench/compare.sh NAME=PATH/TO/CFS..." >&2; exit 1; }
ROUNDS=${ROUNDS:-5}
RUNS=${RUNS:-100}

WORK=""
trap '[ -n "$WORK" ] && rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK=$(mktemp -d /tmp/cfs-compare.XXXXXX)

first=${1#*=}
"$first" rootfs busybox "$WORK/root" >/dev/null
"${CC:-cc}" -O2 -o "$WORK/floor" tests/bench/floor.c

set -- "floor=$WORK/floor" "$@"
round=1
while [ "$round" -le "$ROUNDS" ]; do
  args=""
  for build in "$@"; do
    name=${build%%=*}
    path=${build#*=}
    if [ "$name" = floor ]; then
      cmd="'$path' pivot '$WORK/root' bench /bin/true"
    else
      cmd="'$path' run --rootfs '$WORK/root' --hostname bench"
      cmd="$cmd --ns uts,pid,mnt,ipc,net -- /bin/true"
    fi
    args="$args --command-name '$name' \"$cmd\""
  done
  eval "hyperfine -N --style none --warmup 10 --runs $RUNS \
    --export-json '$WORK/round$round.json' $args" >/dev/null
  round=$((round + 1))
done

echo "| build | median ms | 25% ms | 75% ms | ratio to floor |"
echo "|---|---:|---:|---:|---:|"
jq -s -r '
  def q(p): sort | .[(length * p | floor)];
  (.[0].results | map(.command)) as $order
  | [.[].results[]] | group_by(.command) | map({name: .[0].command, t: (map(.times) | add)})
  | sort_by(.name as $name | $order | index($name))
  | (map(select(.name == "floor"))[0].t | q(0.5)) as $floor
  | .[] | [.name, (.t | q(0.5)), (.t | q(0.25)), (.t | q(0.75)), ((.t | q(0.5)) / $floor)]
  | @tsv
' "$WORK"/round*.json | awk -F '\t' '{
  printf "| %s | %.2f | %.2f | %.2f | %.2f |\n", $1, $2 * 1000, $3 * 1000, $4 * 1000, $5
}'
