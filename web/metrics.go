package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// durationBuckets are the upper bounds, in seconds, of the request duration
// histogram (Prometheus's default buckets).
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// unmatchedRoute labels requests that matched no route (404s, 405s,
// preflights, refused URIs), so that made-up paths cannot grow the metrics.
const unmatchedRoute = "unmatched"

// metrics counts requests for /metrics, written out by hand in the
// Prometheus text format.
type metrics struct {
	mu        sync.Mutex
	requests  map[routeCode]uint64
	durations map[string]*histogram
}

type routeCode struct {
	route string
	code  int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[routeCode]uint64{}, durations: map[string]*histogram{}}
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[routeCode{route, code}]++
	h := m.durations[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.durations[route] = h
	}
	sec := d.Seconds()
	if i, _ := slices.BinarySearch(durationBuckets, sec); i < len(durationBuckets) {
		h.counts[i]++
	}
	h.sum += sec
	h.count++
}

// middleware counts every request by route and status and times it.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := unmatchedRoute
		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey, &route)))
		m.observe(route, rec.statusOr(http.StatusOK), time.Since(start))
	})
}

// gauge is one sample written beside the request metrics.
type gauge struct {
	name, help string
	labels     string // already formatted: {k="v"}
	value      float64
}

// write writes every metric in the Prometheus text exposition format,
// sorted so that the output is stable.
func (m *metrics) write(w io.Writer, gauges []gauge) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder

	b.WriteString("# HELP carefinder_http_requests_total HTTP requests served, by route and status code.\n")
	b.WriteString("# TYPE carefinder_http_requests_total counter\n")
	keys := make([]routeCode, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b routeCode) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "carefinder_http_requests_total{route=%s,code=\"%d\"} %d\n", labelValue(k.route), k.code, m.requests[k])
	}

	b.WriteString("# HELP carefinder_http_request_duration_seconds Time to serve HTTP requests, by route.\n")
	b.WriteString("# TYPE carefinder_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.durations))
	for r := range m.durations {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	for _, r := range routes {
		h := m.durations[r]
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "carefinder_http_request_duration_seconds_bucket{route=%s,le=\"%s\"} %d\n",
				labelValue(r), strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(&b, "carefinder_http_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", labelValue(r), h.count)
		fmt.Fprintf(&b, "carefinder_http_request_duration_seconds_sum{route=%s} %s\n", labelValue(r), strconv.FormatFloat(h.sum, 'g', -1, 64))
		fmt.Fprintf(&b, "carefinder_http_request_duration_seconds_count{route=%s} %d\n", labelValue(r), h.count)
	}

	for _, g := range gauges {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n%s%s %s\n", g.name, g.help, g.name, g.name, g.labels,
			strconv.FormatFloat(g.value, 'g', -1, 64))
	}
	io.WriteString(w, b.String())
}

// labelValue quotes a label value, escaping as the text format requires.
func labelValue(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
