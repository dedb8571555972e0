package search_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
	"github.com/carefinder/carefinder/search/searchtest"
)

// inRing is an even-odd crossing test written apart from the search
// package's, for the oracle.
func inRing(ring orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// oracleRegion is the oracle's notion of a region.
type oracleRegion struct {
	states []string
	area   orb.MultiPolygon
}

func (r oracleRegion) contains(f directory.Facility) bool {
	if slices.Contains(r.states, f.Address.State) {
		return true
	}
	p := orb.Point{f.Lon, f.Lat}
	for _, poly := range r.area {
		if inRing(poly[0], p) && !slices.ContainsFunc(poly[1:], func(h orb.Ring) bool { return inRing(h, p) }) {
			return true
		}
	}
	return false
}

// randomRegion is a state or two, and/or a polygon or two around a city:
// a convex quadrilateral, or a concave "L" with a hole.
func randomRegion(rng *rand.Rand) oracleRegion {
	var r oracleRegion
	kind := rng.IntN(3)
	if kind != 1 {
		for range 1 + rng.IntN(2) {
			r.states = append(r.states, []string{"TN", "NY", "IL", "CA", "AK"}[rng.IntN(5)])
		}
	}
	if kind != 0 {
		for range 1 + rng.IntN(2) {
			c := cities[rng.IntN(len(cities))]
			w, h := 0.2+rng.Float64()*2, 0.2+rng.Float64()*2
			x, y := c[0]+rng.NormFloat64()*0.5, c[1]+rng.NormFloat64()*0.5
			if rng.IntN(2) == 0 {
				r.area = append(r.area, orb.Polygon{{{x - w, y - h}, {x + w, y - h*0.7}, {x + w*0.8, y + h}, {x - w, y + h*1.1}, {x - w, y - h}}})
				continue
			}
			l := orb.Ring{{x - w, y - h}, {x + w, y - h}, {x + w, y}, {x, y}, {x, y + h}, {x - w, y + h}, {x - w, y - h}}
			hole := orb.Ring{{x - w*0.8, y - h*0.8}, {x - w*0.8, y - h*0.4}, {x - w*0.4, y - h*0.4}, {x - w*0.4, y - h*0.8}, {x - w*0.8, y - h*0.8}}
			r.area = append(r.area, orb.Polygon{l, hole})
		}
	}
	return r
}

// A region restricts results, totals and facets exactly, on every path of
// the catalog (within a radius, nationwide nearest first, by name),
// checked against a brute-force scan of the facilities inside it.
func TestRegionMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := 2500
	if testing.Short() {
		n = 600
	}
	all := randomFacilities(rng, n)
	for i := range all { // a state per cluster, so states mean something
		all[i].Address.State = []string{"TN", "NY", "IL", "CA", "TX", "CA", "FL", "CO", "AK", "HI", "PR", "MA"}[nearestCity(all[i])]
	}
	fx := mustIndex(t, all...)
	byID := map[string]directory.Facility{}
	for _, f := range all {
		byID[f.ID] = f
	}
	queries := 200
	if testing.Short() {
		queries = 40
	}
	nonEmpty := 0
	for i := range queries {
		q := randomQuery(rng)
		switch i % 5 {
		case 3:
			q.Sort = search.SortName
		case 4:
			q.RadiusKm = 0 // nationwide nearest first, the bit-set path without a region
		}
		or := randomRegion(rng)
		q.Region = search.NewRegion(or.states, or.area)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var inside []directory.Facility
			for _, f := range all {
				if or.contains(f) {
					inside = append(inside, f)
				}
			}
			wantIDs, dists, wantFacets := oracle(inside, q)
			gotIDs, first := allPages(t, fx.index, q)
			if diff := sameUpToBoundary(wantIDs, gotIDs, dists, q.Center, q.RadiusKm, byID); diff != "" {
				t.Fatalf("region %+v, query %+v: ids differ from the oracle (-want +got):\n%s", or, q, diff)
			}
			if len(wantIDs) == len(gotIDs) {
				if first.Total != len(wantIDs) {
					t.Errorf("total %d, oracle %d", first.Total, len(wantIDs))
				}
				if diff := gocmp.Diff(wantFacets, searchtest.FacetMap(first.Facets)); diff != "" {
					t.Errorf("facets differ from the oracle (-want +got):\n%s", diff)
				}
			}
			for _, id := range gotIDs {
				if !or.contains(byID[id]) {
					t.Errorf("%s is outside the region", id)
				}
			}
			if len(wantIDs) > 0 {
				nonEmpty++
			}
		})
	}
	if nonEmpty < queries/4 {
		t.Errorf("only %d of %d region queries found anything: the test proves little", nonEmpty, queries)
	}
}

