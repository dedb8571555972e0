package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/cputime"
	"github.com/carefinder/carefinder/internal/sharedtest"
	"github.com/carefinder/carefinder/search"
)

// realDirectory imports the real 2015 directory into a fresh store and
// index, or skips when the shared data is absent.
func realDirectory(b *testing.B) *fixture {
	b.Helper()
	return realIndex(b, sharedtest.File(b, "data/samhsa-directory-2015.csv"))
}

// typicalQueries draws n "typical queries" at ZIP centroids (where people
// live): 25 miles, one or two care filters, sometimes a payment filter.
func typicalQueries(b *testing.B, n int) []search.Query {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	zips := gaz.ZIPs()
	rng := rand.New(rand.NewPCG(42, 42))
	care := []string{"detox", "inpatient", "residential", "outpatient", "intensive-outpatient", "telehealth"}
	pay := []string{"medicaid", "private-insurance", "sliding-scale", "medicare"}
	qs := make([]search.Query, n)
	for i := range qs {
		z := zips[rng.IntN(len(zips))]
		q := search.Query{HasLocation: true, Center: orb.Point(z.Point), RadiusKm: geo.MiToKm(25),
			Filters: map[directory.Group][]string{directory.GroupCare: {care[rng.IntN(len(care))]}}}
		if rng.IntN(2) == 0 {
			q.Filters[directory.GroupCare] = append(q.Filters[directory.GroupCare], care[rng.IntN(len(care))])
		}
		if rng.IntN(3) == 0 {
			q.Filters[directory.GroupPayment] = []string{pay[rng.IntN(len(pay))]}
		}
		qs[i] = q
	}
	return qs
}

// BenchmarkTypicalQueryReal runs the typical query over the real 2015
// directory and reports latency percentiles.
//
//	go test -run '^$' -bench TypicalQueryReal ./search
func BenchmarkTypicalQueryReal(b *testing.B) {
	fx := realDirectory(b)
	qs := typicalQueries(b, 4096)
	searchLatencies(b, fx, qs)
}

// textQueries draws n text queries at ZIP centroids, within 25 miles,
// nearest first: the phrases of carefinder-bench's text workload.
func textQueries(b *testing.B, n int) []search.Query {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	zips := gaz.ZIPs()
	rng := rand.New(rand.NewPCG(7, 7))
	phrases := []string{"detox", "methadone clinic", "recovery", "womens residential", "burprenorphine"}
	qs := make([]search.Query, n)
	for i := range qs {
		z := zips[rng.IntN(len(zips))]
		qs[i] = search.Query{HasLocation: true, Center: orb.Point(z.Point), RadiusKm: geo.MiToKm(25),
			Text: phrases[rng.IntN(len(phrases))], Sort: search.SortDistance}
	}
	return qs
}

// BenchmarkTextReal runs text queries within 25 miles over the real 2015
// directory (the word index's path) and reports latency percentiles.
//
//	go test -run '^$' -bench TextReal ./search
func BenchmarkTextReal(b *testing.B) {
	fx := realDirectory(b)
	qs := textQueries(b, 4096)
	searchLatencies(b, fx, qs)
}

// BenchmarkBuildDemo builds the index of a 100,000-facility demo directory
// from its SQLite store, as `carefinder serve` does on an empty index
// directory: read the store, fill the catalog, write Bleve. Profile it to
// see where a build's time and memory go:
//
//	go test -run '^$' -bench BuildDemo -benchtime 1x -cpuprofile cpu.out -memprofile mem.out ./search
func BenchmarkBuildDemo(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	s := mustStore(b, dir)
	if _, err := s.Import(ctx, data.GenerateDemo(data.DemoOptions{N: 100_000, Seed: 1}), directory.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Process()
	for i := range b.N {
		ix, err := search.Open(ctx, filepath.Join(dir, fmt.Sprintf("index%d", i)), s, directory.DefaultTaxonomy())
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	// CPU time, unlike wall time, hardly depends on what else the
	// machine runs.
	b.ReportMetric((cputime.Process()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

// searchLatencies runs qs round and round, b.N searches, and reports the
// p50 and p99 latencies beside the usual figures.
func searchLatencies(b *testing.B, fx *fixture, qs []search.Query) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := fx.index.Search(ctx, qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
