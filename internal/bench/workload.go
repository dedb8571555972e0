package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// The workloads: kinds of query, each drawn at ZIP centroids.
const (
	// WorkloadTypical is the typical query: 25 mi, one or two care
	// filters, sometimes a payment filter, nearest first, facets, page 1.
	WorkloadTypical = "typical"
	// WorkloadRadius100 is the typical query within 100 mi.
	WorkloadRadius100 = "radius100"
	// WorkloadAny is the typical query at any distance: the nearest 20
	// nationwide.
	WorkloadAny = "any"
	// WorkloadText is free text within 25 mi, nearest first.
	WorkloadText = "text"
	// WorkloadDeep is page 10 of the typical query within 100 mi.
	WorkloadDeep = "deep"
)

// AllWorkloads lists every workload, in the order tables show them.
func AllWorkloads() []string {
	return []string{WorkloadTypical, WorkloadRadius100, WorkloadAny, WorkloadText, WorkloadDeep}
}

const (
	pageSize = search.DefaultLimit
	// deepOffset is where page 10 starts.
	deepOffset = 9 * pageSize
	// deepMinMatches is how many matches a deep query needs for its page
	// 10 to be full: queries with fewer are drawn again.
	deepMinMatches = deepOffset + pageSize
	// deepRedraws bounds the redraws of one deep query, so that a sparse
	// directory cannot stall the generator.
	deepRedraws = 50
)

// Filters drawn for the typical query (those of search/bench_test.go).
var (
	typicalCare    = []string{"detox", "inpatient", "residential", "outpatient", "intensive-outpatient", "telehealth"}
	typicalPayment = []string{"medicaid", "private-insurance", "sliding-scale", "medicare"}
	// textQueries are what people type, one typo included.
	textQueries = []string{"detox", "methadone clinic", "recovery", "womens residential", "burprenorphine"}
)

// Workload is a list of queries of one kind. Offset is where the timed page
// starts: 0, or deepOffset for page 10.
type Workload struct {
	Name    string
	Queries []search.Query
	Offset  int
	// Skip marks the deep queries that still lack a full page 10 after
	// deepRedraws draws (on a small directory): no engine runs them.
	Skip []bool
}

// Skipped counts the queries marked in Skip.
func (w *Workload) Skipped() int {
	n := 0
	for _, s := range w.Skip {
		if s {
			n++
		}
	}
	return n
}

// Queries draws n queries of workload kind at ZIP centroids, uniformly over
// ZIP codes (dense areas have more of them), with a generator seeded by
// seed and the kind, so that every engine and every run gets the same
// queries. The deep workload needs the dataset, to draw queries whose page
// 10 exists.
func Queries(kind string, n int, seed uint64, zips []geo.ZIPPlace, ds *Dataset) (Workload, error) {
	rng := rand.New(rand.NewPCG(seed, kindSeed(kind)))
	w := Workload{Name: kind, Queries: make([]search.Query, 0, n), Skip: make([]bool, n)}
	var counter *matchCounter
	switch kind {
	case WorkloadTypical, WorkloadRadius100, WorkloadAny, WorkloadText:
	case WorkloadDeep:
		w.Offset = deepOffset
		counter = newMatchCounter(ds)
	default:
		return w, fmt.Errorf("unknown workload %q: use %s", kind, strings.Join(AllWorkloads(), ", "))
	}
	for len(w.Queries) < n {
		z := zips[rng.IntN(len(zips))]
		q := search.Query{HasLocation: true, Center: orb.Point(z.Point), Sort: search.SortDistance, Limit: pageSize}
		switch kind {
		case WorkloadTypical:
			q.RadiusKm = geo.MiToKm(25)
			q.Filters = typicalFilters(rng)
		case WorkloadRadius100:
			q.RadiusKm = geo.MiToKm(100)
			q.Filters = typicalFilters(rng)
		case WorkloadAny:
			q.Filters = typicalFilters(rng)
		case WorkloadText:
			q.RadiusKm = geo.MiToKm(25)
			q.Text = textQueries[rng.IntN(len(textQueries))]
		case WorkloadDeep:
			q.RadiusKm = geo.MiToKm(100)
			q.Filters = typicalFilters(rng)
			full := false
			for range deepRedraws {
				if full = counter.count(q) >= deepMinMatches; full {
					break
				}
				q.Center = orb.Point(zips[rng.IntN(len(zips))].Point)
			}
			w.Skip[len(w.Queries)] = !full
		}
		w.Queries = append(w.Queries, q)
	}
	return w, nil
}

