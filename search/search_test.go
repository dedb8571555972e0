package search_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/storetest"
	"github.com/carefinder/carefinder/search"
	"github.com/carefinder/carefinder/search/searchtest"
)

// boundaryKm is how close to the edge of a circle a facility may be and
// still be allowed to differ from the oracle (10 m).
const boundaryKm = 0.010

type fixture struct {
	store *directory.Store
	index *search.Index
	dir   string
	all   []directory.Facility
}

// mustStore opens the store in dir: SQLite, or PostgreSQL with
// CAREFINDER_TEST_STORE=postgres (see internal/storetest).
func mustStore(tb testing.TB, dir string) *directory.Store {
	tb.Helper()
	return storetest.Open(tb, dir)
}

// mustIndex stores facilities in a fresh SQLite store and opens an index
// over it.
func mustIndex(tb testing.TB, facilities ...directory.Facility) *fixture {
	tb.Helper()
	return mustIndexWith(tb, nil, facilities...)
}

// mustIndexWith is mustIndex with options for Open.
func mustIndexWith(tb testing.TB, opts []search.Option, facilities ...directory.Facility) *fixture {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	s := mustStore(tb, dir)
	if len(facilities) > 0 {
		if _, err := s.Import(ctx, slices.Clone(facilities), directory.ImportOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), s, directory.DefaultTaxonomy(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return &fixture{store: s, index: ix, dir: dir, all: facilities}
}

// cities are cluster centres for random facilities: [lon, lat].
var cities = []orb.Point{
	{-86.78, 36.16}, {-74.00, 40.71}, {-87.63, 41.88}, {-118.24, 34.05}, {-95.37, 29.76},
	{-122.42, 37.77}, {-80.19, 25.76}, {-104.99, 39.74}, {-149.90, 61.22}, {-157.86, 21.31},
	{-66.11, 18.47}, {-71.06, 42.36},
}

// randomFacilities makes n facilities clustered around cities, with a
// random mix of services. Some share a point exactly, to test ties.
func randomFacilities(rng *rand.Rand, n int) []directory.Facility {
	tax := directory.DefaultTaxonomy()
	out := make([]directory.Facility, 0, n)
	for i := range n {
		c := cities[rng.IntN(len(cities))]
		spread := []float64{0.05, 0.3, 1.5}[rng.IntN(3)]
		p := orb.Point{c[0] + rng.NormFloat64()*spread, c[1] + rng.NormFloat64()*spread*0.8}
		p[1] = math.Max(-89, math.Min(89, p[1]))
		if i > 0 && rng.IntN(20) == 0 { // same building as the previous one
			p = orb.Point{out[i-1].Lon, out[i-1].Lat}
		}
		f := directory.Facility{
			ID:         fmt.Sprintf("r%05d", i),
			Name:       fmt.Sprintf("%s Recovery %d", []string{"Hope", "Riverside", "New Day", "Harbor"}[rng.IntN(4)], i),
			Lat:        p[1],
			Lon:        p[0],
			Address:    directory.Address{City: "Somewhere", State: "TN", ZIP: "37203"},
			Provenance: directory.Provenance{Source: "test", SourceID: fmt.Sprint(i)},
		}
		for _, g := range directory.Groups() {
			terms := tax.Terms(g)
			for range rng.IntN(4) {
				f.Services.Add(g, terms[rng.IntN(len(terms))].Slug)
			}
		}
		out = append(out, f)
	}
	return out
}

// oracle answers a query by brute force (search/searchtest).
func oracle(all []directory.Facility, q search.Query) (ids []string, dists map[string]float64, facets map[directory.Group]map[string]int) {
	a := searchtest.Answer(all, q)
	return a.IDs, a.Dists, a.Facets
}

// oracleNearest returns the distance from q's center to the nearest
// facility that passes q's filters, at any distance, or NaN if none does.
func oracleNearest(all []directory.Facility, q search.Query) float64 {
	return searchtest.Answer(all, q).NearestKm
}

// allPages follows cursors to the end and returns every id in order.
func allPages(tb testing.TB, ix *search.Index, q search.Query) ([]string, *search.Result) {
	tb.Helper()
	var ids []string
	var first *search.Result
	for page := 0; ; page++ {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			tb.Fatalf("Search(%+v): %v", q, err)
		}
		if first == nil {
			first = res
		}
		if res.Total != first.Total {
			tb.Fatalf("total changed between pages: %d then %d", first.Total, res.Total)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.Facility.ID)
		}
		if res.NextCursor == "" {
			return ids, first
		}
		if page > 10000 {
			tb.Fatal("cursor never ends")
		}
		q.Cursor = res.NextCursor
	}
}

