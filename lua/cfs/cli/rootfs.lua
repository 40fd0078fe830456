--- `cfs rootfs`: build root filesystems.
local errors = require "cfs.errors"
local rootfs = require "cfs.rootfs"

local M = {}

M.summary = "build a root filesystem"
M.usage = "cfs rootfs busybox DIR"
M.help = [[
busybox DIR   build a minimal root filesystem in DIR (new or empty) from the
              host's static busybox: the binary, one link per applet and a
              small /etc. Needs the busybox-static package.]]

M.options = {}

function M.main(argv)
  if argv[1] == "-h" or argv[1] == "--help" then
    print(require("cfs.cli.help").text(M))
    return 0
  end
  if argv[1] ~= "busybox" then
    errors.usage("rootfs", argv[1] and string.format("unknown kind '%s'", argv[1])
      or "missing kind")
  end
  if argv[2] == nil or argv[3] ~= nil then
    errors.usage("rootfs", "expected exactly one directory")
  end
  rootfs.busybox(argv[2])
  print(argv[2])
  return 0
end

return M
