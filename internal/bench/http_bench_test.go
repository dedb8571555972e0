package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/web"
)

// BenchmarkSearchHTTP serves the typical query through the real web
// handler over a synthetic directory of 20,000 facilities: "server" goes
// through an httptest.Server and a keep-alive client on loopback,
// "handler" calls the handler directly (routing, parsing, search, JSON).
//
//	go test -run '^$' -bench SearchHTTP ./internal/bench
func BenchmarkSearchHTTP(b *testing.B) {
	ds := mustDataset(b, 20_000)
	e, err := OpenEngine(context.Background(), EngineCareFinder, ds, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	gaz, err := geo.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	w := mustQueries(b, WorkloadTypical, 2000, ds)
	urls := make([]string, len(w.Queries))
	for i, q := range w.Queries {
		urls[i] = SearchURL(q)
	}
	fm := facilityMap{}
	for i := range ds.Facilities {
		fm[ds.Facilities[i].ID] = &ds.Facilities[i]
	}
	h := web.NewServer(web.Config{Index: e.(*careFinder).ix, Store: fm, Gazetteer: gaz,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()

	b.Run("server", func(b *testing.B) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		c := newLoadClient(srv.URL, urls, 1)
		defer c.close()
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			t := time.Now()
			ok, err := c.get(context.Background(), i)
			lat = append(lat, time.Since(t))
			if err != nil || !ok {
				b.Fatalf("%s: status not 200 (%v)", urls[i%len(urls)], err)
			}
		}
		b.StopTimer()
		reportPercentiles(b, lat)
	})
	b.Run("handler", func(b *testing.B) {
		reqs := make([]*http.Request, len(urls))
		for i, u := range urls {
			reqs[i] = httptest.NewRequest(http.MethodGet, u, nil)
		}
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			rec := httptest.NewRecorder()
			t := time.Now()
			h.ServeHTTP(rec, reqs[i%len(reqs)])
			lat = append(lat, time.Since(t))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: status %d: %s", urls[i%len(urls)], rec.Code, rec.Body)
			}
		}
		b.StopTimer()
		reportPercentiles(b, lat)
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(Percentile(lat, 50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(Percentile(lat, 99).Microseconds()), "p99-µs")
}