// sameUpToBoundary compares two ordered id lists, allowing facilities
// within boundaryKm of the circle's edge to be missing from either.
func sameUpToBoundary(want, got []string, dists map[string]float64, center orb.Point, radiusKm float64, all map[string]directory.Facility) string {
	near := func(id string) bool {
		if radiusKm <= 0 {
			return false
		}
		f := all[id]
		return math.Abs(geo.DistanceKm(center, orb.Point{f.Lon, f.Lat})-radiusKm) <= boundaryKm
	}
	strip := func(ids []string) []string {
		return slices.DeleteFunc(slices.Clone(ids), near)
	}
	return gocmp.Diff(strip(want), strip(got))
}

func randomQuery(rng *rand.Rand) search.Query {
	tax := directory.DefaultTaxonomy()
	c := cities[rng.IntN(len(cities))]
	q := search.Query{
		HasLocation: true,
		Center:      orb.Point{c[0] + rng.NormFloat64(), c[1] + rng.NormFloat64()},
		Limit:       1 + rng.IntN(100),
		Filters:     map[directory.Group][]string{},
	}
	switch rng.IntN(6) {
	case 0:
		q.RadiusKm = 0 // any distance
	default:
		q.RadiusKm = math.Exp(rng.Float64()*math.Log(800)) + 0.5
	}
	for range rng.IntN(3) {
		g := directory.Groups()[rng.IntN(6)]
		terms := tax.Terms(g)
		for range 1 + rng.IntN(2) {
			q.Filters[g] = append(q.Filters[g], terms[rng.IntN(len(terms))].Slug)
		}
	}
	return q
}

func TestSearchMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 800
	}
	fx := mustIndex(t, randomFacilities(rng, n)...)
	byID := map[string]directory.Facility{}
	for _, f := range fx.all {
		byID[f.ID] = f
	}
	queries := 300
	if testing.Short() {
		queries = 60
	}
	for i := range queries {
		q := randomQuery(rng)
		if i%10 == 9 {
			q.Sort = search.SortName
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			wantIDs, dists, wantFacets := oracle(fx.all, q)
			gotIDs, first := allPages(t, fx.index, q)
			if diff := sameUpToBoundary(wantIDs, gotIDs, dists, q.Center, q.RadiusKm, byID); diff != "" {
				t.Fatalf("query %+v: ids differ from the oracle (-want +got):\n%s", q, diff)
			}
			if first.Total != len(gotIDs) {
				t.Errorf("total %d but %d ids over all pages", first.Total, len(gotIDs))
			}
			if math.Abs(float64(first.Total-len(wantIDs))) > 0 && !boundaryOnly(wantIDs, gotIDs, q, byID) {
				t.Errorf("total %d, oracle %d", first.Total, len(wantIDs))
			}
			if len(wantIDs) == len(gotIDs) {
				if diff := gocmp.Diff(wantFacets, searchtest.FacetMap(first.Facets)); diff != "" {
					t.Errorf("facets differ from the oracle (-want +got):\n%s", diff)
				}
			}
			for _, h := range first.Hits {
				if want := dists[h.Facility.ID]; h.DistanceKm != want && !(math.IsNaN(want) && math.IsNaN(h.DistanceKm)) {
					t.Errorf("%s: distance %v, oracle %v", h.Facility.ID, h.DistanceKm, want)
				}
			}
			checkNearest(t, fx.all, q, first)
		})
	}
}

