package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/paulmach/orb"
)

// usCities are cluster centers for realistic test data.
var usCities = []orb.Point{
	{-86.7816, 36.1627},  // Nashville
	{-74.0060, 40.7128},  // New York
	{-118.2437, 34.0522}, // Los Angeles
	{-87.6298, 41.8781},  // Chicago
	{-95.3698, 29.7604},  // Houston
	{-122.3321, 47.6062}, // Seattle
	{-80.1918, 25.7617},  // Miami
	{-104.9903, 39.7392}, // Denver
	{-149.9003, 61.2181}, // Anchorage
	{-157.8583, 21.3069}, // Honolulu
	{-66.1057, 18.4655},  // San Juan
	{-71.0589, 42.3601},  // Boston
	{-90.0490, 35.1495},  // Memphis
	{-156.7886, 71.2906}, // Utqiagvik
	{-176.6581, 51.8800}, // Adak, near the antimeridian
}

// clusteredPoints returns n points around usCities, plus awkward ones:
// duplicates, cell corners, the poles and the antimeridian.
func clusteredPoints(rng *rand.Rand, n int) []orb.Point {
	pts := make([]orb.Point, 0, n)
	for len(pts) < n {
		switch rng.IntN(50) {
		case 0:
			if len(pts) > 0 {
				pts = append(pts, pts[rng.IntN(len(pts))]) // duplicate
				continue
			}
		case 1: // on a 0.25° cell corner
			pts = append(pts, orb.Point{float64(rng.IntN(1441))*0.25 - 180, float64(rng.IntN(721))*0.25 - 90})
			continue
		case 2:
			pts = append(pts, orb.Point{rng.Float64()*360 - 180, 90 * float64(1-2*rng.IntN(2))})
			continue
		case 3:
			pts = append(pts, orb.Point{180 * float64(1-2*rng.IntN(2)), rng.Float64()*180 - 90})
			continue
		}
		c := usCities[rng.IntN(len(usCities))]
		spread := 0.5 * math.Pow(10, -2*rng.Float64()) // 0.005° to 0.5°
		lat := math.Max(-90, math.Min(90, c[1]+rng.NormFloat64()*spread))
		pts = append(pts, orb.Point{normalizeLon(c[0] + rng.NormFloat64()*spread/math.Cos(lat*degToRad)), lat})
	}
	return pts
}

func uniformPoints(rng *rand.Rand, n int) []orb.Point {
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = randomGlobePoint(rng)
	}
	return pts
}

// mustGrid builds a Grid over points.
func mustGrid(tb testing.TB, cellDeg float64, points []orb.Point) *Grid {
	tb.Helper()
	g := NewGrid(cellDeg)
	g.Build(points)
	return g
}

// bruteWithin is the oracle for Within: a scan of every valid point.
func bruteWithin(points []orb.Point, center orb.Point, radiusKm float64) map[int]float64 {
	m := map[int]float64{}
	for i, p := range points {
		if !validLatLon(p[1], p[0]) {
			continue
		}
		if d := DistanceKm(center, p); d <= radiusKm {
			m[i] = d
		}
	}
	return m
}

// bruteDistances returns the sorted distances from center to every valid point.
func bruteDistances(points []orb.Point, center orb.Point) []float64 {
	var ds []float64
	for _, p := range points {
		if validLatLon(p[1], p[0]) {
			ds = append(ds, DistanceKm(center, p))
		}
	}
	slices.Sort(ds)
	return ds
}

type gridCase struct {
	name    string
	cellDeg float64
	points  []orb.Point
}

func gridCases(tb testing.TB) []gridCase {
	n := 20000
	if testing.Short() {
		n = 4000
	}
	rng := rand.New(rand.NewPCG(5, 6))
	uniform := uniformPoints(rng, n)
	clustered := clusteredPoints(rng, n)
	return []gridCase{
		{"uniform 0.25", 0.25, uniform},
		{"clustered 0.25", 0.25, clustered},
		{"clustered 0.1", 0.1, clustered},
		{"uniform 1", 1, uniform},
		{"clustered 0.7 (does not divide 360)", 0.7, clustered},
		{"uniform 7", 7, uniform},
	}
}

