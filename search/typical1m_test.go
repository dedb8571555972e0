package search

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

// BenchmarkTypicalCatalog1M runs the typical query (25 miles, one or two
// care types, a payment a third of the time, nearest first, 20 a page)
// over the catalog of a million synthetic facilities, at ZIP centroids,
// and reports latency percentiles: the in-process cost without Bleve or
// HTTP, to profile.
//
//	go test -run '^$' -bench TypicalCatalog1M -benchtime 3000x -cpuprofile cpu.out ./search
func BenchmarkTypicalCatalog1M(b *testing.B) {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	tax := directory.DefaultTaxonomy()
	cat := newCatalog(newTermBits(tax))
	for f := range data.DemoFacilities(data.DemoOptions{Seed: 1, N: 1_000_000, ZIPs: gaz.ZIPs()}) {
		f.Active = true
		cat.apply(&f)
	}
	cat = cat.compacted()
	zips := gaz.ZIPs()
	rng := rand.New(rand.NewPCG(3, 4))
	care := []string{"detox", "inpatient", "residential", "outpatient", "intensive-outpatient", "telehealth"}
	pay := []string{"medicaid", "private-insurance", "sliding-scale", "medicare"}
	qs := make([]Query, 3000)
	for i := range qs {
		q := Query{HasLocation: true, Center: orb.Point(zips[rng.IntN(len(zips))].Point), RadiusKm: geo.MiToKm(25),
			Sort: SortDistance, Limit: 20, Filters: map[directory.Group][]string{directory.GroupCare: {care[rng.IntN(len(care))]}}}
		if rng.IntN(2) == 0 {
			q.Filters[directory.GroupCare] = append(q.Filters[directory.GroupCare], care[rng.IntN(len(care))])
		}
		if rng.IntN(3) == 0 {
			q.Filters[directory.GroupPayment] = []string{pay[rng.IntN(len(pay))]}
		}
		qs[i] = q
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := cat.run(ctx, &qs[i%len(qs)], nil, false); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