func nearestCity(f directory.Facility) int {
	best, bestD := 0, math.Inf(1)
	for i, c := range cities {
		if d := math.Hypot(c[0]-f.Lon, c[1]-f.Lat); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// Text searches keep to the region too, and a cursor from one region is
// refused by another.
func TestRegionTextAndCursor(t *testing.T) {
	mk := func(id, name, state string, lat, lon float64) directory.Facility {
		f := directory.Facility{ID: id, Name: name, Lat: lat, Lon: lon, Address: directory.Address{City: "X", State: state, ZIP: "37203"},
			Provenance: directory.Provenance{Source: "test", SourceID: id}}
		f.Services.Add(directory.GroupCare, "detox")
		return f
	}
	fx := mustIndex(t,
		mk("tn1", "Hope Detox Nashville", "TN", 36.16, -86.78),
		mk("tn2", "Hope Detox Memphis", "TN", 35.15, -90.05),
		mk("ky1", "Hope Detox Bowling Green", "KY", 36.99, -86.44),
		mk("ga1", "Hope Detox Atlanta", "GA", 33.75, -84.39),
	)
	// A box around Bowling Green, KY and Nashville, TN, but not Memphis.
	box := orb.MultiPolygon{{{{-87.5, 35.9}, {-86, 35.9}, {-86, 37.2}, {-87.5, 37.2}, {-87.5, 35.9}}}}
	tests := []struct {
		name   string
		region *search.Region
		q      search.Query
		want   []string
	}{
		{"text, state", search.NewRegion([]string{"tn"}, nil), search.Query{Text: "hope detox", Sort: search.SortName}, []string{"tn2", "tn1"}},
		{"text, area", search.NewRegion(nil, box), search.Query{Text: "hope detox", Sort: search.SortName}, []string{"ky1", "tn1"}},
		{"text within a radius, area", search.NewRegion(nil, box), search.Query{Text: "detox", HasLocation: true, Center: orb.Point{-86.78, 36.16}, RadiusKm: 500}, []string{"tn1", "ky1"}},
		{"state or area", search.NewRegion([]string{"GA"}, box), search.Query{HasLocation: true, Center: orb.Point{-86.78, 36.16}}, []string{"tn1", "ky1", "ga1"}},
		{"empty region", search.NewRegion(nil, nil), search.Query{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Region = tt.region
			res, err := fx.index.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.Facility.ID)
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" || res.Total != len(tt.want) {
				t.Errorf("total %d; ids (-want +got):\n%s", res.Total, diff)
			}
		})
	}

	q := search.Query{HasLocation: true, Center: orb.Point{-86.78, 36.16}, Limit: 1, Region: search.NewRegion([]string{"TN"}, nil)}
	res, err := fx.index.Search(context.Background(), q)
	if err != nil || res.NextCursor == "" {
		t.Fatalf("first page: %v, %v", res, err)
	}
	q.Cursor, q.Region = res.NextCursor, search.NewRegion([]string{"KY"}, nil)
	var qe *search.QueryError
	if _, err := fx.index.Search(context.Background(), q); !errors.As(err, &qe) || qe.Field != search.FieldCursor {
		t.Errorf("a cursor from another region: %v, want a QueryError on the cursor", err)
	}
}
