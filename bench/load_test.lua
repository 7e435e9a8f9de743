-- wrk script of bench/load_test.sh: the logged-in session and the headers nginx would pass on, and at the end
-- one RESULT line with the percentiles and the error counts (wrk counts any status >= 400 as a status error).
local session = os.getenv("LOAD_SESSION") or ""
wrk.headers["Cookie"] = "sessionid=" .. session
wrk.headers["Host"] = os.getenv("LOAD_HOST") or "localhost"
wrk.headers["X-Forwarded-Proto"] = "https"

-- LOAD_THINK_MS > 0: each user waits between half and one and a half times that before the next click.
local think = tonumber(os.getenv("LOAD_THINK_MS") or "0")
if think > 0 then
  delay = function()
    return math.random(math.floor(think / 2), math.floor(think * 3 / 2))
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
    "errors=%d status_errors=%d timeouts=%d connect_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, failed, e.status, e.timeout, e.connect))
end
