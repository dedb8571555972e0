package web_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/cputime"
	"github.com/carefinder/carefinder/internal/sharedtest"
)

// BenchmarkSearch measures the web layer around search — routing, parameter
// parsing, geocoding, JSON or GeoJSON — over the test fixture, through the
// handler and through a loopback server. internal/bench has the same over a
// national directory (BenchmarkSearchHTTP).
//
//	go test -run '^$' -bench Search -benchmem ./web
func BenchmarkSearch(b *testing.B) {
	e := mustServer(b)
	h := e.server.Handler()
	for _, tc := range []struct{ name, path string }{
		{"json", "/api/v1/search?near=37203&care=detox,inpatient&payment=medicaid"},
		{"geojson", "/api/v1/search?near=37203&care=detox,inpatient&payment=medicaid&format=geojson"},
		{"nationwide", "/api/v1/search?near=37203&radius=any"},
		{"city", "/api/v1/search?near=Nashville,+TN"},
		{"text", "/api/v1/search?near=37203&q=detx"},
	} {
		b.Run("handler/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body)
				}
			}
		})
		b.Run("loopback/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				resp, err := http.Get(e.srv.URL + tc.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", tc.path, resp.StatusCode)
				}
			}
		})
	}
}

// BenchmarkSearchPage measures the results page's server time on the real
// 2015 directory (skipped without ../shared): the typical search — a ZIP
// centroid, 25 miles, one or two kinds of care, a third of the time a
// payment — through the whole handler chain, HTML rendered, as
// /search?lat=…&lon=…&radius=25mi&care=…[&payment=…] (page), and the same
// searches from the JSON API (api), for scale. It reports the median and
// 99th percentile beside ns/op, and the CPU time the process used per
// search (cpu-µs/op: the handler's, the garbage collector's, and anything
// else the process did meanwhile), steadier than the times on a loaded
// machine.
//
//	go test -run '^$' -bench SearchPage -benchtime 3000x ./web
func BenchmarkSearchPage(b *testing.B) {
	e := mustServerWith(b, realFacilities(b), nil, nil)
	// The Bleve fill runs in the background: let it finish, or its work
	// counts in cpu-µs/op.
	if err := e.index.Wait(context.Background()); err != nil {
		b.Fatal(err)
	}
	h := e.server.Handler()
	paths := typicalQueries(e, 4096)
	// page is the results page; api the same searches as JSON, for scale.
	for _, tc := range []struct{ name, prefix string }{{"page", "/search?"}, {"api", "/api/v1/search?"}} {
		b.Run(tc.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			bytes := 0
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cputime.Process()
			for i := range b.N {
				path := tc.prefix + paths[i%len(paths)]
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				lat = append(lat, time.Since(start))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
				bytes += rec.Body.Len()
			}
			b.StopTimer()
			b.ReportMetric(float64((cputime.Process()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/op")
		})
	}
}

// realFacilities reads the real 2015 directory (the test is skipped
// without ../shared).
func realFacilities(tb testing.TB) []directory.Facility {
	tb.Helper()
	path := sharedtest.File(tb, "data/samhsa-directory-2015.csv")
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rep, err := data.ParseSAMHSA2015(context.Background(), f, data.ParseOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	fs := make([]directory.Facility, 0, len(rep.Records))
	for _, r := range rep.Records {
		fs = append(fs, r.Facility)
	}
	return fs
}

// typicalQueries draws n query strings of the typical search — a ZIP
// centroid, 25 miles, one or two kinds of care, a third of the time a
// payment — with a fixed seed.
func typicalQueries(e *env, n int) []string {
	zips := e.gaz.ZIPs()
	rng := rand.New(rand.NewPCG(42, 42))
	care := []string{"detox", "inpatient", "residential", "outpatient", "intensive-outpatient", "telehealth"}
	pay := []string{"medicaid", "private-insurance", "sliding-scale", "medicare"}
	paths := make([]string, n)
	for i := range paths {
		z := zips[rng.IntN(len(zips))]
		q := url.Values{"lat": {strconv.FormatFloat(z.Point[1], 'f', 5, 64)}, "lon": {strconv.FormatFloat(z.Point[0], 'f', 5, 64)},
			"radius": {"25mi"}, "care": {care[rng.IntN(len(care))]}}
		if rng.IntN(2) == 0 {
			q.Add("care", care[rng.IntN(len(care))])
		}
		if rng.IntN(3) == 0 {
			q.Set("payment", pay[rng.IntN(len(pay))])
		}
		paths[i] = q.Encode()
	}
	return paths
}
