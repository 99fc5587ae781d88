-- wrk script for bench/run.sh: one file, the request shape chosen by environment variables.
--   MODE=token   POST client_credentials to the URL's path.
--                AUTH=basic (Authorization: Basic, default) | post (client_secret_post body);
--                CLIENT_ID, CLIENT_SECRET; SCOPE (form-encoded; empty: no scope parameter)
--   MODE=get     GET PREFIX..<id> with Authorization: Bearer $BEARER
--   MODE=rotate  POST PREFIX..<id>.."/secret" (no body) with Authorization: Bearer $BEARER
--                IDS: comma-separated ids, taken round-robin so concurrent requests hit
--                different rows; PREFIX defaults to /api/v1/recipients/
--   IDS_FILE     instead of IDS: a file with one id a line (the first tab-separated field), for
--                lists longer than an environment variable may be (bench/scale.sh)
--   CREDS_FILE   MODE=token only, instead of CLIENT_ID/CLIENT_SECRET: a file of
--                "client_id<TAB>client_secret" lines, taken round-robin like IDS
--   MODE=refresh POST grant_type=refresh_token with REFRESH (the refresh token), Basic
--                CLIENT_ID:CLIENT_SECRET
--   MODE=code    POST grant_type=authorization_code, each code of CODES_FILE (one a line) once,
--                with REDIRECT_URI and Basic CLIENT_ID:CLIENT_SECRET (wrk -t1). CODES_STATE: a
--                file holding where the next run starts in CODES_FILE, moved past this run's
--                requests (and any left in flight) by done(), so that the warm-up and the runs
--                of bench/run.sh's measure() never send a code twice (a reused code is refused)
-- done() prints one machine-readable RESULT line (latencies in microseconds).
local mode   = os.getenv("MODE") or "token"
local auth   = os.getenv("AUTH") or "basic"
local id     = os.getenv("CLIENT_ID") or "bench-basic"
local secret = os.getenv("CLIENT_SECRET") or "bench-secret-basic-0123456789abcdef"
local scope  = os.getenv("SCOPE") or "read"
local bearer = os.getenv("BEARER") or ""
local prefix = os.getenv("PREFIX") or "/api/v1/recipients/"

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local c1 = math.floor(n / 262144) % 64
    local c2 = math.floor(n / 4096) % 64
    local c3 = math.floor(n / 64) % 64
    local c4 = n % 64
    out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
      .. (b and b64chars:sub(c3 + 1, c3 + 1) or "=")
      .. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
  end
  return table.concat(out)
end

local ids = {}
for v in string.gmatch(os.getenv("IDS") or "", "[^,]+") do ids[#ids + 1] = v end
local next_id = 0

-- Lines of a file as lists of their tab-separated fields; empty lines are skipped.
local function read_lines(path)
  local f = assert(io.open(path, "r"))
  local rows = {}
  for line in f:lines() do
    local fields = {}
    for v in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = v end
    if #fields > 0 then rows[#rows + 1] = fields end
  end
  f:close()
  return rows
end
if os.getenv("IDS_FILE") then
  for _, fields in ipairs(read_lines(os.getenv("IDS_FILE"))) do ids[#ids + 1] = fields[1] end
end
-- Each wrk thread has its own Lua state: start threads at different offsets.
function setup(thread)
  thread:set("offset", math.random(0, math.max(#ids, 1) - 1))
end

wrk.headers["Accept"] = "application/json"
if mode == "token" then
  local scope_param = (scope ~= "") and ("&scope=" .. scope) or ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  if auth == "basic" then
    wrk.headers["Authorization"] = "Basic " .. b64(id .. ":" .. secret)
    wrk.body = "grant_type=client_credentials" .. scope_param
  else
    wrk.body = "grant_type=client_credentials" .. scope_param
      .. "&client_id=" .. id .. "&client_secret=" .. secret
  end
  if os.getenv("CREDS_FILE") then
    local creds = read_lines(os.getenv("CREDS_FILE"))
    if #creds == 0 then error("CREDS_FILE has no credentials") end
    ids = creds  -- for setup()'s offsets
    -- One request per credential, prepared in init(): wrk sets the Host header only then.
    local prepared = {}
    function init(args)
      for _, fields in ipairs(creds) do
        local cid, csecret = fields[1], fields[2] or ""
        local headers = {}
        for k, v in pairs(wrk.headers) do headers[k] = v end
        local body = wrk.body
        if auth == "basic" then
          headers["Authorization"] = "Basic " .. b64(cid .. ":" .. csecret)
        else
          body = "grant_type=client_credentials" .. scope_param
            .. "&client_id=" .. cid .. "&client_secret=" .. csecret
        end
        prepared[#prepared + 1] = wrk.format(nil, nil, headers, body)
      end
    end
    function request()
      next_id = next_id + 1
      return prepared[((next_id + (offset or 0)) % #prepared) + 1]
    end
  end
elseif mode == "get" or mode == "rotate" then
  if #ids == 0 then error("MODE=" .. mode .. " needs IDS") end
  wrk.headers["Authorization"] = "Bearer " .. bearer
  local suffix = (mode == "rotate") and "/secret" or ""
  local method = (mode == "rotate") and "POST" or "GET"
  if os.getenv("IDS_FILE") then
    -- Requests prepared once, in init() (wrk sets the Host header only then): formatting each
    -- one in Lua costs wrk more CPU than a cached read costs the server.
    local prepared = {}
    function init(args)
      for i = 1, #ids do prepared[i] = wrk.format(method, prefix .. ids[i] .. suffix) end
    end
    function request()
      next_id = next_id + 1
      return prepared[((next_id + (offset or 0)) % #prepared) + 1]
    end
  else
    function request()
      next_id = next_id + 1
      local i = ((next_id + (offset or 0)) % #ids) + 1
      return wrk.format(method, prefix .. ids[i] .. suffix)
    end
  end
elseif mode == "refresh" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. b64(id .. ":" .. secret)
  wrk.body = "grant_type=refresh_token&refresh_token=" .. (os.getenv("REFRESH") or "")
elseif mode == "code" then
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. b64(id .. ":" .. secret)
  local codes = {}
  for _, fields in ipairs(read_lines(assert(os.getenv("CODES_FILE"), "MODE=code needs CODES_FILE"))) do
    codes[#codes + 1] = fields[1]
  end
  local redirect = (os.getenv("REDIRECT_URI") or ""):gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", c:byte())
  end)
  local state = os.getenv("CODES_STATE")
  local start = 0
  if state then
    local f = io.open(state, "r")
    if f then start = tonumber(f:read("*l") or "0") or 0; f:close() end
  end
  codes_start = start
  function setup(thread) end  -- one thread: no offsets
  function request()
    next_id = next_id + 1
    local code = codes[((start + next_id - 1) % #codes) + 1]
    return wrk.format(nil, nil, nil,
      "grant_type=authorization_code&code=" .. code .. "&redirect_uri=" .. redirect)
  end
else
  error("unknown MODE " .. mode)
end

function done(summary, latency, requests)
  if mode == "code" and os.getenv("CODES_STATE") then
    local f = assert(io.open(os.getenv("CODES_STATE"), "w"))
    f:write(tostring(codes_start + summary.requests + 1024) .. "\n")
    f:close()
  end
  local secs = summary.duration / 1e6
  local errs = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f requests=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d non2xx=%d connect_err=%d read_err=%d write_err=%d timeout=%d\n",
    summary.requests / secs, summary.requests,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    errs.status, errs.connect, errs.read, errs.write, errs.timeout))
end
