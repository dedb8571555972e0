package bench

import (
	"math/bits"
	"slices"
	"sort"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// termSet is a set of taxonomy terms as bits, numbered by a termIndex.
type termSet [4]uint64

func (s *termSet) add(bit int)                { s[bit>>6] |= 1 << (bit & 63) }
func (s *termSet) has(bit int) bool           { return s[bit>>6]&(1<<(bit&63)) != 0 }
func (s *termSet) intersects(o *termSet) bool { return s[0]&o[0]|s[1]&o[1]|s[2]&o[2]|s[3]&o[3] != 0 }

// termIndex numbers the taxonomy's terms in the taxonomy's order, which is
// also the order of facet counts in an Answer.
type termIndex struct {
	tax   *directory.Taxonomy
	refs  []directory.TermRef
	bit   map[directory.TermRef]int
	group map[directory.Group][]int // the bits of each group
	// layout numbers the terms as a search.Result's facets do.
	layout *search.FacetLayout
}

func newTermIndex(tax *directory.Taxonomy) *termIndex {
	ti := &termIndex{tax: tax, bit: map[directory.TermRef]int{}, group: map[directory.Group][]int{}, layout: search.NewFacetLayout(tax)}
	for _, t := range tax.Terms("") {
		ref := directory.TermRef{Group: t.Group, Slug: t.Slug}
		ti.bit[ref] = len(ti.refs)
		ti.group[t.Group] = append(ti.group[t.Group], len(ti.refs))
		ti.refs = append(ti.refs, ref)
	}
	if len(ti.refs) > len(termSet{})*64 {
		panic("bench: the taxonomy has more terms than termSet holds")
	}
	return ti
}

// expanded returns a facility's terms together with all their ancestors:
// what a facet counts and what a filter on a parent term matches.
func (ti *termIndex) expanded(f *directory.Facility) termSet {
	var s termSet
	for _, g := range directory.Groups() {
		for _, slug := range f.Services.Get(g) {
			for _, a := range ti.tax.Ancestors(g, slug) {
				if b, ok := ti.bit[directory.TermRef{Group: g, Slug: a}]; ok {
					s.add(b)
				}
			}
		}
	}
	return s
}

// countInto adds one to counts[b] for every bit b of s.
func (s *termSet) countInto(counts []int) {
	for w, word := range s {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			counts[w*64+b]++
			word &= word - 1
		}
	}
}

// groupSets returns the bits of each group that filters has a filter for,
// in display order: beside the masks of filterMasks or oracle.masks.
func (ti *termIndex) groupSets(filters map[directory.Group][]string) []termSet {
	var out []termSet
	for _, g := range directory.Groups() {
		if len(filters[g]) == 0 {
			continue
		}
		var s termSet
		for _, b := range ti.group[g] {
			s.add(b)
		}
		out = append(out, s)
	}
	return out
}

// countDisjunctive counts a facility's terms t into counts the way the
// service counts facets (disjunctively): every term when t passes every
// mask, only the terms of the group whose mask it fails when it fails
// exactly one (groups[k] holds the bits of masks[k]'s group), nothing
// otherwise. It reports whether t passes every mask.
func countDisjunctive(t *termSet, masks, groups []termSet, counts []int) bool {
	miss := -1
	for k := range masks {
		if !t.intersects(&masks[k]) {
			if miss >= 0 {
				return false
			}
			miss = k
		}
	}
	if miss < 0 {
		t.countInto(counts)
		return true
	}
	g := &groups[miss]
	only := termSet{t[0] & g[0], t[1] & g[1], t[2] & g[2], t[3] & g[3]}
	only.countInto(counts)
	return false
}

// facets turns per-bit counts into a Result's facets: every term of every
// group, 0 when nothing matched.
func (ti *termIndex) facets(counts []int) (search.Facets, error) {
	f := ti.layout.NewFacets()
	for b, ref := range ti.refs {
		if err := f.Set(ref.Group, ref.Slug, counts[b]); err != nil {
			return search.Facets{}, err
		}
	}
	return f, nil
}

// facetVector writes a Result's facets into dst, in termIndex order; a
// term the facets lack is left as it is.
func (ti *termIndex) facetVector(dst []int32, facets search.Facets) {
	for _, g := range directory.Groups() {
		terms, counts := facets.Group(g)
		for k, ref := range terms {
			if b, ok := ti.bit[ref]; ok {
				dst[b] = int32(counts[k])
			}
		}
	}
}

// latOrder lists points by latitude, so that a search within a radius
// visits only the band of latitudes the circle spans.
type latOrder struct {
	idx  []int32   // point indices, by latitude
	lats []float64 // their latitudes, ascending
}

func newLatOrder(pts []orb.Point) *latOrder {
	lo := &latOrder{idx: make([]int32, len(pts)), lats: make([]float64, len(pts))}
	for i := range pts {
		lo.idx[i] = int32(i)
	}
	slices.SortFunc(lo.idx, func(a, b int32) int {
		switch {
		case pts[a][1] < pts[b][1]:
			return -1
		case pts[a][1] > pts[b][1]:
			return 1
		}
		return int(a - b)
	})
	for i, j := range lo.idx {
		lo.lats[i] = pts[j][1]
	}
	return lo
}

// band returns the indices of the points whose latitude is within span
// degrees of lat; span < 0 means all of them.
func (lo *latOrder) band(lat, span float64) []int32 {
	if span < 0 {
		return lo.idx
	}
	from := sort.SearchFloat64s(lo.lats, lat-span)
	to := sort.SearchFloat64s(lo.lats, lat+span+1e-12)
	return lo.idx[from:to]
}