// TestSearchDenseCity checks radius searches, nearest first, in a city
// dense enough that most of a circle's points lie in grid blocks wholly
// inside it, which the search counts without measuring and measures only
// as far as the page needs: every page, the totals and the facets must
// still be the oracle's.
func TestSearchDenseCity(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	fs := randomFacilities(rng, 3000)
	center := orb.Point{-74.00, 40.71}
	for i := range fs {
		fs[i].Lon = center[0] + rng.NormFloat64()*0.04
		fs[i].Lat = center[1] + rng.NormFloat64()*0.03
	}
	fx := mustIndex(t, fs...)
	byID := map[string]directory.Facility{}
	for _, f := range fx.all {
		byID[f.ID] = f
	}
	tax := directory.DefaultTaxonomy()
	queries := 40
	if testing.Short() {
		queries = 16 // -short runs under the race detector, 5 times slower
	}
	for i := range queries {
		q := search.Query{
			HasLocation: true, Sort: search.SortDistance,
			Center:   orb.Point{center[0] + rng.NormFloat64()*0.03, center[1] + rng.NormFloat64()*0.02},
			RadiusKm: 1 + rng.Float64()*15,
			Limit:    1 + rng.IntN(25),
			Filters:  map[directory.Group][]string{},
		}
		for k, g := range []directory.Group{directory.GroupCare, directory.GroupPayment} {
			if terms := tax.Terms(g); (i>>k)&1 == 0 {
				q.Filters[g] = []string{terms[rng.IntN(len(terms))].Slug, terms[rng.IntN(len(terms))].Slug}
			}
		}
		// Every name has "Recovery" in it: with that text, the word
		// index's path must give the same answer, distances included.
		if i%4 == 3 {
			q.Text = "recovery"
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			plain := q
			plain.Text = ""
			wantIDs, dists, wantFacets := oracle(fx.all, plain)
			gotIDs, first := allPages(t, fx.index, q)
			if diff := sameUpToBoundary(wantIDs, gotIDs, dists, q.Center, q.RadiusKm, byID); diff != "" {
				t.Fatalf("query %+v: ids differ from the oracle (-want +got):\n%s", q, diff)
			}
			if len(wantIDs) == len(gotIDs) {
				if diff := gocmp.Diff(wantFacets, searchtest.FacetMap(first.Facets)); diff != "" {
					t.Errorf("facets differ from the oracle (-want +got):\n%s", diff)
				}
			}
			for _, h := range first.Hits {
				if want := dists[h.Facility.ID]; h.DistanceKm != want {
					t.Errorf("%s: distance %v, oracle %v", h.Facility.ID, h.DistanceKm, want)
				}
			}
		})
	}
}

// checkNearest compares res.NearestKm with the oracle: set, to the
// nearest match anywhere, exactly when nothing matched within a finite
// radius and something matches somewhere.
func checkNearest(t *testing.T, all []directory.Facility, q search.Query, res *search.Result) {
	t.Helper()
	want := math.NaN()
	if res.Total == 0 && q.HasLocation && q.RadiusKm > 0 {
		want = oracleNearest(all, q)
	}
	switch {
	case math.IsNaN(want) && res.NearestKm != nil:
		t.Errorf("total %d: nearest %v, want none", res.Total, *res.NearestKm)
	case !math.IsNaN(want) && res.NearestKm == nil:
		t.Errorf("nothing within %.1f km: no nearest, oracle %v", q.RadiusKm, want)
	case !math.IsNaN(want) && *res.NearestKm != want:
		t.Errorf("nearest %v, oracle %v", *res.NearestKm, want)
	}
}

func boundaryOnly(want, got []string, q search.Query, byID map[string]directory.Facility) bool {
	return sameUpToBoundary(want, got, nil, q.Center, q.RadiusKm, byID) == ""
}

func TestSearchTies(t *testing.T) {
	// Five facilities at the same point must come back ordered by id, and
	// paging one at a time must neither repeat nor skip any.
	var fs []directory.Facility
	for _, id := range []string{"e", "c", "a", "d", "b"} {
		fs = append(fs, facility(id, "Same Place", 36.16, -86.78, directory.Services{Care: []string{"detox"}}))
	}
	fx := mustIndex(t, fs...)
	ids, res := allPages(t, fx.index, search.Query{HasLocation: true, Center: orb.Point{-86.7, 36.1}, RadiusKm: 40, Limit: 1})
	if diff := gocmp.Diff([]string{"a", "b", "c", "d", "e"}, ids); diff != "" {
		t.Errorf("tie order (-want +got):\n%s", diff)
	}
	if res.Total != 5 {
		t.Errorf("total %d", res.Total)
	}
}

func facility(id, name string, lat, lon float64, s directory.Services) directory.Facility {
	return directory.Facility{
		ID: id, Name: name, Lat: lat, Lon: lon, Services: s,
		Address:    directory.Address{City: "Nashville", State: "TN", ZIP: "37203"},
		Provenance: directory.Provenance{Source: "test", SourceID: id},
	}
}

