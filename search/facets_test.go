package search_test

import (
	"context"
	"math/rand/v2"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// TestFacetLayout checks the numbering of terms: group by group in display
// order, each group's terms in the taxonomy's order, every term once.
func TestFacetLayout(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	l := search.NewFacetLayout(tax)
	if l.Taxonomy() != tax {
		t.Error("Taxonomy is not the one given")
	}
	want := 0
	for _, g := range directory.Groups() {
		for _, term := range tax.Terms(g) {
			got, ok := l.Position(g, term.Slug)
			if !ok || got != want {
				t.Errorf("Position(%s, %s) = %d, %v; want %d, true", g, term.Slug, got, ok, want)
			}
			want++
		}
	}
	if l.Len() != want || l.Len() != len(tax.Terms("")) {
		t.Errorf("Len %d, want %d (every term of the taxonomy)", l.Len(), want)
	}
	for _, tt := range []struct {
		name  string
		group directory.Group
		slug  string
	}{
		{"unknown slug", directory.GroupCare, "no-such-care"},
		{"unknown group", "no-such-group", "detox"},
		{"slug of another group", directory.GroupPayment, "detox"},
	} {
		if _, ok := l.Position(tt.group, tt.slug); ok {
			t.Errorf("%s: Position(%s, %s) found a term", tt.name, tt.group, tt.slug)
		}
	}
}

// TestFacets checks that counts set by name read back by name and by
// group, and that the zero value reads as all zeros.
func TestFacets(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	l := search.NewFacetLayout(tax)
	f := l.NewFacets()
	// Every term gets its own count.
	want := map[directory.Group]map[string]int{}
	n := 1
	for _, g := range directory.Groups() {
		want[g] = map[string]int{}
		for _, term := range tax.Terms(g) {
			if err := f.Set(g, term.Slug, n); err != nil {
				t.Fatalf("Set(%s, %s): %v", g, term.Slug, err)
			}
			want[g][term.Slug] = n
			n++
		}
	}
	got := map[directory.Group]map[string]int{}
	for _, g := range directory.Groups() {
		terms, counts := f.Group(g)
		if len(terms) != len(counts) || len(terms) != len(tax.Terms(g)) {
			t.Fatalf("Group(%s): %d terms, %d counts; want %d of each", g, len(terms), len(counts), len(tax.Terms(g)))
		}
		got[g] = map[string]int{}
		for i, ref := range terms {
			if ref.Group != g || ref.Slug != tax.Terms(g)[i].Slug {
				t.Errorf("Group(%s) term %d is %v, want %s in the taxonomy's order", g, i, ref, tax.Terms(g)[i].Slug)
			}
			got[g][ref.Slug] = counts[i]
			if c := f.Count(g, ref.Slug); c != counts[i] {
				t.Errorf("Count(%s, %s) = %d, Group says %d", g, ref.Slug, c, counts[i])
			}
		}
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-set +read):\n%s", diff)
	}

	for _, tt := range []struct {
		name   string
		f      search.Facets
		group  directory.Group
		slug   string
		setErr bool
	}{
		{"unknown slug", f, directory.GroupCare, "no-such-care", true},
		{"unknown group", f, "no-such-group", "detox", true},
		{"zero value", search.Facets{}, directory.GroupCare, "detox", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if c := tt.f.Count(tt.group, tt.slug); c != 0 {
				t.Errorf("Count = %d, want 0", c)
			}
			if err := tt.f.Set(tt.group, tt.slug, 7); (err != nil) != tt.setErr {
				t.Errorf("Set: error %v, want one: %v", err, tt.setErr)
			}
		})
	}
	if terms, counts := (search.Facets{}).Group(directory.GroupCare); terms != nil || counts != nil {
		t.Errorf("zero value's Group = %v, %v; want nil, nil", terms, counts)
	}
	if terms, _ := f.Group("no-such-group"); terms != nil {
		t.Errorf("Group of an unknown group = %v, want nil", terms)
	}
}

// TestHitTerms checks that every hit's Terms name, through the result's
// layout, exactly the terms its Facility.Services lists, in the same
// order.
func TestHitTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	fx := mustIndex(t, randomFacilities(rng, 400)...)
	hits := 0
	for range 40 {
		q := randomQuery(rng)
		q.Limit = 50
		res, err := fx.index.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			hits++
			if h.Terms.Layout() != res.Facets.Layout() {
				t.Fatalf("%s: Terms numbered by another layout than the facets'", h.Facility.ID)
			}
			got := directory.Services{}
			for i := h.Terms.Next(0); i >= 0; i = h.Terms.Next(i + 1) {
				ref := h.Terms.Layout().Term(i)
				got.Set(ref.Group, append(got.Get(ref.Group), ref.Slug))
			}
			want := h.Facility.Services
			for _, g := range directory.Groups() {
				if len(want.Get(g)) == 0 {
					want.Set(g, nil)
				}
			}
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("%s: terms (-Services +Terms):\n%s", h.Facility.ID, diff)
			}
		}
	}
	if hits < 100 {
		t.Fatalf("only %d hits: the queries test too little", hits)
	}
}

// TestTermSetNext checks Next on sets of bits in every word, at the
// edges of words, and past the end.
func TestTermSetNext(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	l := search.NewFacetLayout(tax)
	for _, tt := range []struct {
		name string
		bits []int
	}{
		{"empty", nil},
		{"first", []int{0}},
		{"last of a word and first of the next", []int{63, 64}},
		{"every word", []int{1, 70, 130, 255}},
		{"last", []int{255}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := search.NewTermSet(l, tt.bits...)
			var got []int
			for i := s.Next(0); i >= 0; i = s.Next(i + 1) {
				got = append(got, i)
			}
			if diff := gocmp.Diff(tt.bits, got); diff != "" {
				t.Errorf("visited (-want +got):\n%s", diff)
			}
			for from := -1; from <= 300; from++ {
				want := -1
				for _, b := range tt.bits {
					if b >= from {
						want = b
						break
					}
				}
				if from < 0 && len(tt.bits) > 0 {
					want = tt.bits[0]
				}
				if got := s.Next(from); got != want {
					t.Errorf("Next(%d) = %d, want %d", from, got, want)
				}
			}
		})
	}
}
