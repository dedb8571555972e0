-- wrk script: cycles through typical search URLs (ZIP centroids, 25 mi,
-- one or two kinds of care, a third with a payment), one a line in
-- scripts/wrk-typical-urls.txt (or the file in $WRK_URLS), made with
--
--   go run ./cmd/carefinder-bench --urls 200 > scripts/wrk-typical-urls.txt
--
-- No response() callback: it would make wrk hand every body to Lua and
-- take CPU from the server it shares the cores with. wrk itself reports
-- "Non-2xx or 3xx responses" when there are any.
--
--   wrk -t2 -c8 -d15s --latency -s scripts/wrk-typical.lua http://127.0.0.1:18081

local file = os.getenv("WRK_URLS") or "scripts/wrk-typical-urls.txt"
local paths = {}
for line in io.lines(file) do
  if line ~= "" then paths[#paths + 1] = line end
end
if #paths == 0 then error("no URLs in " .. file) end

local i = 0

function init(args)
  -- Each thread starts at its own place in the list.
  i = math.random(#paths) - 1
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
