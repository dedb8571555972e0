package search

import (
	"math/bits"

	"github.com/carefinder/carefinder/geo"
)

// withinRadius visits the facilities on the grid within q's radius:
// consider(i, d) takes one with its distance d, to count and keep as a
// match. When q sorts nearest first and has no region, the points of the
// grid's blocks that lie wholly inside the circle (geo.Span.Inside), most
// of a circle's points in a dense city, are neither measured nor visited
// one by one: their matches and facets are counted a word of 64 positions
// at a time from the term sets (countRange, into counts; withinRadius
// returns how many matched), and then those blocks are measured nearest
// first, their matches offered, only until top holds a full page nearer
// than the next block can be. Measuring every point (a sine and an
// arctangent each) and tallying its terms were most of a typical query's
// time in New York at 1,000,000 facilities.
//
// It relies on the catalog's entries below gridN being stored in the
// grid's order (entry k is the grid's point k; see compact), so that a
// span of the grid is a range of entries.
func (c *catalog) withinRadius(q *Query, filters *filterSet, counts facetCounts, top *topK, consider func(i int, d float64), offer func(match) bool) int {
	m := c.grid.Meter(q.Center)
	lazy := q.Sort == SortDistance && filters.region == nil
	var buf [64]geo.Span
	inside := buf[:0]
	c.grid.Spans(q.Center, q.RadiusKm, func(s geo.Span) bool {
		if s.Inside && lazy {
			inside = append(inside, s)
			return true
		}
		// Distance first, then the filters (consider checks them): a
		// span not Inside may reach outside the circle.
		for p := s.Start; p < s.End; p++ {
			if d := m.Km(p); d <= q.RadiusKm {
				consider(c.grid.ID(p), d)
			}
		}
		return true
	})
	if len(inside) == 0 {
		return 0
	}
	total := 0
	var scratch [512]uint64
	sc := scratch[:0]
	for k := 0; k < len(inside); {
		lo, hi := int(inside[k].Start), int(inside[k].End)
		for k++; k < len(inside) && int(inside[k].Start) == hi; k++ {
			hi = int(inside[k].End) // the next block continues the run
		}
		var n int
		n, sc = c.countRange(lo, hi, filters, counts, sc)
		total += n
	}
	// The blocks nearest first, while they can still reach the page.
	h := spanHeap(inside)
	h.init()
	for len(h) > 0 {
		s := h.pop()
		if w, full := top.worst(); full && s.MinKm > w.dist {
			break // no point of this block or the rest can make the page
		}
		for p := s.Start; p < s.End; p++ {
			if i := c.grid.ID(p); c.missed(i, filters) == -1 {
				offer(match{i: int32(i), dist: m.Km(p)})
			}
		}
	}
	return total
}

// countRange counts the entries lo..hi-1 as tally would, a word of the
// term sets at a time: it adds their (disjunctive) facet counts to counts
// and returns how many pass every filter. fs must have no region. sc is
// scratch space, returned grown if it had to be.
func (c *catalog) countRange(lo, hi int, fs *filterSet, counts facetCounts, sc []uint64) (int, []uint64) {
	w0, w1 := lo>>6, (hi-1)>>6+1
	nw, nf := w1-w0, len(fs.groups)
	// Scratch: in[k] (who offers a term filter k asks for), pass, and
	// except[k] (who passes every filter but k's), nw words each.
	need := (2*nf + 1) * nw
	if cap(sc) < need {
		sc = make([]uint64, need)
	}
	sc = sc[:need]
	clear(sc)
	part := func(j int) []uint64 { return sc[j*nw : (j+1)*nw : (j+1)*nw] }
	// word returns word w of set, which may be shorter than the catalog.
	word := func(set bitset, w int) uint64 {
		if w < len(set) {
			return set[w]
		}
		return 0
	}
	for k, f := range fs.groups {
		in := part(k)
		for t, x := range f.mask {
			for x != 0 {
				b := t*64 + bits.TrailingZeros64(x)
				x &= x - 1
				set := c.byTerm[b]
				for w := range in {
					in[w] |= word(set, w0+w)
				}
			}
		}
	}
	pass := part(nf)
	for w := range pass {
		x := word(c.alive, w0+w)
		if w == 0 {
			x &= ^uint64(0) << (lo & 63)
		}
		if w == nw-1 && hi&63 != 0 {
			x &= ^uint64(0) >> (64 - hi&63)
		}
		pass[w] = x // the range's live entries, for now
	}
	for k := range nf {
		except := part(nf + 1 + k)
		copy(except, pass)
		for j := range nf {
			if j == k {
				continue
			}
			in := part(j)
			for w := range except {
				except[w] &= in[w]
			}
		}
	}
	for k := range nf {
		in := part(k)
		for w := range pass {
			pass[w] &= in[w]
		}
	}
	total := 0
	for _, x := range pass {
		total += bits.OnesCount64(x)
	}
	// add counts term b over the entries of over.
	add := func(b int, over []uint64) {
		set := c.byTerm[b]
		if w0 >= len(set) {
			return
		}
		set = set[w0:min(w1, len(set))]
		n := 0
		for w, x := range set {
			n += bits.OnesCount64(x & over[w])
		}
		counts[b] += n
	}
	var owned termSet
	for _, f := range fs.groups {
		owned = owned.or(f.group)
	}
	for b := range c.byTerm {
		if !owned.has(b) {
			add(b, pass)
		}
	}
	for k, f := range fs.groups {
		except := part(nf + 1 + k)
		for t, x := range f.group {
			for x != 0 {
				b := t*64 + bits.TrailingZeros64(x)
				x &= x - 1
				add(b, except)
			}
		}
	}
	return total, sc
}

// spanHeap is a binary min-heap of grid spans by MinKm: a search pops
// only the few nearest blocks its page needs, where sorting them all would
// cost more than the rest of the search.
type spanHeap []geo.Span

func (h spanHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *spanHeap) pop() geo.Span {
	old := *h
	top := old[0]
	n := len(old) - 1
	old[0] = old[n]
	*h = old[:n]
	h.down(0)
	return top
}

func (h spanHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		if r := l + 1; r < len(h) && h[r].MinKm < h[l].MinKm {
			l = r
		}
		if h[i].MinKm <= h[l].MinKm {
			return
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}
