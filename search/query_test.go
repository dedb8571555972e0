package search

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
)

// fingerprintFmt is the fingerprint as it was first written, with fmt:
// fingerprint must hash the same bytes, so that cursors given out stay
// good across the change.
func fingerprintFmt(q *Query) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%v|%.9f|%.9f|%.9f|%s|%s|", q.HasLocation, q.Center[0], q.Center[1], q.RadiusKm, q.Text, q.Sort)
	for _, g := range directory.Groups() {
		fmt.Fprintf(h, "%s=%s;", g, strings.Join(q.Filters[g], ","))
	}
	if q.Region != nil {
		fmt.Fprintf(h, "region=%x;", q.Region.id)
	}
	return h.Sum64()
}

func TestFingerprint(t *testing.T) {
	var many []string
	for i := range MaxFilterTerms {
		many = append(many, fmt.Sprintf("some-rather-long-slug-%02d", i))
	}
	square := orb.MultiPolygon{{{{-87, 36}, {-86, 36}, {-86, 37}, {-87, 37}, {-87, 36}}}}
	for _, tt := range []struct {
		name string
		q    Query
	}{
		{"zero", Query{}},
		{"typical", Query{HasLocation: true, Center: orb.Point{-86.78160, 36.16270}, RadiusKm: 40.2336, Sort: SortDistance, Limit: 20,
			Filters: map[directory.Group][]string{directory.GroupCare: {"detox", "inpatient"}, directory.GroupPayment: {"medicaid"}}}},
		{"text", Query{Text: "hope <house> & \"recovery\" ñ \u2028", Sort: SortRelevance}},
		{"odd numbers", Query{HasLocation: true, Center: orb.Point{math.Copysign(0, -1), -1e-10}, RadiusKm: 1e21}},
		{"not numbers", Query{Center: orb.Point{math.NaN(), math.Inf(1)}, RadiusKm: math.Inf(-1)}},
		{"every group", Query{Filters: map[directory.Group][]string{directory.GroupCare: {"a"}, directory.GroupTherapy: {"b"},
			directory.GroupMedication: {"c"}, directory.GroupPayment: {"d"}, directory.GroupPopulation: {"e"},
			directory.GroupGender: {"f"}, directory.GroupLanguage: {"g", "h"}}}},
		{"empty filter", Query{Filters: map[directory.Group][]string{directory.GroupCare: {}}}},
		{"longer than the stack buffer", Query{Text: strings.Repeat("x", MaxTextLength), Filters: map[directory.Group][]string{directory.GroupCare: many}}},
		{"region", Query{Region: NewRegion([]string{"tn", "KY"}, square)}},
		{"empty region", Query{Region: NewRegion(nil, nil)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.q.fingerprint(), fingerprintFmt(&tt.q); got != want {
				t.Errorf("fingerprint %#x, want %#x", got, want)
			}
		})
	}
	// Queries that differ must still differ.
	a := Query{HasLocation: true, Filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}}
	b := Query{HasLocation: true, Filters: map[directory.Group][]string{directory.GroupTherapy: {"detox"}}}
	if a.fingerprint() == b.fingerprint() {
		t.Error("the same slug in two groups gives one fingerprint")
	}
}

// TestTopKSorted checks that topK keeps the k best of what it is offered,
// best first, as sorting everything and taking the first k would.
func TestTopKSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	order := func(a, b *match) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	}
	for _, tt := range []struct {
		name    string
		k, n    int
		spreadD int // distances from 0 to spreadD-1: small means many ties
	}{
		{"none", 5, 0, 10},
		{"fewer than k", 21, 7, 100},
		{"exactly k", 21, 21, 100},
		{"many", 21, 500, 1000},
		{"many ties", 21, 500, 3},
		{"k of one", 1, 50, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all := make([]match, tt.n)
			for i := range all {
				all[i] = match{i: int32(i), dist: float64(rng.IntN(tt.spreadD))}
			}
			rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			top := newTopK(tt.k, order)
			for _, m := range all {
				top.push(m)
			}
			got := top.sorted()
			want := slices.Clone(all)
			slices.SortFunc(want, func(a, b match) int { return order(&a, &b) })
			want = want[:min(tt.k, len(want))]
			if !slices.Equal(got, want) {
				t.Errorf("kept %v, want %v", got, want)
			}
		})
	}
}

// TestNumGroups keeps filterSet's array as long as the taxonomy's list of
// groups (were it shorter, filters would still work, allocating).
func TestNumGroups(t *testing.T) {
	if n := len(directory.Groups()); n != numGroups {
		t.Errorf("numGroups is %d; directory.Groups has %d", numGroups, n)
	}
}