// TestGridWithinMatchesBruteForce checks Within, WithinFiltered and Spans
// against a scan of every point.
func TestGridWithinMatchesBruteForce(t *testing.T) {
	queries := 300
	if testing.Short() {
		queries = 60
	}
	for _, tc := range gridCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			g := mustGrid(t, tc.cellDeg, tc.points)
			rng := rand.New(rand.NewPCG(7, 8))
			insideSpans := 0
			for q := range queries {
				center := randomCenter(rng)
				if q%2 == 0 { // half the queries where the points are
					center = tc.points[rng.IntN(len(tc.points))]
				}
				radius := randomRadiusKm(rng)
				if q%10 == 0 {
					radius = 0
				}
				insideSpans += checkSpans(t, g, tc.points, center, radius)
				got := map[int]float64{}
				g.Within(center, radius, func(i int, d float64) bool {
					if _, dup := got[i]; dup {
						t.Errorf("Within(%v, %v) reported %d twice", center, radius, i)
					}
					got[i] = d
					return true
				})
				want := bruteWithin(tc.points, center, radius)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("Within(%v, %v) mismatch (-want +got):\n%s", center, radius, diff)
				}
				keep := func(i int) bool { return i%3 != 0 }
				gotKept := map[int]float64{}
				g.WithinFiltered(center, radius, keep, func(i int, d float64) bool { gotKept[i] = d; return true })
				for i := range want {
					if !keep(i) {
						delete(want, i)
					}
				}
				if diff := cmp.Diff(want, gotKept); diff != "" {
					t.Fatalf("WithinFiltered(%v, %v) mismatch (-want +got):\n%s", center, radius, diff)
				}
			}
			// Dense clusters make blocks, and so Inside spans.
			if strings.HasPrefix(tc.name, "clustered") && insideSpans == 0 {
				t.Error("no Inside span: the test did not reach the blocks wholly inside a circle")
			}
		})
	}
}

// checkSpans checks Spans against a scan of every point: the spans hold
// every point within the radius exactly once; every point of an Inside
// span is within it by DistanceKm, and no point of a span is nearer than
// its MinKm. It returns how many Inside spans there were.
func checkSpans(t *testing.T, g *Grid, points []orb.Point, center orb.Point, radius float64) (inside int) {
	t.Helper()
	m := g.Meter(center)
	seen := map[int]bool{}
	got := map[int]float64{}
	g.Spans(center, radius, func(s Span) bool {
		if s.Inside {
			inside++
		}
		for p := s.Start; p < s.End; p++ {
			i := g.ID(p)
			if seen[i] {
				t.Fatalf("Spans(%v, %v): point %d in two spans", center, radius, i)
			}
			seen[i] = true
			d := DistanceKm(center, points[i])
			switch {
			case m.Km(p) != d:
				t.Fatalf("Meter.Km(%d) = %v, DistanceKm %v", p, m.Km(p), d)
			case d < s.MinKm:
				t.Fatalf("Spans(%v, %v): point %d at %v km, span's MinKm %v", center, radius, i, d, s.MinKm)
			case s.Inside && d > radius:
				t.Fatalf("Spans(%v, %v): point %d at %v km in an Inside span", center, radius, i, d)
			}
			if d <= radius {
				got[i] = d
			}
		}
		return true
	})
	if diff := cmp.Diff(bruteWithin(points, center, radius), got); diff != "" {
		t.Fatalf("Spans(%v, %v) mismatch (-want +got):\n%s", center, radius, diff)
	}
	return inside
}

// TestGridWithinCircleEdge puts points just inside and just outside the
// circle, where a bound that is a hair too small would miss them.
func TestGridWithinCircleEdge(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	iterations := 3000
	if testing.Short() {
		iterations = 500
	}
	for it := range iterations {
		cellDeg := []float64{0.05, 0.25, 1, 7}[it%4]
		center := randomCenter(rng)
		radius := randomRadiusKm(rng)
		points := make([]orb.Point, 300)
		for i := range points {
			d := radius * (1 + (rng.Float64()*2-1)*1e-9)
			if i%3 == 0 {
				d = radius * rng.Float64()
			}
			points[i] = destination(center, rng.Float64()*360, d)
		}
		g := mustGrid(t, cellDeg, points)
		got := map[int]float64{}
		g.Within(center, radius, func(i int, d float64) bool { got[i] = d; return true })
		if diff := cmp.Diff(bruteWithin(points, center, radius), got); diff != "" {
			t.Fatalf("cell %v: Within(%v, %v) mismatch (-want +got):\n%s", cellDeg, center, radius, diff)
		}
	}
}

func TestGridWithinStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	points := clusteredPoints(rng, 5000)
	g := mustGrid(t, 0.25, points)
	calls := 0
	g.Within(usCities[0], 500, func(int, float64) bool { calls++; return calls < 3 })
	if calls != 3 {
		t.Errorf("Within called fn %d times after it returned false on the 3rd call", calls)
	}
}

func TestGridNearestFullOrder(t *testing.T) {
	queries := 12
	if testing.Short() {
		queries = 3
	}
	for _, tc := range gridCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			g := mustGrid(t, tc.cellDeg, tc.points)
			rng := rand.New(rand.NewPCG(11, 12))
			for q := range queries {
				center := randomCenter(rng)
				if q%3 == 0 {
					center = tc.points[rng.IntN(len(tc.points))]
				}
				seen := make([]bool, len(tc.points))
				var ds []float64
				g.Nearest(center, func(i int, d float64) bool {
					if seen[i] {
						t.Fatalf("Nearest(%v) reported %d twice", center, i)
					}
					seen[i] = true
					if want := DistanceKm(center, tc.points[i]); d != want {
						t.Fatalf("Nearest(%v) reported %d at %v km, DistanceKm says %v", center, i, d, want)
					}
					if len(ds) > 0 && d < ds[len(ds)-1] {
						t.Fatalf("Nearest(%v): %d at %v km after one at %v km", center, i, d, ds[len(ds)-1])
					}
					ds = append(ds, d)
					return true
				})
				if diff := cmp.Diff(bruteDistances(tc.points, center), ds); diff != "" {
					t.Fatalf("Nearest(%v) distances mismatch (-want +got):\n%s", center, diff)
				}
			}
		})
	}
}

func TestGridNearestStopsEarly(t *testing.T) {
	queries := 300
	if testing.Short() {
		queries = 60
	}
	for _, tc := range gridCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			g := mustGrid(t, tc.cellDeg, tc.points)
			rng := rand.New(rand.NewPCG(13, 14))
			for q := range queries {
				center := randomCenter(rng)
				if q%2 == 0 {
					center = tc.points[rng.IntN(len(tc.points))]
				}
				k := []int{1, 2, 5, 20, 100, 1000}[rng.IntN(6)]
				var got []float64
				g.Nearest(center, func(i int, d float64) bool {
					if want := DistanceKm(center, tc.points[i]); d != want {
						t.Fatalf("Nearest(%v) reported %d at %v km, DistanceKm says %v", center, i, d, want)
					}
					got = append(got, d)
					return len(got) < k
				})
				want := bruteDistances(tc.points, center)[:k]
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("Nearest(%v) first %d mismatch (-want +got):\n%s", center, k, diff)
				}
			}
		})
	}
}

func TestGridSkipsInvalidPoints(t *testing.T) {
	points := []orb.Point{
		{-86.78, 36.16},
		{math.NaN(), 36},
		{-86, math.NaN()},
		{math.Inf(1), 0},
		{0, 91},
		{-86.79, 36.17},
		{360 - 86.8, 36.18}, // longitude taken modulo 360
	}
	g := mustGrid(t, 0.25, points)
	if got, want := g.Len(), 3; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	var got []int
	g.Nearest(orb.Point{-86.78, 36.16}, func(i int, _ float64) bool { got = append(got, i); return true })
	if diff := cmp.Diff([]int{0, 5, 6}, got); diff != "" {
		t.Errorf("Nearest indexes mismatch (-want +got):\n%s", diff)
	}
	got = got[:0]
	g.Within(orb.Point{-86.78, 36.16}, 5, func(i int, _ float64) bool { got = append(got, i); return true })
	slices.Sort(got)
	if diff := cmp.Diff([]int{0, 5, 6}, got); diff != "" {
		t.Errorf("Within indexes mismatch (-want +got):\n%s", diff)
	}
	// Invalid queries report nothing.
	for _, c := range []orb.Point{{math.NaN(), 0}, {0, 100}} {
		g.Nearest(c, func(int, float64) bool { t.Errorf("Nearest(%v) reported a point", c); return false })
		g.Within(c, 100, func(int, float64) bool { t.Errorf("Within(%v) reported a point", c); return false })
	}
	g.Within(points[0], -1, func(int, float64) bool { t.Error("Within with negative radius reported a point"); return false })
}

