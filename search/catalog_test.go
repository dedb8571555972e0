package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
)

// TestCatalogIDClash makes every id hash alike: lookups must still find
// each facility by its own id, through removals, re-adds and compaction.
func TestCatalogIDClash(t *testing.T) {
	tests := []struct {
		name string
		hash func(string) uint64
	}{
		{"every id clashes", func(string) uint64 { return 7 }},
		{"pairs clash", func(id string) uint64 { return uint64(len(id)) }},
		{"no clash", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := newCatalog(newTermBits(directory.DefaultTaxonomy()))
			cat.hashID = tt.hash
			add := func(id, name string) {
				cat.apply(&directory.Facility{ID: id, Name: name, Active: true, Lat: 40, Lon: -74})
			}
			want := map[string]string{}
			for i := range 20 {
				id := fmt.Sprintf("f%d", i)
				add(id, "Place "+id)
				want[id] = "Place " + id
			}
			check := func(when string) {
				t.Helper()
				for id, name := range want {
					f, ok := cat.get(id)
					if !ok || f.ID != id || f.Name != name {
						t.Fatalf("%s: get(%s) = %+v, %v; want name %q", when, id, f, ok, name)
					}
				}
				for _, id := range []string{"f1", "f3", "nope"} {
					if _, ok := want[id]; ok {
						continue
					}
					if f, ok := cat.get(id); ok {
						t.Fatalf("%s: get(%s) found %s", when, id, f.ID)
					}
				}
				if cat.live != len(want) {
					t.Fatalf("%s: live %d, want %d", when, cat.live, len(want))
				}
			}
			check("added")
			for _, id := range []string{"f1", "f3", "f10"} {
				cat.apply(&directory.Facility{ID: id})
				delete(want, id)
			}
			check("removed")
			add("f10", "Back again")
			add("f2", "Renamed")
			want["f10"], want["f2"] = "Back again", "Renamed"
			check("re-added")
			cat = cat.compacted()
			check("compacted")
			add("f3", "New")
			want["f3"] = "New"
			check("added after compaction")
		})
	}
}

// TestArenaRecords writes records across chunks (one larger than a chunk)
// and reads every field back; a cut record is refused.
func TestArenaRecords(t *testing.T) {
	tb := newTermBits(directory.DefaultTaxonomy())
	sums := []summary{
		{},
		{name: "Clínica «Sol»", alternates: []string{"A", "", "C"}, address: directory.Address{Lines: []string{"1 Main St"}, City: "Ponce", State: "PR", ZIP: "00716"},
			phones: directory.Phones{Intake: "1", Main: "2", Hotline: "3"}, website: "https://example.org", source: "s", sourceID: "9", lastVerified: "2026-01-01"},
		{name: strings.Repeat("x", arenaChunkMax+10)},
	}
	sums[1].own.add(0)
	sums[1].own.add(len(tb.terms) - 1)
	var a arena
	type stored struct {
		id  string
		sum summary
		ref uint64
	}
	var all []stored
	for i := range 3000 {
		s := sums[i%len(sums)]
		if i%len(sums) == 2 && i > 2 {
			s = sums[1] // one huge record is enough
		}
		id := fmt.Sprintf("id-%d", i)
		all = append(all, stored{id, s, a.add(func(b []byte) []byte { return appendRecord(b, id, &s) })})
	}
	if len(a.chunks) < 3 {
		t.Fatalf("%d chunks: the test should cross chunks", len(a.chunks))
	}
	cat := &catalog{bits: tb, arena: a}
	var arr facilityArrays // shared by every record, as by a page of hits
	for i, st := range all {
		cat.entries = append(cat.entries, entry{rec: st.ref})
		id, got := cat.summary(i, &arr)
		if id != st.id || cat.id(i) != st.id || cat.name(i) != st.sum.name || cat.nameKey(i) != sortName(st.sum.name) || cat.state(i) != st.sum.address.State {
			t.Fatalf("record %d: id %q name %q", i, id, cat.name(i))
		}
		if diff := cmp.Diff(st.sum, got, cmp.AllowUnexported(summary{}), cmp.Comparer(func(a, b []string) bool {
			return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
		})); diff != "" {
			t.Fatalf("record %d (-want +got):\n%s", i, diff)
		}
		rec := a.record(st.ref)
		if !validRecord(rec, 16) || recordTerms(rec) != st.sum.own {
			t.Fatalf("record %d refused", i)
		}
		if i < 3 && validRecord(rec[:len(rec)-1], 16) {
			t.Fatalf("record %d cut short went unnoticed", i)
		}
	}
}

