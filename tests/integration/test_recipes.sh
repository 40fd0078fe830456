# Integration: the recipes in recipes/ run non-interactively, exit 0, print
# the proof of each step and leave the host unchanged. A recipe written
# only from docs/lua-api.md runs too.
. tests/integration/lib.sh

host_name=$(hostname)
host_mounts=$(findmnt -rn | wc -l)

run "$CFS" recipe recipes/demo.lua
check "demo exits 0" status_is 0
check "demo: hostname inside" out_has "inside: gethostname() = container"
check "demo: host hostname unchanged" out_has "host:   gethostname() = $host_name (unchanged)"
check "demo: pid 1" out_has "inside: getpid() = 1"
check "demo: ls differs" out_has "inside: chroot('.*'); ls / = bin dev etc"
check "demo: mount inside" out_has "inside: /proc/self/mountinfo mentions cfs-demo: true"
check "demo: mount not on host" out_has "host:   /proc/self/mountinfo mentions cfs-demo: false"
check "demo: cfs run" out_has "hostname=container pid=1"

run "$CFS" recipe recipes/demo.lua --bogus
check "demo rejects unknown argument" status_is 125
check "demo usage one line" err_is_one_line

run "$CFS" recipe recipes/uts.lua box
check "uts recipe" out_has "inside, after sethostname: box"
check "uts recipe host" out_has "host hostname after:  $host_name"

run "$CFS" recipe recipes/pid.lua
check "pid recipe pid 1" out_has "inside: getpid() = 1"
check "pid recipe ps" out_has "^ *1 ps$"

run "$CFS" recipe recipes/mnt.lua
check "mnt recipe inside" out_has "inside: tmpfs on /mnt listed in mountinfo: true"
check "mnt recipe host" out_has "host:   tmpfs on /mnt listed in mountinfo: false"

run "$CFS" recipe recipes/shell.lua /bin/sh -c 'echo "$(hostname) $$"'
check "shell recipe runs command" out_is "container 1"

run sh -c "echo 'echo from-stdin \$\$' | '$CFS' recipe recipes/shell.lua"
check "shell recipe reads stdin" out_is "from-stdin 1"

# The example from docs/lua-api.md (section "A first recipe"), taken from the doc itself.
doc_recipe="$WORK/doc-recipe.lua"
sed -n '/^<!-- first-recipe -->$/,/^<!-- \/first-recipe -->$/p' docs/lua-api.md |
  sed '1,2d;$d' | sed '$d' >"$doc_recipe"
run "$CFS" recipe "$doc_recipe"
check "docs recipe runs" status_is 0
check "docs recipe hostname" out_has "^box$"
check "docs recipe pid" out_has "^1$"

check "host hostname unchanged" [ "$(hostname)" = "$host_name" ]
check "host mounts unchanged" [ "$(findmnt -rn | wc -l)" -eq "$host_mounts" ]
finish
