package search_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// BenchmarkRadius100 runs a 100 km query over 20,000 random facilities, to
// watch allocations per query.
//
//	go test -run '^$' -bench Radius100 -benchmem ./search
func BenchmarkRadius100(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	fx := mustIndex(b, randomFacilities(rng, 20000)...)
	q := search.Query{HasLocation: true, Center: orb.Point{-74.0, 40.7}, RadiusKm: 160,
		Filters: map[directory.Group][]string{directory.GroupCare: {"outpatient"}}}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := fx.index.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
