package bench

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// scan is the brute-force baseline: every query visits every facility,
// tests the filters, then takes the haversine distance of those that pass.
type scan struct {
	offsetPager
	tax   *directory.Taxonomy
	terms *termIndex
	items []scanItem
}

type scanItem struct {
	f     *directory.Facility
	pt    orb.Point
	terms termSet // expanded with ancestors
}

func newScan(ds *Dataset, tax *directory.Taxonomy) *scan {
	s := &scan{tax: tax, terms: newTermIndex(tax), items: make([]scanItem, len(ds.Facilities))}
	for i := range ds.Facilities {
		f := &ds.Facilities[i]
		s.items[i] = scanItem{f: f, pt: orb.Point{f.Lon, f.Lat}, terms: s.terms.expanded(f)}
	}
	return s
}

func (s *scan) Name() string { return EngineScan }
func (s *scan) Close() error { return nil }

// filterMasks expands each asked slug to its descendants: one mask per
// group asked, OR within it, AND across masks.
func filterMasks(ti *termIndex, filters map[directory.Group][]string) []termSet {
	var masks []termSet
	for _, g := range directory.Groups() {
		if len(filters[g]) == 0 {
			continue
		}
		var m termSet
		for _, slug := range filters[g] {
			for _, d := range ti.tax.Descendants(g, slug) {
				m.add(ti.bit[directory.TermRef{Group: g, Slug: d}])
			}
		}
		masks = append(masks, m)
	}
	return masks
}

func (s *scan) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if err := q.Normalize(s.tax); err != nil {
		return nil, err
	}
	if q.Text != "" || q.Sort != search.SortDistance {
		return nil, errUnsupported
	}
	offset, err := parseOffsetCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	masks := filterMasks(s.terms, q.Filters)
	groups := s.terms.groupSets(q.Filters)
	counts := make([]int, len(s.terms.refs))
	top := &hitHeap{k: offset + q.Limit + 1} // one more, to know whether a next page exists
	total := 0
	for i := range s.items {
		it := &s.items[i]
		d := geo.DistanceKm(q.Center, it.pt)
		if q.RadiusKm > 0 && d > q.RadiusKm {
			continue
		}
		// Facets are disjunctive: a facility that fails one group's
		// filter still counts in that group.
		if !countDisjunctive(&it.terms, masks, groups, counts) {
			continue
		}
		total++
		top.offer(scored{f: it.f, d: d})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	page := top.sorted()
	facets, err := s.terms.facets(counts)
	if err != nil {
		return nil, err
	}
	res := &search.Result{Total: total, Facets: facets}
	for i := offset; i < min(offset+q.Limit, len(page)); i++ {
		res.Hits = append(res.Hits, search.Hit{Facility: page[i].f, DistanceKm: page[i].d})
	}
	if len(page) > offset+q.Limit {
		res.NextCursor = offsetCursor(offset + q.Limit)
	}
	return res, nil
}

// scored is a facility and its distance.
type scored struct {
	f *directory.Facility
	d float64
}

func lessScored(a, b scored) int {
	if c := cmp.Compare(a.d, b.d); c != 0 {
		return c
	}
	return strings.Compare(a.f.ID, b.f.ID)
}

// hitHeap keeps the k nearest hits offered: a max-heap on (distance, id).
type hitHeap struct {
	k int
	h []scored
}

func (t *hitHeap) Len() int           { return len(t.h) }
func (t *hitHeap) Less(i, j int) bool { return lessScored(t.h[i], t.h[j]) > 0 }
func (t *hitHeap) Swap(i, j int)      { t.h[i], t.h[j] = t.h[j], t.h[i] }
func (t *hitHeap) Push(x any)         { t.h = append(t.h, x.(scored)) }
func (t *hitHeap) Pop() any {
	x := t.h[len(t.h)-1]
	t.h = t.h[:len(t.h)-1]
	return x
}

func (t *hitHeap) offer(s scored) {
	switch {
	case len(t.h) < t.k:
		heap.Push(t, s)
	case lessScored(s, t.h[0]) < 0:
		t.h[0] = s
		heap.Fix(t, 0)
	}
}

// sorted returns the kept hits nearest first.
func (t *hitHeap) sorted() []scored {
	out := slices.Clone(t.h)
	slices.SortFunc(out, lessScored)
	return out
}