func TestGridRebuildReplaces(t *testing.T) {
	g := mustGrid(t, 0.25, []orb.Point{{0, 0}, {1, 1}, {2, 2}})
	g.Build([]orb.Point{{10, 10}})
	if g.Len() != 1 {
		t.Fatalf("Len() = %d after rebuild with 1 point", g.Len())
	}
	var got []int
	g.Nearest(orb.Point{0, 0}, func(i int, _ float64) bool { got = append(got, i); return true })
	if diff := cmp.Diff([]int{0}, got); diff != "" {
		t.Errorf("Nearest after rebuild (-want +got):\n%s", diff)
	}
	g.Build(nil)
	g.Nearest(orb.Point{0, 0}, func(int, float64) bool { t.Error("empty grid reported a point"); return false })
}

func TestNewGridPanicsOnBadCellSize(t *testing.T) {
	for _, c := range []float64{0, -1, math.NaN(), 0.0001, 91} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NewGrid(%v) did not panic", c)
				}
			}()
			NewGrid(c)
		})
	}
}

func TestGridQueriesDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("under the race detector sync.Pool drops items at random")
	}
	rng := rand.New(rand.NewPCG(15, 16))
	points := clusteredPoints(rng, 20000)
	g := mustGrid(t, 0.25, points)
	center := usCities[0]
	n := 0
	within := testing.AllocsPerRun(100, func() {
		g.Within(center, MiToKm(25), func(int, float64) bool { n++; return true })
	})
	nearest := testing.AllocsPerRun(100, func() {
		k := 0
		g.Nearest(center, func(int, float64) bool { k++; return k < 20 })
	})
	if within != 0 || nearest != 0 {
		t.Errorf("allocations per query: Within %v, Nearest %v; want 0", within, nearest)
	}
}

// TestGridMemory checks that a million points fit well under 50 MB.
func TestGridMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-point grid")
	}
	rng := rand.New(rand.NewPCG(17, 18))
	for name, points := range map[string][]orb.Point{
		"uniform":   uniformPoints(rng, 1_000_000),
		"clustered": clusteredPoints(rng, 1_000_000),
	} {
		g := mustGrid(t, 0.25, points)
		if size := g.sizeBytes(); size > 40<<20 {
			t.Errorf("%s: grid of 1,000,000 points holds %.1f MB", name, float64(size)/(1<<20))
		} else {
			t.Logf("%s: grid of 1,000,000 points holds %.1f MB", name, float64(size)/(1<<20))
		}
	}
}

func benchGrid(b *testing.B) (*Grid, []orb.Point) {
	b.Helper()
	rng := rand.New(rand.NewPCG(19, 20))
	points := clusteredPoints(rng, 100_000)
	g := mustGrid(b, 0.25, points)
	// Query where users are: at clustered points themselves.
	centers := clusteredPoints(rng, 1024)
	return g, centers
}

func BenchmarkWithin(b *testing.B) {
	g, centers := benchGrid(b)
	radius := MiToKm(25)
	found := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		g.Within(centers[i%len(centers)], radius, func(int, float64) bool { found++; return true })
	}
	b.ReportMetric(float64(found)/float64(b.N), "points/op")
}

func BenchmarkNearest20(b *testing.B) {
	g, centers := benchGrid(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := 0
		g.Nearest(centers[i%len(centers)], func(int, float64) bool { k++; return k < 20 })
	}
}

