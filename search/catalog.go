package search

import (
	"math/bits"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

// gridCellDeg is the cell size of the catalog's spatial grid: a quarter
// degree (about 28 km north-south) keeps a 25-mile query to a few cells.
const gridCellDeg = 0.25

// termSet is a set of taxonomy terms as bits; every term of the taxonomy has
// one bit (see termBits).
type termSet [4]uint64

func (s *termSet) add(bit int)     { s[bit>>6] |= 1 << (bit & 63) }
func (s termSet) has(bit int) bool { return s[bit>>6]&(1<<(bit&63)) != 0 }
func (s termSet) intersects(o termSet) bool {
	return s[0]&o[0] != 0 || s[1]&o[1] != 0 || s[2]&o[2] != 0 || s[3]&o[3] != 0
}

// termBits numbers the taxonomy's terms.
type termBits struct {
	tax   *directory.Taxonomy
	bit   map[directory.TermRef]int
	terms []directory.TermRef
}

func newTermBits(tax *directory.Taxonomy) *termBits {
	tb := &termBits{tax: tax, bit: map[directory.TermRef]int{}}
	for _, t := range tax.Terms("") {
		ref := directory.TermRef{Group: t.Group, Slug: t.Slug}
		tb.bit[ref] = len(tb.terms)
		tb.terms = append(tb.terms, ref)
	}
	if len(tb.terms) > len(termSet{})*64 {
		panic("search: taxonomy has more terms than termSet holds; widen termSet")
	}
	return tb
}

// set returns the facility's terms, expanded with their ancestors.
func (tb *termBits) set(f *directory.Facility) termSet {
	var s termSet
	for _, g := range directory.Groups() {
		for _, slug := range f.Services.Get(g) {
			for _, a := range tb.tax.Ancestors(g, slug) {
				if b, ok := tb.bit[directory.TermRef{Group: g, Slug: a}]; ok {
					s.add(b)
				}
			}
		}
	}
	return s
}

// entry is one facility in the catalog.
type entry struct {
	f       *directory.Facility
	pt      orb.Point
	terms   termSet
	nameKey string
	alive   bool
}

// catalog holds every active facility in memory. Entries below gridN are on
// the grid; later ones (recent changes) are scanned one by one until the
// next compaction. A changed facility's old entry is marked dead and a new
// one appended. A catalog is not safe for concurrent use; Index guards it.
type catalog struct {
	bits    *termBits
	entries []entry
	byID    map[string]int32
	grid    *geo.Grid
	gridN   int
	live    int
}

func newCatalog(bits *termBits) *catalog {
	return &catalog{bits: bits, byID: map[string]int32{}, grid: geo.NewGrid(gridCellDeg)}
}

// apply records a change: an active facility is added or replaced, an
// inactive one removed.
func (c *catalog) apply(f *directory.Facility) {
	if i, ok := c.byID[f.ID]; ok {
		c.entries[i].alive = false
		c.entries[i].f = nil
		delete(c.byID, f.ID)
		c.live--
	}
	if !f.Active {
		return
	}
	c.byID[f.ID] = int32(len(c.entries))
	c.entries = append(c.entries, entry{
		f: f, pt: orb.Point{f.Lon, f.Lat}, terms: c.bits.set(f), nameKey: sortName(f.Name), alive: true,
	})
	c.live++
}

// needsCompaction reports whether enough changes piled up outside the grid
// (or dead entries inside it) that rebuilding the grid pays off.
func (c *catalog) needsCompaction() bool {
	pending := len(c.entries) - c.gridN
	dead := len(c.entries) - c.live
	return pending > max(256, c.live/32) || dead > max(1024, c.live/4)
}

// compact drops dead entries and puts every entry on the grid.
func (c *catalog) compact() {
	kept := make([]entry, 0, c.live)
	for _, e := range c.entries {
		if e.alive {
			kept = append(kept, e)
		}
	}
	c.entries = kept
	clear(c.byID)
	pts := make([]orb.Point, len(kept))
	for i, e := range kept {
		c.byID[e.f.ID] = int32(i)
		pts[i] = e.pt
	}
	c.grid = geo.NewGrid(gridCellDeg)
	c.grid.Build(pts)
	c.gridN = len(kept)
}

// get returns the active facility with the given id.
func (c *catalog) get(id string) (*directory.Facility, bool) {
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return c.entries[i].f, true
}

// facetCounts counts, per term bit, the entries that carry it.
type facetCounts []int

func (fc facetCounts) add(s termSet) {
	for w, word := range s {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			fc[w*64+b]++
			word &= word - 1
		}
	}
}
