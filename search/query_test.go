package search

import (
	"fmt"
	"hash/fnv"
	"math"
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
