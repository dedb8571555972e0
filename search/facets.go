package search

import (
	"fmt"

	"github.com/carefinder/carefinder/directory"
)

// FacetLayout numbers a taxonomy's terms for facet counts: group by group in
// display order (directory.Groups), each group's terms in the taxonomy's
// order. A term's number is its position in a Facets' counts; the index
// numbers its term bits the same way. A layout never changes once made, and
// may be shared by any number of goroutines.
type FacetLayout struct {
	tax   *directory.Taxonomy
	pos   map[directory.TermRef]int
	terms []directory.TermRef
	runs  []groupRun
}

// NewFacetLayout numbers tax's terms. Make one per taxonomy and keep it:
// building it costs a map of every term.
func NewFacetLayout(tax *directory.Taxonomy) *FacetLayout {
	l := &FacetLayout{tax: tax, pos: map[directory.TermRef]int{}}
	for _, g := range directory.Groups() {
		first := len(l.terms)
		for _, t := range tax.Terms(g) {
			ref := directory.TermRef{Group: t.Group, Slug: t.Slug}
			l.pos[ref] = len(l.terms)
			l.terms = append(l.terms, ref)
		}
		l.runs = append(l.runs, groupRun{g, first, len(l.terms)})
	}
	return l
}

// Taxonomy returns the taxonomy whose terms l numbers.
func (l *FacetLayout) Taxonomy() *directory.Taxonomy { return l.tax }

// Len returns the number of terms.
func (l *FacetLayout) Len() int { return len(l.terms) }

// Position returns the number of term g/slug, and false when the taxonomy
// has no such term.
func (l *FacetLayout) Position(g directory.Group, slug string) (int, bool) {
	i, ok := l.pos[directory.TermRef{Group: g, Slug: slug}]
	return i, ok
}

// Term returns term number i, which must be less than Len.
func (l *FacetLayout) Term(i int) directory.TermRef { return l.terms[i] }

// NewFacets returns counts of 0 for every term of l, for the caller to
// fill in (Facets.Set).
func (l *FacetLayout) NewFacets() Facets {
	return Facets{layout: l, counts: make([]int, len(l.terms))}
}

// group returns g's run of terms.
func (l *FacetLayout) group(g directory.Group) (first, end int) {
	for _, r := range l.runs {
		if r.group == g {
			return r.first, r.end
		}
	}
	return 0, 0
}

// Facets holds a search's facet counts: one count for every term of a
// taxonomy, in a flat slice numbered by a FacetLayout, where a map per group
// cost a search dozens of allocations. The zero value has no terms: every
// count is 0.
//
// A Facets is a small value that refers to its counts: copies share them.
// Treat the Facets of a Result as read-only.
type Facets struct {
	layout *FacetLayout
	counts []int
}

// Layout returns the numbering of f's terms; nil for the zero value.
func (f Facets) Layout() *FacetLayout { return f.layout }

// Count returns the count of term g/slug: 0 for a term the layout lacks.
// It looks the term up by name; to visit every term, Group is cheaper.
func (f Facets) Count(g directory.Group, slug string) int {
	if f.layout == nil {
		return 0
	}
	if i, ok := f.layout.Position(g, slug); ok {
		return f.counts[i]
	}
	return 0
}

// Group returns g's terms, in the taxonomy's order, and their counts:
// counts[i] is the count of terms[i]. Both are nil for a group the layout
// lacks. The slices are f's own: read them only.
func (f Facets) Group(g directory.Group) (terms []directory.TermRef, counts []int) {
	if f.layout == nil {
		return nil, nil
	}
	first, end := f.layout.group(g)
	if first == end {
		return nil, nil
	}
	return f.layout.terms[first:end:end], f.counts[first:end:end]
}

// Set sets the count of term g/slug. It fails for a term the layout lacks,
// and on the zero value.
func (f Facets) Set(g directory.Group, slug string, n int) error {
	if f.layout == nil {
		return fmt.Errorf("set facet %s/%s: no layout", g, slug)
	}
	i, ok := f.layout.Position(g, slug)
	if !ok {
		return fmt.Errorf("set facet %s/%s: the taxonomy has no such term", g, slug)
	}
	f.counts[i] = n
	return nil
}

// TermSet is a set of a taxonomy's terms, numbered by a FacetLayout: the
// terms a hit's facility lists (Hit.Terms). The zero value is empty and
// has no layout.
type TermSet struct {
	layout *FacetLayout
	set    termSet
}

// Layout returns the numbering of s's terms; nil for the zero value.
func (s TermSet) Layout() *FacetLayout { return s.layout }

// Words returns s as bits: term i is bit i%64 of word i/64. Visiting the
// set bits of the words in order is the quickest way through the terms.
func (s TermSet) Words() [4]uint64 { return s.set }

// Next returns the smallest term number at least from that s holds, or -1
// when it holds none: for i := s.Next(0); i >= 0; i = s.Next(i + 1) visits
// them all, in order.
func (s TermSet) Next(from int) int {
	if from >= len(s.set)*64 {
		return -1
	}
	return s.set.next(max(from, 0))
}
