-- The classic demo's `run bash`: a shell in new uts, pid and mnt
-- namespaces, inside the busybox root, with its own hostname and /proc.
-- Arguments replace the shell: `cfs recipe recipes/shell.lua ps`.
--
-- Run:   cfs recipe recipes/shell.lua [CMD [ARG...]]
-- Needs: root (or user namespaces) and the busybox-static package.
local cfs = require "cfs"

local command = #arg > 0 and { table.unpack(arg) } or { "/bin/sh" }
return cfs.container.run(cfs.spec.new {
  namespaces = { "uts", "pid", "mnt" },
  hostname = "container",
  command = command,
})