// TestTextSearch checks relevance and typo tolerance as data: documents, a
// query, and the ids expected in order.
func TestTextSearch(t *testing.T) {
	fx := mustIndex(t,
		facility("detox1", "Cumberland Heights", 36.2, -86.9, directory.Services{Care: []string{"detox", "residential-short-term"}}),
		facility("bup1", "Music City Recovery", 36.1, -86.7, directory.Services{Care: []string{"standard-outpatient"}, Medication: []string{"buprenorphine"}}),
		facility("meth1", "Nashville Comprehensive Treatment Center", 36.15, -86.8, directory.Services{Care: []string{"outpatient"}, Medication: []string{"methadone"}}),
		facility("es1", "Centro Hispano de Recuperación", 36.17, -86.75, directory.Services{Care: []string{"standard-outpatient", "intensive-outpatient"}, Language: []string{"es", "en"}}),
		facility("far", "Cumberland Heights West", 35.0, -90.0, directory.Services{Care: []string{"detox"}}),
		// A sober house offers no treatment; a name with no services.
		facility("house1", "Oxford House Elm", 36.16, -86.79, directory.Services{Care: []string{"transitional-housing"}}),
		facility("rehab1", "Rehab Partners", 36.14, -86.77, directory.Services{}),
	)
	nash := orb.Point{-86.78, 36.16}
	tests := []struct {
		name string
		q    search.Query
		want []string
	}{
		{"exact service", search.Query{Text: "detox"}, []string{"detox1", "far"}},
		{"typo detx", search.Query{Text: "detx"}, []string{"detox1", "far"}},
		{"typo burprenorphine", search.Query{Text: "burprenorphine"}, []string{"bup1"}},
		{"spanish label", search.Query{Text: "desintoxicación"}, []string{"detox1", "far"}},
		{"name words all required", search.Query{Text: "cumberland heights west"}, []string{"far"}},
		{"name ranks first", search.Query{Text: "music city"}, []string{"bup1"}},
		{"text within radius", search.Query{Text: "cumberland", HasLocation: true, Center: nash, RadiusKm: 50}, []string{"detox1"}},
		{"text with filter", search.Query{Text: "centro", Filters: map[directory.Group][]string{directory.GroupLanguage: {"es"}}}, []string{"es1"}},
		{"by distance", search.Query{Text: "cumberland", HasLocation: true, Center: nash}, []string{"detox1", "far"}},
		{"no match", search.Query{Text: "zzzzqqq"}, nil},
		// The taxonomy's keywords: words people type for a kind of care.
		// "rehab" asks for treatment: every top kind of care, and names
		// with the word first; not a sober house.
		{"keyword rehab", search.Query{Text: "rehab"}, []string{"rehab1", "bup1", "detox1", "es1", "far", "meth1"}},
		{"keyword rehab within radius", search.Query{Text: "rehab", HasLocation: true, Center: nash, RadiusKm: 50, Sort: search.SortRelevance}, []string{"rehab1", "bup1", "detox1", "es1", "meth1"}},
		{"keywords drug treatment", search.Query{Text: "drug treatment", HasLocation: true, Center: nash, RadiusKm: 50, Sort: search.SortRelevance}, []string{"meth1", "bup1", "detox1", "es1"}},
		{"keyword iop", search.Query{Text: "iop"}, []string{"es1"}},
		{"keyword opioid", search.Query{Text: "opioid", HasLocation: true, Center: nash, RadiusKm: 50}, []string{"bup1", "meth1"}},
		{"keyword oxford", search.Query{Text: "oxford"}, []string{"house1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := fx.index.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.Facility.ID)
			}
			switch tt.name {
			case "exact service", "typo detx", "spanish label", "keyword opioid":
				slices.Sort(got) // equal relevance: order by id is not the point here
			case "keyword rehab", "keyword rehab within radius", "keywords drug treatment":
				if len(got) > 0 {
					slices.Sort(got[1:]) // the name that has the word first, the rest tie
				}
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if res.Total != len(tt.want) {
				t.Errorf("total %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func TestBadQueries(t *testing.T) {
	fx := mustIndex(t, facility("a", "Hope Alpha", 36, -86, directory.Services{}))
	tests := []struct {
		q     search.Query
		field string
		group directory.Group
	}{
		{search.Query{HasLocation: true, Center: orb.Point{-86, 91}}, search.FieldCenter, ""},
		{search.Query{HasLocation: true, Center: orb.Point{-86, 36}, RadiusKm: 900}, search.FieldRadiusKm, ""},
		{search.Query{RadiusKm: 10}, search.FieldRadiusKm, ""},
		{search.Query{Filters: map[directory.Group][]string{directory.GroupCare: {"detx"}}}, search.FieldFilters, directory.GroupCare},
		{search.Query{Filters: map[directory.Group][]string{"flavour": {"mint"}}}, search.FieldFilters, "flavour"},
		{search.Query{Sort: "distance"}, search.FieldSort, ""},
		{search.Query{Sort: "price"}, search.FieldSort, ""},
		{search.Query{Limit: 101}, search.FieldLimit, ""},
		{search.Query{Limit: -1}, search.FieldLimit, ""},
		{search.Query{Text: strings.Repeat("a", 201)}, search.FieldText, ""},
		// Only words too common to search, or none: nationwide (Bleve)
		// and within a radius (the word index) alike.
		{search.Query{Text: "the"}, search.FieldText, ""},
		{search.Query{Text: "of and the", HasLocation: true, Center: orb.Point{-86, 36}, RadiusKm: 40}, search.FieldText, ""},
		{search.Query{Text: "\x00 -- !", HasLocation: true, Center: orb.Point{-86, 36}, RadiusKm: 40}, search.FieldText, ""},
		{search.Query{Cursor: "garbage!"}, search.FieldCursor, ""},
		{search.Query{Cursor: "eyJxIjoxLCJpIjoiYSJ9"}, search.FieldCursor, ""}, // a cursor of another query
	}
	for _, tt := range tests {
		_, err := fx.index.Search(context.Background(), tt.q)
		var qe *search.QueryError
		if !errors.As(err, &qe) || qe.Field != tt.field || qe.Group != tt.group || qe.Message == "" {
			t.Errorf("Search(%+v) = %v, want a QueryError on %s %s", tt.q, err, tt.field, tt.group)
		}
	}
	// A misspelt slug comes with suggestions.
	_, err := fx.index.Search(context.Background(), search.Query{Filters: map[directory.Group][]string{directory.GroupCare: {"detx"}}})
	if qe := (*search.QueryError)(nil); !errors.As(err, &qe) || !slices.Contains(qe.Suggestions, "detox") {
		t.Errorf("care=detx: %v, want the suggestion detox", err)
	}
}

func TestIndexFollowsStore(t *testing.T) {
	ctx := context.Background()
	fx := mustIndex(t, facility("a", "Alpha House", 36.16, -86.78, directory.Services{Care: []string{"detox"}}))
	// Another process writes through its own connection to the same file.
	other := mustStore(t, fx.dir)
	b := facility("b", "Bravo Detox", 36.17, -86.77, directory.Services{Care: []string{"detox"}})
	if err := other.Create(ctx, &b); err != nil {
		t.Fatal(err)
	}
	near := search.Query{HasLocation: true, Center: orb.Point{-86.78, 36.16}, RadiusKm: 10}
	count := func() int {
		res, err := fx.index.Search(ctx, near)
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := count(); n != 1 {
		t.Fatalf("before sync: %d", n)
	}
	if n, err := fx.index.Sync(ctx); err != nil || n != 1 {
		t.Fatalf("Sync = %d, %v", n, err)
	}
	if n := count(); n != 2 {
		t.Fatalf("after sync: %d, want 2", n)
	}
	b.Lat, b.Lon = 40.0, -100.0 // moved far away
	if err := other.Update(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if err := other.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	fx.index.Sync(ctx)
	if n := count(); n != 0 {
		t.Errorf("after move and delete: %d, want 0", n)
	}
	if _, ok := fx.index.Get("a"); ok {
		t.Error("deleted facility still in the index")
	}
	res, _ := fx.index.Search(ctx, search.Query{Text: "alpha"})
	if res.Total != 0 {
		t.Errorf("deleted facility still found by text")
	}
	res, _ = fx.index.Search(ctx, search.Query{Text: "bravo", HasLocation: true, Center: orb.Point{-100, 40}, RadiusKm: 5})
	if res.Total != 1 {
		t.Errorf("moved facility not found at its new place by text+radius: %d", res.Total)
	}
}

func TestIndexManyChangesCompact(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	all := randomFacilities(rng, 500)
	fx := mustIndex(t, all[:100]...)
	if _, err := fx.store.Import(ctx, slices.Clone(all), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// Move a few hundred by small steps, so the catalog both appends and
	// compacts.
	for i := range all[:300] {
		all[i].Lat += 0.01
	}
	if _, err := fx.store.Import(ctx, slices.Clone(all), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		q := randomQuery(rng)
		if i%3 == 0 {
			q.RadiusKm = 0 // nationwide: counted from the term sets
		}
		want, _, wantFacets := oracle(all, q)
		got, first := allPages(t, fx.index, q)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("query %d after changes (-want +got):\n%s", i, diff)
		}
		if diff := gocmp.Diff(wantFacets, searchtest.FacetMap(first.Facets)); diff != "" || first.Total != len(want) {
			t.Fatalf("query %d after changes: total %d, oracle %d; facets (-want +got):\n%s", i, first.Total, len(want), diff)
		}
	}
}

func TestIndexReopenAndRebuild(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	fx := mustIndex(t, randomFacilities(rng, 200)...)
	q := search.Query{Text: "hope", HasLocation: true, Center: cities[0], RadiusKm: 300}
	want, _ := allPages(t, fx.index, q)
	if len(want) == 0 {
		t.Fatal("query finds nothing; pick another")
	}
	path := filepath.Join(fx.dir, "index")

	if _, err := search.Open(ctx, path, fx.store, directory.DefaultTaxonomy()); err != search.ErrLocked {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	fx.index.Close()
	current, _ := os.ReadFile(filepath.Join(path, "CURRENT"))

	// A write while no index is open is picked up on the next open.
	extra := facility("zz-new", "Hope Extra", cities[0][1], cities[0][0], directory.Services{})
	if err := fx.store.Create(ctx, &extra); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, path, fx.store, directory.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(path, "CURRENT"))
	if string(again) != string(current) {
		t.Errorf("reopen rebuilt the index (%s -> %s)", current, again)
	}
	got, _ := allPages(t, ix, q)
	if !slices.Contains(got, "zz-new") || len(got) != len(want)+1 {
		t.Errorf("after reopen: %d results (want %d + zz-new)", len(got), len(want))
	}
	ix.Close()

	// Damage the Bleve index: the next open rebuilds it from the store.
	os.RemoveAll(filepath.Join(path, strings.TrimSpace(string(current)), "root.bolt"))
	os.WriteFile(filepath.Join(path, strings.TrimSpace(string(current)), "index_meta.json"), []byte("{not json"), 0o644)
	ix, err = search.Open(ctx, path, fx.store, directory.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	got2, _ := allPages(t, ix, q)
	if diff := gocmp.Diff(got, got2); diff != "" {
		t.Errorf("after rebuild (-want +got):\n%s", diff)
	}
	if err := ix.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	got3, _ := allPages(t, ix, q)
	if diff := gocmp.Diff(got, got3); diff != "" {
		t.Errorf("after Rebuild (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(path)
	dirs := 0
	for _, e := range entries {
		if e.IsDir() {
			dirs++
		}
	}
	if dirs != 1 {
		t.Errorf("%d index directories left behind, want 1", dirs)
	}
}

func TestIndexOfAnotherStoreIsRebuilt(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(8, 9))
	fx := mustIndex(t, randomFacilities(rng, 50)...)
	path := filepath.Join(fx.dir, "index")
	fx.index.Close()
	if _, err := os.Stat(filepath.Join(path, "catalog.snap")); err != nil {
		t.Fatalf("no catalog snapshot after Close: %v", err)
	}
	// The operator points the server at a new, smaller store: the index
	// and snapshot, ahead of it, must not be trusted.
	other := mustStore(t, t.TempDir())
	f := facility("only", "Only One", 36, -86, directory.Services{})
	if err := other.Create(ctx, &f); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, path, other, directory.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	res, err := ix.Search(ctx, search.Query{})
	if err != nil || res.Total != 1 || res.Hits[0].Facility.ID != "only" {
		t.Fatalf("after switching stores: %v, %+v", err, res)
	}
}

func TestIndexIgnoresDamagedSnapshot(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(10, 11))
	fx := mustIndex(t, randomFacilities(rng, 300)...)
	q := search.Query{HasLocation: true, Center: cities[1], RadiusKm: 500}
	want, _ := allPages(t, fx.index, q)
	path := filepath.Join(fx.dir, "index")
	fx.index.Close()
	snap := filepath.Join(path, "catalog.snap")
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	os.WriteFile(snap, b, 0o644)
	ix, err := search.Open(ctx, path, fx.store, directory.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	got, _ := allPages(t, ix, q)
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("with a damaged snapshot (-want +got):\n%s", diff)
	}
}

func TestNationwideCountsFollowChanges(t *testing.T) {
	ctx := context.Background()
	fx := mustIndex(t, facility("a", "Alpha", 36.16, -86.78, directory.Services{Care: []string{"detox"}}))
	q := search.Query{HasLocation: true, Center: orb.Point{-100, 40}, Filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}}
	count := func() (int, int) {
		res, err := fx.index.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return res.Total, res.Facets.Count(directory.GroupCare, "detox")
	}
	if total, facet := count(); total != 1 || facet != 1 {
		t.Fatalf("before: total %d facet %d", total, facet)
	}
	b := facility("b", "Bravo", 40, -100, directory.Services{Care: []string{"detox"}})
	if err := fx.store.Create(ctx, &b); err != nil {
		t.Fatal(err)
	}
	fx.index.Sync(ctx)
	if total, facet := count(); total != 2 || facet != 2 {
		t.Errorf("after adding one: total %d facet %d, want 2 2", total, facet)
	}
	fx.store.Delete(ctx, "a")
	fx.index.Sync(ctx)
	if total, facet := count(); total != 1 || facet != 1 {
		t.Errorf("after removing one: total %d facet %d, want 1 1", total, facet)
	}
}

// TestConcurrentSearches runs text, radius and nationwide searches at once
// while the index applies changes; run with -race.
func TestConcurrentSearches(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(12, 13))
	all := randomFacilities(rng, 600)
	fx := mustIndex(t, all[:500]...)
	done := make(chan error, 4)
	for w := range 3 {
		go func() {
			for i := range 60 {
				q := search.Query{HasLocation: true, Center: cities[(w+i)%len(cities)], RadiusKm: 80}
				switch i % 3 {
				case 0:
					q.Text = "hope recovery"
				case 1:
					q.RadiusKm = 0
				}
				if _, err := fx.index.Search(ctx, q); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	go func() {
		_, err := fx.store.Import(ctx, slices.Clone(all), directory.ImportOptions{})
		if err == nil {
			_, err = fx.index.Sync(ctx)
		}
		done <- err
	}()
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestNationwideWithPendingChanges covers nearest-first over a set too big
// to measure whole, while recent changes wait off the grid.
func TestNationwideWithPendingChanges(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 22))
	all := randomFacilities(rng, 3000)
	fx := mustIndex(t, all...)
	for i := range all[:100] { // few enough to stay off the grid until compaction
		all[i].Lat, all[i].Lon = all[i].Lat+0.3, all[i].Lon-0.2
	}
	if _, err := fx.store.Import(ctx, slices.Clone(all[:100]), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	queries := 20
	if testing.Short() {
		queries = 8 // -short runs under the race detector, 5 times slower
	}
	for i := range queries {
		c := cities[i%len(cities)]
		q := search.Query{HasLocation: true, Center: orb.Point{c[0] + rng.NormFloat64(), c[1] + rng.NormFloat64()}, Limit: 1 + rng.IntN(60)}
		want, _, wantFacets := oracle(all, q)
		got, first := allPages(t, fx.index, q)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("query %d (-want +got):\n%s", i, diff)
		}
		if diff := gocmp.Diff(wantFacets, searchtest.FacetMap(first.Facets)); diff != "" {
			t.Fatalf("query %d facets (-want +got):\n%s", i, diff)
		}
	}
}

// TestNearestOracle checks Result.NearestKm where it matters: searches
// that find nothing within a small radius, over a directory large enough
// that the nationwide set without filters is walked on the grid, with
// filters that leave a set measured whole, with recent changes off the
// grid, and with text.
func TestNearestOracle(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(31, 32))
	all := randomFacilities(rng, 3000)
	fx := mustIndex(t, all...)
	for i := range all[:60] { // moved: off the grid until the next compaction
		all[i].Lat, all[i].Lon = all[i].Lat-0.4, all[i].Lon+0.3
	}
	if _, err := fx.store.Import(ctx, slices.Clone(all[:60]), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	tax := directory.DefaultTaxonomy()
	found := 0
	for i := range 60 {
		c := cities[i%len(cities)]
		q := search.Query{HasLocation: true, RadiusKm: 0.5 + rng.Float64()*3, Limit: 5,
			Center:  orb.Point{c[0] + 4*rng.NormFloat64(), c[1] + 3*rng.NormFloat64()},
			Filters: map[directory.Group][]string{}}
		for range i % 3 {
			g := directory.Groups()[rng.IntN(len(directory.Groups()))]
			terms := tax.Terms(g)
			q.Filters[g] = append(q.Filters[g], terms[rng.IntN(len(terms))].Slug)
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			res, err := fx.index.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want, _, _ := oracle(all, q)
			if res.Total != len(want) {
				t.Fatalf("total %d, oracle %d", res.Total, len(want))
			}
			checkNearest(t, all, q, res)
			if res.NearestKm != nil {
				found++
			}
		})
	}
	if found < 30 {
		t.Errorf("only %d of 60 searches had a nearest match: the test does not test much", found)
	}

	// Text: the nearest facility whose name has the word, filters still
	// applying; none when no facility has it.
	for _, tt := range []struct {
		text    string
		filters map[directory.Group][]string
	}{
		{"harbor", nil},
		{"harbor", map[directory.Group][]string{directory.GroupCare: {"detox"}}},
		{"zzzzqqq", nil},
	} {
		q := search.Query{HasLocation: true, Center: orb.Point{-100, 45}, RadiusKm: 5, Text: tt.text, Filters: tt.filters}
		res, err := fx.index.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var named []directory.Facility
		for _, f := range all {
			if strings.Contains(strings.ToLower(f.Name), tt.text) {
				named = append(named, f)
			}
		}
		checkNearest(t, named, q, res)
		if tt.text == "harbor" && res.NearestKm == nil {
			t.Errorf("%q: no nearest", tt.text)
		}
	}
}

// TestDisjunctiveFacets spells disjunctive counting out on a small
// directory: a group's counts ignore its own filter but not the others'.
func TestDisjunctiveFacets(t *testing.T) {
	fx := mustIndex(t,
		facility("a", "Hope Alpha", 36.16, -86.78, directory.Services{Care: []string{"detox"}, Payment: []string{"medicaid"}}),
		facility("b", "Hope Bravo", 36.16, -86.78, directory.Services{Care: []string{"residential-long-term"}, Payment: []string{"medicaid"}}),
		facility("c", "Hope Charlie", 36.16, -86.78, directory.Services{Care: []string{"standard-outpatient"}, Payment: []string{"self-pay"}}),
		facility("d", "Hope Delta", 36.16, -86.78, directory.Services{Care: []string{"detox"}, Payment: []string{"self-pay"}}),
		facility("far", "Hope Far", 40, -100, directory.Services{Care: []string{"detox"}, Payment: []string{"medicaid"}}),
	)
	nash := orb.Point{-86.78, 36.16}
	tests := []struct {
		name    string
		filters map[directory.Group][]string
		radius  float64
		total   int
		care    map[string]int
		payment map[string]int
	}{
		{"no filter", nil, 50, 4,
			map[string]int{"detox": 2, "inpatient": 1, "residential": 1, "residential-long-term": 1, "outpatient": 1, "standard-outpatient": 1},
			map[string]int{"medicaid": 2, "self-pay": 2}},
		{"care=detox: care counted without it, payment with it", map[directory.Group][]string{directory.GroupCare: {"detox"}}, 50, 2,
			map[string]int{"detox": 2, "inpatient": 1, "residential": 1, "residential-long-term": 1, "outpatient": 1, "standard-outpatient": 1},
			map[string]int{"medicaid": 1, "self-pay": 1}},
		{"care and payment: each counted with the other's filter only", map[directory.Group][]string{directory.GroupCare: {"detox"}, directory.GroupPayment: {"medicaid"}}, 50, 1,
			map[string]int{"detox": 1, "inpatient": 1, "residential": 1, "residential-long-term": 1},
			map[string]int{"medicaid": 1, "self-pay": 1}},
		{"nationwide", map[directory.Group][]string{directory.GroupCare: {"detox"}, directory.GroupPayment: {"medicaid"}}, 0, 2,
			map[string]int{"detox": 2, "inpatient": 1, "residential": 1, "residential-long-term": 1},
			map[string]int{"medicaid": 2, "self-pay": 1}},
	}
	nonZero := func(m map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range m {
			if v != 0 {
				out[k] = v
			}
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, text := range []string{"", "hope"} { // the catalog alone, and with Bleve's text matches
				res, err := fx.index.Search(context.Background(), search.Query{HasLocation: true, Center: nash, RadiusKm: tt.radius, Filters: tt.filters, Text: text})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != tt.total {
					t.Errorf("total %d, want %d", res.Total, tt.total)
				}
				if diff := gocmp.Diff(tt.care, nonZero(searchtest.FacetMap(res.Facets)[directory.GroupCare])); diff != "" {
					t.Errorf("care facets (-want +got):\n%s", diff)
				}
				if diff := gocmp.Diff(tt.payment, nonZero(searchtest.FacetMap(res.Facets)[directory.GroupPayment])); diff != "" {
					t.Errorf("payment facets (-want +got):\n%s", diff)
				}
			}
		})
	}
}