func kindSeed(kind string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(kind); i++ {
		h = (h ^ uint64(kind[i])) * 1099511628211
	}
	return h
}

// typicalFilters draws one or two care types, and a payment a third of the
// time.
func typicalFilters(rng *rand.Rand) map[directory.Group][]string {
	first := rng.IntN(len(typicalCare))
	f := map[directory.Group][]string{directory.GroupCare: {typicalCare[first]}}
	if rng.IntN(2) == 0 {
		second := (first + 1 + rng.IntN(len(typicalCare)-1)) % len(typicalCare)
		f[directory.GroupCare] = append(f[directory.GroupCare], typicalCare[second])
	}
	if rng.IntN(3) == 0 {
		f[directory.GroupPayment] = []string{typicalPayment[rng.IntN(len(typicalPayment))]}
	}
	return f
}

// SearchURL is the API request of a query: /api/v1/search?lat=…&lon=….
func SearchURL(q search.Query) string {
	v := url.Values{}
	v.Set("lat", strconv.FormatFloat(q.Center[1], 'f', -1, 64))
	v.Set("lon", strconv.FormatFloat(q.Center[0], 'f', -1, 64))
	switch {
	case q.RadiusKm == 0:
		v.Set("radius", "any")
	case math.Abs(geo.KmToMi(q.RadiusKm)-math.Round(geo.KmToMi(q.RadiusKm))) < 1e-9:
		v.Set("radius", strconv.FormatFloat(math.Round(geo.KmToMi(q.RadiusKm)), 'f', -1, 64)+"mi")
	default:
		v.Set("radius", strconv.FormatFloat(q.RadiusKm, 'f', -1, 64)+"km")
	}
	for _, g := range directory.Groups() {
		if len(q.Filters[g]) > 0 {
			v.Set(string(g), strings.Join(q.Filters[g], ","))
		}
	}
	if q.Text != "" {
		v.Set("q", q.Text)
	}
	return "/api/v1/search?" + v.Encode()
}

// matchCounter counts the facilities a query matches, by brute force: the
// deep workload's generator uses it to keep queries with a page 10.
type matchCounter struct {
	ti    *termIndex
	pts   []orb.Point
	terms []termSet
	byLat *latOrder
}

func newMatchCounter(ds *Dataset) *matchCounter {
	c := &matchCounter{ti: newTermIndex(directory.DefaultTaxonomy()), pts: make([]orb.Point, len(ds.Facilities)), terms: make([]termSet, len(ds.Facilities))}
	for i := range ds.Facilities {
		f := &ds.Facilities[i]
		c.pts[i] = orb.Point{f.Lon, f.Lat}
		c.terms[i] = c.ti.expanded(f)
	}
	c.byLat = newLatOrder(c.pts)
	return c
}

func (c *matchCounter) count(q search.Query) int {
	masks := filterMasks(c.ti, q.Filters)
	n := 0
points:
	for _, i := range c.byLat.band(q.Center[1], latSpanDeg(q.RadiusKm)) {
		for m := range masks {
			if !c.terms[i].intersects(&masks[m]) {
				continue points
			}
		}
		if q.RadiusKm == 0 || geo.DistanceKm(q.Center, c.pts[i]) <= q.RadiusKm {
			n++
		}
	}
	return n
}

// latSpanDeg is a latitude difference beyond which two points are surely
// more than km apart, by any of the Earth models compared here; -1 for
// km = 0, any distance.
func latSpanDeg(km float64) float64 {
	if km <= 0 {
		return -1
	}
	return (km+1)/6356.0*180/math.Pi + 1e-6
}
