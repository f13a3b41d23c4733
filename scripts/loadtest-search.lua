-- wrk script for GET /api/v1/search: rotates through a list of queries
-- (one per line in the file named by QUERIES_FILE; scripts/loadtest.sh
-- writes the judged queries of corpus/relevance/queries.toml there) and
-- makes UNIQUE_PCT percent of the requests distinct queries (a query of the
-- list plus a number no other request uses), which the service's result
-- cache can never answer.
--
--   UNIQUE_PCT=100  every request distinct: the uncached engine
--   UNIQUE_PCT=20   a realistic mix: common questions repeat, some are new
--   UNIQUE_PCT=0    only the listed questions (after the first round, all cached)
--
-- Loaded after report.lua (scripts/loadtest.sh concatenates them), which
-- defines `done`.

local queries = {}
local file = os.getenv("QUERIES_FILE")
if file then
  for line in io.lines(file) do
    if line ~= "" then queries[#queries + 1] = line end
  end
end
if #queries == 0 then
  queries = {"危化品仓库要不要装监控", "安全生产管理人员", "安法 24条", "重大危险源 备案"}
end
local unique_pct = tonumber(os.getenv("UNIQUE_PCT") or "0") or 0

local function encode(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local encoded = {}
for i, q in ipairs(queries) do encoded[i] = encode(q) end

-- per-thread state: wrk runs this file once per thread; `thread_no` is a
-- global so that setup() can set it in each thread
counter = 0
thread_no = 0
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_no", next_thread)
end

function init(args)
  math.randomseed(thread_no * 7919 + os.time())
end

function request()
  counter = counter + 1
  local i = math.random(#queries)
  local q = encoded[i]
  if math.random(100) <= unique_pct then
    -- distinct across threads and requests
    q = q .. "%20x" .. tostring(thread_no * 100000000 + counter)
  end
  return wrk.format("GET", "/api/v1/search?q=" .. q .. "&limit=10")
end
