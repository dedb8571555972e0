package search

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"sync"

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

// termBits numbers the taxonomy's terms, group by group: runs holds, in
// display order, each group's range of bits.
type termBits struct {
	tax   *directory.Taxonomy
	bit   map[directory.TermRef]int
	terms []directory.TermRef
	runs  []groupRun
}

// groupRun is the bits first..end-1 of one group.
type groupRun struct {
	group      directory.Group
	first, end int
}

func newTermBits(tax *directory.Taxonomy) *termBits {
	tb := &termBits{tax: tax, bit: map[directory.TermRef]int{}}
	for _, g := range directory.Groups() {
		first := len(tb.terms)
		for _, t := range tax.Terms(g) {
			ref := directory.TermRef{Group: t.Group, Slug: t.Slug}
			tb.bit[ref] = len(tb.terms)
			tb.terms = append(tb.terms, ref)
		}
		tb.runs = append(tb.runs, groupRun{g, first, len(tb.terms)})
	}
	if len(tb.terms) > len(termSet{})*64 {
		panic("search: taxonomy has more terms than termSet holds; widen termSet")
	}
	return tb
}

// entry is one facility in the catalog: what search needs to find, filter
// and order it, and a summary to show it by. A dead entry (a facility since
// changed or removed) has no summary.
type entry struct {
	id      string
	pt      orb.Point
	terms   termSet // offered terms, expanded with their ancestors
	nameKey string
	sum     *summary
}

func (e *entry) alive() bool { return e.sum != nil }

// summary is the part of a facility a result shows: everything a person
// needs to pick a place and call it. Descriptions, hours and the like are
// left to the store, which serves the full record; keeping them out keeps
// a million facilities in memory affordable.
type summary struct {
	name         string
	address      directory.Address
	phones       directory.Phones
	website      string
	open247      bool
	source       string
	sourceID     string
	lastVerified string
	own          termSet // terms as the facility lists them, not expanded
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

	// counted caches, per filter set, the nationwide total and facet
	// counts, which do not depend on where a search starts. Any change to
	// the catalog empties it. Searches share the catalog under a read
	// lock, so the cache has its own.
	countedMu sync.Mutex
	counted   map[string]countedSet
}

// countedSet is a cached nationwide count.
type countedSet struct {
	total  int
	counts facetCounts
}

// maxCounted bounds the count cache; past it the cache starts over.
const maxCounted = 512

// countAll returns how many facilities pass the filter masks, nationwide,
// and their facet counts.
func (c *catalog) countAll(masks []termSet, passes func(*entry) bool) (int, facetCounts) {
	key := make([]byte, 0, len(masks)*len(termSet{})*8)
	for _, m := range masks {
		for _, w := range m {
			key = binary.LittleEndian.AppendUint64(key, w)
		}
	}
	c.countedMu.Lock()
	hit, ok := c.counted[string(key)]
	c.countedMu.Unlock()
	if ok {
		return hit.total, slices.Clone(hit.counts)
	}
	counts := make(facetCounts, len(c.bits.terms))
	total := 0
	for i := range c.entries {
		if e := &c.entries[i]; passes(e) {
			total++
			counts.add(e.terms)
		}
	}
	c.countedMu.Lock()
	if c.counted == nil || len(c.counted) >= maxCounted {
		c.counted = map[string]countedSet{}
	}
	c.counted[string(key)] = countedSet{total, slices.Clone(counts)}
	c.countedMu.Unlock()
	return total, counts
}

// changed forgets what was computed from the catalog's old contents.
func (c *catalog) changed() {
	c.countedMu.Lock()
	c.counted = nil
	c.countedMu.Unlock()
}

func newCatalog(bits *termBits) *catalog {
	return &catalog{bits: bits, byID: map[string]int32{}, grid: geo.NewGrid(gridCellDeg)}
}

// own returns the facility's terms as listed, without ancestors.
func (tb *termBits) own(f *directory.Facility) termSet {
	var s termSet
	for _, g := range directory.Groups() {
		for _, slug := range f.Services.Get(g) {
			if b, ok := tb.bit[directory.TermRef{Group: g, Slug: slug}]; ok {
				s.add(b)
			}
		}
	}
	return s
}

// expand adds every term's ancestors.
func (tb *termBits) expand(own termSet) termSet {
	out := own
	for b, ref := range tb.terms {
		if own.has(b) {
			for _, a := range tb.tax.Ancestors(ref.Group, ref.Slug)[1:] {
				out.add(tb.bit[directory.TermRef{Group: ref.Group, Slug: a}])
			}
		}
	}
	return out
}

// apply records a change: an active facility is added or replaced, an
// inactive one removed.
func (c *catalog) apply(f *directory.Facility) {
	if !f.Active {
		c.remove(f.ID)
		return
	}
	c.add(f.ID, orb.Point{f.Lon, f.Lat}, &summary{
		name: f.Name, address: f.Address, phones: f.Phones, website: f.Website, open247: f.Open247,
		source: f.Source, sourceID: f.SourceID, lastVerified: f.LastVerified, own: c.bits.own(f),
	})
}

func (c *catalog) remove(id string) {
	c.changed()
	if i, ok := c.byID[id]; ok {
		c.entries[i].sum = nil
		delete(c.byID, id)
		c.live--
	}
}

func (c *catalog) add(id string, pt orb.Point, sum *summary) {
	c.remove(id) // which also empties the count cache
	c.byID[id] = int32(len(c.entries))
	c.entries = append(c.entries, entry{
		id: id, pt: pt, terms: c.bits.expand(sum.own), nameKey: sortName(sum.name), sum: sum,
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
		if e.alive() {
			kept = append(kept, e)
		}
	}
	c.entries = kept
	clear(c.byID)
	pts := make([]orb.Point, len(kept))
	for i, e := range kept {
		c.byID[e.id] = int32(i)
		pts[i] = e.pt
	}
	c.grid = geo.NewGrid(gridCellDeg)
	c.grid.Build(pts)
	c.gridN = len(kept)
}

// facility returns the summary of entry e as a Facility. Slices in it may
// be shared with the catalog: callers must not modify them.
func (c *catalog) facility(e *entry) *directory.Facility {
	s := e.sum
	f := &directory.Facility{
		ID: e.id, Name: s.name, Address: s.address, Lat: e.pt[1], Lon: e.pt[0], Phones: s.phones,
		Website: s.website, Open247: s.open247, Active: true,
		Provenance: directory.Provenance{Source: s.source, SourceID: s.sourceID, LastVerified: s.lastVerified},
	}
	// One backing array for every group: bits are numbered group by group
	// (the taxonomy lists its terms so), so each group is a run of it.
	n := 0
	for _, w := range s.own {
		n += bits.OnesCount64(w)
	}
	slugs := make([]string, 0, n)
	start := 0
	for _, r := range c.bits.runs {
		for b := r.first; b < r.end; b++ {
			if s.own.has(b) {
				slugs = append(slugs, c.bits.terms[b].Slug)
			}
		}
		f.Services.Set(r.group, slugs[start:len(slugs):len(slugs)])
		start = len(slugs)
	}
	return f
}

// get returns the summary of the active facility with the given id.
func (c *catalog) get(id string) (*directory.Facility, bool) {
	i, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return c.facility(&c.entries[i]), true
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