// BenchmarkNearestFiltered is the "nearest first, nationwide" search with a
// filter that passes 1 point in 100.
func BenchmarkNearestFiltered(b *testing.B) {
	g, centers := benchGrid(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := 0
		g.Nearest(centers[i%len(centers)], func(j int, _ float64) bool {
			if j%100 == 0 {
				k++
			}
			return k < 20
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	rng := rand.New(rand.NewPCG(21, 22))
	points := clusteredPoints(rng, 100_000)
	g := NewGrid(0.25)
	b.ReportAllocs()
	for b.Loop() {
		g.Build(points)
	}
}

// TestGridNearestFiltered checks NearestFiltered against brute force for
// filters from dense to very sparse (where the rings speed up across
// empty cells): the kept points only, each once, nearest first, and the
// first k exactly when the caller stops early.
func TestGridNearestFiltered(t *testing.T) {
	queries := 40
	if testing.Short() {
		queries = 10
	}
	for _, tc := range gridCases(t) {
		for _, every := range []int{1, 3, 50, 997} {
			t.Run(fmt.Sprintf("%s/one in %d", tc.name, every), func(t *testing.T) {
				g := mustGrid(t, tc.cellDeg, tc.points)
				keep := func(i int) bool { return i%every == 0 }
				var kept []orb.Point
				for i, p := range tc.points {
					if keep(i) {
						kept = append(kept, p)
					}
				}
				rng := rand.New(rand.NewPCG(15, uint64(every)))
				for range queries {
					center := randomCenter(rng)
					k := []int{1, 5, 20, len(kept)}[rng.IntN(4)]
					seen := map[int]bool{}
					var got []float64
					g.NearestFiltered(center, keep, func(i int, d float64) bool {
						if !keep(i) || seen[i] {
							t.Fatalf("NearestFiltered(%v) reported %d (kept %v, seen %v)", center, i, keep(i), seen[i])
						}
						seen[i] = true
						if want := DistanceKm(center, tc.points[i]); d != want {
							t.Fatalf("NearestFiltered(%v) reported %d at %v km, DistanceKm says %v", center, i, d, want)
						}
						got = append(got, d)
						return len(got) < k
					})
					want := bruteDistances(kept, center)[:min(k, len(kept))]
					if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
						t.Fatalf("NearestFiltered(%v) first %d mismatch (-want +got):\n%s", center, k, diff)
					}
				}
			})
		}
	}
}

// TestGridRenumber: after Renumber, a query names each point by its
// storage position, order maps those back to the indices given to Build,
// and a grid built over the points laid out in that order is InOrder.
func TestGridRenumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	pts := make([]orb.Point, 3000)
	for i := range pts {
		pts[i] = orb.Point{-100 + rng.NormFloat64()*3, 40 + rng.NormFloat64()*2}
	}
	pts[17] = orb.Point{math.NaN(), 40} // skipped by Build
	g := NewGrid(0.25)
	g.Build(pts)
	if g.InOrder(len(pts)) {
		t.Fatal("random points in order before Renumber")
	}
	center := orb.Point{-100, 40}
	before := map[int]float64{}
	g.Within(center, 150, func(i int, d float64) bool { before[i] = d; return true })
	order := g.Renumber()
	if len(order) != len(pts)-1 {
		t.Fatalf("order has %d points, want %d", len(order), len(pts)-1)
	}
	seen := map[int32]bool{}
	for _, i := range order {
		if seen[i] || i == 17 || int(i) >= len(pts) {
			t.Fatalf("order is not a permutation of the valid points: %d", i)
		}
		seen[i] = true
	}
	after := map[int]float64{}
	g.Within(center, 150, func(k int, d float64) bool { after[int(order[k])] = d; return true })
	if len(before) == 0 || len(after) != len(before) {
		t.Fatalf("%d points within 150 km after Renumber, %d before", len(after), len(before))
	}
	for i, d := range before {
		if after[i] != d {
			t.Fatalf("point %d: %v after Renumber, %v before", i, after[i], d)
		}
	}
	laid := make([]orb.Point, len(order))
	for k, i := range order {
		laid[k] = pts[i]
	}
	g2 := NewGrid(0.25)
	g2.Build(laid)
	if !g2.InOrder(len(laid)) {
		t.Fatal("points laid out in the grid's order are not InOrder")
	}
}
