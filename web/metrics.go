package web

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/carefinder/carefinder/search"
)

// unmatchedRoute labels requests that matched no route (404s, 405s,
// preflights, refused URIs), so that made-up paths cannot grow the metrics.
const unmatchedRoute = "unmatched"

// metrics are the server's Prometheus metrics, in a registry of its own
// (no global state): requests by route and status, request and search
// latency, the search index's state, and the Go runtime and process.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	searches *prometheus.HistogramVec
	// resolved caches each route and status's counter and histogram, so
	// that a request costs no label lookup (routeCode -> *routeObservers);
	// a series appears when its first request is counted, as before.
	resolved sync.Map
	// searchKinds are the search histogram's series, by searchKind.
	searchKinds map[string]prometheus.Observer
}

// routeCode is a series of the request metrics.
type routeCode struct {
	route string
	code  int
}

// routeObservers are a route and status's resolved series.
type routeObservers struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// searchBuckets are finer than Prometheus's defaults: a search takes tens
// of microseconds to a few milliseconds.
var searchBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "carefinder_http_requests_total", Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "carefinder_http_request_duration_seconds", Help: "Time to serve HTTP requests, by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		searches: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "carefinder_search_duration_seconds", Help: "Time the search index takes to answer, by kind of search.",
			Buckets: searchBuckets,
		}, []string{"kind"}),
	}
	m.searchKinds = map[string]prometheus.Observer{}
	for _, kind := range []string{"text_near", "text", "radius", "nationwide", "list"} {
		m.searchKinds[kind] = m.searches.WithLabelValues(kind)
	}
	m.registry.MustRegister(m.requests, m.duration, m.searches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&indexCollector{s: s})
	return m
}

// middleware counts every request by route and status and times it.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, st := withState(r)
		st.route = unmatchedRoute
		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		o := m.observers(st.route, rec.statusOr(http.StatusOK))
		o.requests.Inc()
		o.duration.Observe(time.Since(start).Seconds())
	})
}

// observers returns the series of route and code, resolved once.
func (m *metrics) observers(route string, code int) *routeObservers {
	key := routeCode{route, code}
	if o, ok := m.resolved.Load(key); ok {
		return o.(*routeObservers)
	}
	o, _ := m.resolved.LoadOrStore(key, &routeObservers{
		requests: m.requests.WithLabelValues(route, strconv.Itoa(code)),
		duration: m.duration.WithLabelValues(route),
	})
	return o.(*routeObservers)
}

// observeSearch records how long the index took to answer q.
func (m *metrics) observeSearch(q *search.Query, d time.Duration) {
	m.searchKinds[searchKind(q)].Observe(d.Seconds())
}

// searchKind sorts a search by the path it takes through the index.
func searchKind(q *search.Query) string {
	switch {
	case q.Text != "" && q.HasLocation && q.RadiusKm > 0:
		return "text_near"
	case q.Text != "":
		return "text"
	case q.HasLocation && q.RadiusKm > 0:
		return "radius"
	case q.HasLocation:
		return "nationwide"
	}
	return "list"
}

// indexCollector reads the search index's state at each scrape.
type indexCollector struct{ s *Server }

var (
	descFacilities = prometheus.NewDesc("carefinder_index_facilities", "Active facilities in the search index.", nil, nil)
	descSeq        = prometheus.NewDesc("carefinder_index_seq", "Last directory change the search index reflects.", nil, nil)
	descLag        = prometheus.NewDesc("carefinder_index_lag", "Directory changes the search index has not applied yet.", nil, nil)
	descAge        = prometheus.NewDesc("carefinder_index_generation_age_seconds", "Age of the search index's current generation (since it was built or opened).", nil, nil)
	descBytes      = prometheus.NewDesc("carefinder_index_size_bytes", "Size of the current generation's index on disk, when built or opened.", nil, nil)
	descRebuilds   = prometheus.NewDesc("carefinder_index_rebuilds_total", "Generations of the search index built since the server started.", nil, nil)
	descBroken     = prometheus.NewDesc("carefinder_index_broken", "1 when the index failed a write and answers from what it held (a rebuild replaces it).", nil, nil)
	descDiskLow    = prometheus.NewDesc("carefinder_index_disk_low", "1 when the index's disk is too full to take changes.", nil, nil)
	descStoreDown  = prometheus.NewDesc("carefinder_store_unreachable", "1 when the index last failed to read the directory store.", nil, nil)
	descReady      = prometheus.NewDesc("carefinder_ready", "Whether the server can serve searches (1) or not (0).", nil, nil)
	descBuild      = prometheus.NewDesc("carefinder_build_info", "The running build; the value is always 1.", []string{"version"}, nil)
	descImports    = prometheus.NewDesc("carefinder_imports_total", "Imports into the directory store that changed something, by any process.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFacilities, descSeq, descLag, descAge, descBytes, descRebuilds, descBroken, descDiskLow, descStoreDown, descReady, descBuild, descImports} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.index.Stats()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	flag := func(d *prometheus.Desc, on bool) {
		v := 0.0
		if on {
			v = 1
		}
		gauge(d, v)
	}
	gauge(descFacilities, float64(st.Facilities))
	gauge(descSeq, float64(st.Seq))
	gauge(descLag, float64(st.Lag))
	if !st.BuiltAt.IsZero() {
		gauge(descAge, time.Since(st.BuiltAt).Seconds())
	}
	gauge(descBytes, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(descRebuilds, prometheus.CounterValue, float64(st.Rebuilds))
	flag(descBroken, st.Broken != "")
	flag(descDiskLow, st.DiskLow != "")
	flag(descStoreDown, st.StoreError != "")
	flag(descReady, c.s.ready() && st.Generation != "")
	ch <- prometheus.MustNewConstMetric(descBuild, prometheus.GaugeValue, 1, c.s.version)
	if ic, ok := c.s.store.(interface {
		Imports(context.Context) (int64, error)
	}); ok {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if n, err := ic.Imports(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(descImports, prometheus.CounterValue, float64(n))
		}
	}
}

// metricsHandler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
