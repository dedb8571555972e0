package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/web"
)

// Bounds of the HTTP load generator.
const (
	// maxHTTPDuration bounds one load run.
	maxHTTPDuration = 10 * time.Minute
	// maxHTTPRequests bounds the requests of one run (and the latencies
	// kept: 8 bytes each).
	maxHTTPRequests = 10_000_000
	// maxHTTPConnections bounds the concurrency of the load generator.
	maxHTTPConnections = 1024
	// httpRequestTimeout bounds one request.
	httpRequestTimeout = 10 * time.Second
	// httpDrainTimeout is how long an open-loop run waits, after its last
	// scheduled request, for the requests still queued or in flight.
	httpDrainTimeout = 10 * time.Second
)

// HTTPConfig describes the HTTP load runs.
type HTTPConfig struct {
	// Duration of each run.
	Duration time.Duration `json:"duration"`
	// Connections is the closed loop's concurrency, and the open loop's
	// connection pool.
	Connections int `json:"connections"`
	// Rate, when positive, adds an open-loop run at this many requests
	// per second.
	Rate int `json:"rate"`
}

func (c HTTPConfig) validate() error {
	switch {
	case c.Duration <= 0 || c.Duration > maxHTTPDuration:
		return fmt.Errorf("HTTP duration %s: must be more than 0 and at most %s", c.Duration, maxHTTPDuration)
	case c.Connections < 1 || c.Connections > maxHTTPConnections:
		return fmt.Errorf("HTTP concurrency %d: must be from 1 to %d", c.Connections, maxHTTPConnections)
	case c.Rate < 0 || float64(c.Rate)*c.Duration.Seconds() > maxHTTPRequests:
		return fmt.Errorf("HTTP rate %d/s for %s: at most %d requests in all", c.Rate, c.Duration, maxHTTPRequests)
	}
	return nil
}

// HTTPRun is the outcome of one load run.
type HTTPRun struct {
	// Mode is "closed" (each connection sends its next request when the
	// last one is answered) or "open" (requests sent on a fixed schedule;
	// latency counted from the scheduled time, so that a slow server
	// cannot hide its queue: no coordinated omission).
	Mode        string  `json:"mode"`
	Connections int     `json:"connections"`
	Rate        int     `json:"rate,omitempty"`
	DurationS   float64 `json:"duration_s"`
	Requests    int     `json:"requests"`
	Non200      int     `json:"non_200"`
	Errors      int     `json:"errors"`
	// Dropped counts scheduled requests never sent before the drain
	// timeout (open loop only).
	Dropped int `json:"dropped"`
	// PacerLateP99Ms is how late the open loop's pacer let the 99th
	// percentile request go: part of every latency measured from the
	// schedule, and the load generator's doing, not the server's.
	PacerLateP99Ms float64 `json:"pacer_late_p99_ms,omitempty"`
	// FirstError is the first transport error, if any.
	FirstError string `json:"first_error,omitempty"`
	Stats      Stats  `json:"stats"`
}

// facilityMap serves GET /api/v1/facilities/{id} from the dataset.
type facilityMap map[string]*directory.Facility

func (m facilityMap) Get(_ context.Context, id string) (*directory.Facility, error) {
	if f, ok := m[id]; ok {
		return f, nil
	}
	return nil, directory.Errorf(directory.ENOTFOUND, "no facility %q", id)
}

var _ web.FacilityGetter = facilityMap(nil)

// serveLoopback serves the real web handler over ix on 127.0.0.1 and
// returns its base URL and a function that stops it.
func serveLoopback(ix web.Searcher, ds *Dataset) (string, func(), error) {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		return "", nil, err
	}
	fm := make(facilityMap, len(ds.Facilities))
	for i := range ds.Facilities {
		fm[ds.Facilities[i].ID] = &ds.Facilities[i]
	}
	srv := web.NewServer(web.Config{
		Index: ix, Store: fm, Gazetteer: gaz, Version: "bench",
		// The access log is formatted as in production, then dropped.
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go hs.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// loadClient sends requests to base over keep-alive connections.
type loadClient struct {
	base   string
	client *http.Client
	urls   []string
}

func newLoadClient(base string, urls []string, conns int) *loadClient {
	tr := &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		IdleConnTimeout: time.Minute, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	return &loadClient{base: base, urls: urls, client: &http.Client{Transport: tr, Timeout: httpRequestTimeout}}
}

func (c *loadClient) close() { c.client.CloseIdleConnections() }

// get sends request i (cycling through the URLs) and reads the whole
// answer; it reports whether the status was 200.
func (c *loadClient) get(ctx context.Context, i int) (ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+c.urls[i%len(c.urls)], nil)
	if err != nil {
		return false, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return false, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, err
}

// tally collects the outcome of requests from several goroutines.
type tally struct {
	mu       sync.Mutex
	lat      []time.Duration
	non200   int
	errs     int
	firstErr error
}

// connTally is one connection's share of a tally, kept without locking
// and merged when the connection is done.
type connTally struct {
	lat      []time.Duration
	non200   int
	errs     int
	firstErr error
}

// record notes one request's outcome.
func (c *connTally) record(lat time.Duration, ok bool, err error) {
	c.lat = append(c.lat, lat)
	switch {
	case err != nil:
		c.errs++
		c.firstErr = cmpOr(c.firstErr, err)
	case !ok:
		c.non200++
	}
}

func (t *tally) add(c *connTally) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lat = append(t.lat, c.lat...)
	t.non200 += c.non200
	t.errs += c.errs
	if t.firstErr == nil {
		t.firstErr = c.firstErr
	}
}

// closedLoop keeps conns requests in flight for d.
func (c *loadClient) closedLoop(ctx context.Context, conns int, d time.Duration) HTTPRun {
	var next atomic.Int64
	var t tally
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range conns {
		wg.Go(func() {
			var ct connTally
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= maxHTTPRequests {
					break
				}
				t0 := time.Now()
				ok, err := c.get(ctx, i)
				ct.record(time.Since(t0), ok, err)
			}
			t.add(&ct)
		})
	}
	wg.Wait()
	wall := time.Since(start)
	run := HTTPRun{Mode: "closed", Connections: conns, DurationS: wall.Seconds(), Requests: len(t.lat), Non200: t.non200, Errors: t.errs}
	if t.firstErr != nil {
		run.FirstError = t.firstErr.Error()
	}
	run.Stats = Summarize(t.lat, wall, t.errs+t.non200)
	return run
}

