-- luacheck settings for lua/, recipes/ and tests/: Lua 5.4, no globals
-- except the ones cfs itself gives recipes, 100 columns at most.
std = "lua54"
max_line_length = 100
codes = true

files["recipes/"] = { read_globals = { "cfs" } }
files["tests/"] = { read_globals = { "cfs" } }
files["lua/cfs/cli/recipe.lua"] = { globals = { "arg", "cfs" } }