// TestCountAllCache checks that countAll's memo never outlives a change:
// after every add or removal its answer equals a fresh count.
func TestCountAllCache(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	cat := newCatalog(newTermBits(tax))
	q := &Query{Filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}}
	filters := cat.bits.filters(q)
	steps := []struct {
		name string
		f    directory.Facility
	}{
		{"add a detox", directory.Facility{ID: "a", Active: true}},
		{"add another", directory.Facility{ID: "b", Active: true}},
		{"remove one", directory.Facility{ID: "a"}},
		{"re-add it elsewhere", directory.Facility{ID: "a", Active: true, Lat: 1}},
	}
	for _, st := range steps {
		f := st.f
		if f.Active {
			f.Services.Add(directory.GroupCare, "detox")
		}
		cat.countAll(filters) // fill the memo
		cat.apply(&f)
		total, counts, set := cat.countAll(filters)
		wantTotal, wantCounts, wantSet := cat.countAllNow(filters)
		if total != wantTotal || !slices.Equal(counts, wantCounts) || !slices.Equal(set, wantSet) {
			t.Fatalf("%s: memo says %d, a fresh count %d", st.name, total, wantTotal)
		}
	}
	if total, _, _ := cat.countAll(filters); total != 2 {
		t.Fatalf("total %d, want 2", total)
	}
}

// TestFacilitiesBatch checks that a page's Facilities, made together in
// shared arrays, equal the ones made one at a time, and that appending to
// one's lists leaves the others' alone.
func TestFacilitiesBatch(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	cat := newCatalog(newTermBits(tax))
	for i := range 40 {
		f := directory.Facility{ID: fmt.Sprintf("f%02d", i), Name: fmt.Sprintf("Place %d", i), Active: true, Lat: 36, Lon: -86}
		for range i % 3 {
			f.AlternateNames = append(f.AlternateNames, fmt.Sprintf("alt %d.%d", i, len(f.AlternateNames)))
		}
		for range i % 4 {
			f.Address.Lines = append(f.Address.Lines, fmt.Sprintf("line %d.%d", i, len(f.Address.Lines)))
		}
		for k, g := range directory.Groups() {
			terms := tax.Terms(g)
			for j := range (i + k) % 5 {
				f.Services.Add(g, terms[(i*7+j*3)%len(terms)].Slug)
			}
		}
		cat.apply(&f)
	}
	for _, tt := range []struct {
		name string
		pos  []int32
	}{
		{"one", []int32{5}},
		{"a page", []int32{3, 0, 39, 12, 7, 8, 21, 22, 30, 1}},
		{"every one", func() []int32 {
			var all []int32
			for i := range cat.entries {
				all = append(all, int32(i))
			}
			return all
		}()},
		{"none", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page := make([]match, len(tt.pos))
			for k, i := range tt.pos {
				page[k] = match{i: i}
			}
			fs := cat.facilities(page, nil)
			if len(fs) != len(tt.pos) {
				t.Fatalf("%d facilities for %d matches", len(fs), len(tt.pos))
			}
			for k, i := range tt.pos {
				if diff := cmp.Diff(cat.facility(int(i)), &fs[k]); diff != "" {
					t.Errorf("entry %d (-alone +batch):\n%s", i, diff)
				}
				for _, g := range directory.Groups() {
					if fs[k].Services.Get(g) == nil {
						t.Errorf("entry %d: %s is nil, want an empty list", i, g)
					}
				}
			}
			// Appending to one facility's lists must not write into the next's.
			for k := range fs {
				fs[k].Services.Care = append(fs[k].Services.Care, "scribble")
				fs[k].AlternateNames = append(fs[k].AlternateNames, "scribble")
				fs[k].Address.Lines = append(fs[k].Address.Lines, "scribble")
			}
			for k, i := range tt.pos {
				want := cat.facility(int(i))
				got := fs[k]
				got.Services.Care = got.Services.Care[:len(got.Services.Care)-1]
				got.AlternateNames = got.AlternateNames[:len(got.AlternateNames)-1]
				got.Address.Lines = got.Address.Lines[:len(got.Address.Lines)-1]
				if diff := cmp.Diff(want, &got, cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })); diff != "" {
					t.Errorf("entry %d after appends to the others (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// TestCatalogInGridOrder: a finished catalog lays its entries out in the
// order its grid stores their points (so a query reads them one after the
// other), every id still finds its own facility and point, and a catalog
// loaded in that order again is used as it is, not copied.
func TestCatalogInGridOrder(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	cat := newCatalog(newTermBits(tax))
	var fs []directory.Facility
	for i := range 2000 {
		f := directory.Facility{ID: fmt.Sprintf("g%04d", i), Name: fmt.Sprintf("Place %d", i), Active: true,
			Lat: 30 + float64(i*7919%2000)/100, Lon: -120 + float64(i*104729%4000)/100}
		fs = append(fs, f)
		cat.apply(&f)
	}
	c := cat.finished()
	if !c.grid.InOrder(len(c.entries)) {
		t.Fatal("finished catalog not in the grid's order")
	}
	for _, f := range fs {
		i, ok := c.lookup(f.ID)
		if !ok {
			t.Fatalf("%s lost", f.ID)
		}
		if e := c.entries[i]; e.pt[0] != f.Lon || e.pt[1] != f.Lat || c.name(int(i)) != f.Name {
			t.Fatalf("%s: entry %d holds %v %q", f.ID, i, e.pt, c.name(int(i)))
		}
	}
	again := newCatalog(c.bits)
	for i := range c.entries {
		f := c.facility(i)
		again.apply(f)
	}
	if got := again.finished(); got != again {
		t.Fatal("a catalog already in the grid's order was copied")
	}
}