// openLoop sends rate requests per second for d, on a fixed schedule,
// over at most conns connections. A request's latency runs from when it
// was due, so time spent queued behind slow answers counts.
func (c *loadClient) openLoop(ctx context.Context, conns, rate int, d time.Duration) HTTPRun {
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	due := make(chan int, total)
	var t tally
	var wg sync.WaitGroup
	start := time.Now()
	drainBy := start.Add(d + httpDrainTimeout)
	runCtx, cancel := context.WithDeadline(ctx, drainBy)
	defer cancel()
	var sent atomic.Int64
	for range conns {
		wg.Go(func() {
			var ct connTally
			for i := range due {
				if runCtx.Err() != nil {
					break
				}
				sent.Add(1)
				ok, err := c.get(runCtx, i)
				ct.record(time.Since(start.Add(time.Duration(i)*interval)), ok, err)
			}
			t.add(&ct)
		})
	}
	// The schedule: every request is queued when it falls due. Timers
	// fire about a millisecond late (measured on the development VM), so
	// requests leave in small bursts; lateness records by how much, as it
	// is part of each latency measured from the schedule. (Yielding in a
	// loop instead of sleeping was measured: it steals the server's CPU.)
	lateness := make([]time.Duration, 0, total)
	for i := 0; i < total && runCtx.Err() == nil; {
		now := time.Since(start)
		for n := min(int(now/interval)+1, total); i < n; i++ {
			due <- i
			lateness = append(lateness, now-time.Duration(i)*interval)
		}
		if wait := time.Duration(i)*interval - time.Since(start); i < total && wait > 0 {
			time.Sleep(wait)
		}
	}
	close(due)
	wg.Wait()
	// Whatever the workers left in the queue at the deadline was dropped.
	wall := min(time.Since(start), d+httpDrainTimeout)
	run := HTTPRun{Mode: "open", Connections: conns, Rate: rate, DurationS: d.Seconds(), Requests: len(t.lat),
		Non200: t.non200, Errors: t.errs, Dropped: total - int(sent.Load())}
	if t.firstErr != nil {
		run.FirstError = t.firstErr.Error()
	}
	run.Stats = Summarize(t.lat, wall, t.errs+t.non200+run.Dropped)
	slices.Sort(lateness)
	run.PacerLateP99Ms = ms(Percentile(lateness, 99))
	// The achieved rate is over the scheduled duration: a server that
	// keeps up answers rate per second.
	run.Stats.PerSecond = float64(len(t.lat)-t.errs-t.non200) / d.Seconds()
	return run
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// runHTTP serves ix over loopback and runs the configured load against
// it: a closed loop, and an open loop when a rate is set.
func runHTTP(ctx context.Context, ix web.Searcher, ds *Dataset, urls []string, cfg HTTPConfig, logger *slog.Logger) ([]HTTPRun, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(urls) == 0 {
		return nil, errors.New("no requests to send")
	}
	base, stop, err := serveLoopback(ix, ds)
	if err != nil {
		return nil, err
	}
	defer stop()
	c := newLoadClient(base, urls, cfg.Connections)
	defer c.close()
	// Warm up connections and caches.
	for i := range min(len(urls), 200) {
		if ok, err := c.get(ctx, i); err != nil || !ok {
			return nil, fmt.Errorf("warm-up request %s: status not 200 (%v)", urls[i], err)
		}
	}
	logger.Info("http closed loop", "connections", cfg.Connections, "duration", cfg.Duration)
	runs := []HTTPRun{c.closedLoop(ctx, cfg.Connections, cfg.Duration)}
	if cfg.Rate > 0 && ctx.Err() == nil {
		logger.Info("http open loop", "rate", cfg.Rate, "connections", cfg.Connections, "duration", cfg.Duration)
		runs = append(runs, c.openLoop(ctx, cfg.Connections, cfg.Rate, cfg.Duration))
	}
	return runs, ctx.Err()
}
