package search

import (
	"math/bits"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"

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
func (s termSet) and(o termSet) termSet {
	return termSet{s[0] & o[0], s[1] & o[1], s[2] & o[2], s[3] & o[3]}
}

// termBits numbers the taxonomy's terms, group by group: runs holds, in
// display order, each group's range of bits.
type termBits struct {
	tax   *directory.Taxonomy
	bit   map[directory.TermRef]int
	terms []directory.TermRef
	runs  []groupRun
	// groupSet holds, per group in display order, the bits of its terms.
	groupSet []termSet
	valid    termSet // every bit that names a term
	// analyzer is Bleve's English analyzer, for the catalog's word index.
	analyzer analysis.Analyzer
}

// groupRun is the bits first..end-1 of one group.
type groupRun struct {
	group      directory.Group
	first, end int
}

func newTermBits(tax *directory.Taxonomy) *termBits {
	tb := &termBits{tax: tax, bit: map[directory.TermRef]int{}, analyzer: newMapping().AnalyzerNamed(en.AnalyzerName)}
	for _, g := range directory.Groups() {
		first := len(tb.terms)
		for _, t := range tax.Terms(g) {
			ref := directory.TermRef{Group: t.Group, Slug: t.Slug}
			tb.bit[ref] = len(tb.terms)
			tb.terms = append(tb.terms, ref)
		}
		tb.runs = append(tb.runs, groupRun{g, first, len(tb.terms)})
		var set termSet
		for b := first; b < len(tb.terms); b++ {
			set.add(b)
		}
		tb.groupSet = append(tb.groupSet, set)
	}
	if len(tb.terms) > len(termSet{})*64 {
		panic("search: taxonomy has more terms than termSet holds; widen termSet")
	}
	for b := range tb.terms {
		tb.valid.add(b)
	}
	return tb
}

// tristate is a fact a source may not give: unknown, yes or no.
type tristate uint8

const (
	unknown tristate = iota
	yes
	no
)

func tristateOf(b *bool) tristate {
	switch {
	case b == nil:
		return unknown
	case *b:
		return yes
	}
	return no
}

var (
	knownTrue  = true
	knownFalse = false
)

// ptr returns the fact as a Facility holds it. The pointers are shared:
// callers must not write through them.
func (t tristate) ptr() *bool {
	switch t {
	case yes:
		return &knownTrue
	case no:
		return &knownFalse
	}
	return nil
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
	alternates   []string // program or site names, shown as a subtitle
	address      directory.Address
	phones       directory.Phones
	website      string
	open247      tristate
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

	// byTerm holds, for each term bit, the set of entry positions that
	// offer it (ancestors included), and alive the positions of live
	// entries: nationwide totals and facets are then a few thousand word
	// ANDs and popcounts, not a pass over every entry.
	byTerm []bitset
	alive  bitset

	// words is the word index of the entries' text, by position.
	words *wordIndex
}

// bitset is a set of entry positions.
type bitset []uint64

func (b *bitset) set(i int) {
	for i>>6 >= len(*b) {
		*b = append(*b, 0)
	}
	(*b)[i>>6] |= 1 << (i & 63)
}

func (b bitset) clear(i int) {
	if i>>6 < len(b) {
		b[i>>6] &^= 1 << (i & 63)
	}
}

// countAll returns how many facilities pass the filters, nationwide,
// their (disjunctive) facet counts, and the set of their positions. A
// filtered group's terms are counted over the facilities that pass every
// other group's filter.
func (c *catalog) countAll(fs *filterSet) (int, facetCounts, bitset) {
	filters := fs.groups // the caller handles a region: the term sets do not know it
	// in[k] holds the facilities that pass filter k.
	in := make([]bitset, len(filters))
	for k, flt := range filters {
		in[k] = make(bitset, len(c.alive))
		for b := range c.bits.terms {
			if flt.mask.has(b) {
				for w, x := range c.byTerm[b][:min(len(c.byTerm[b]), len(c.alive))] {
					in[k][w] |= x
				}
			}
		}
	}
	// and returns alive ∩ every in[k] but skip's (skip -1: all).
	and := func(dst bitset, skip int) bitset {
		dst = append(dst[:0], c.alive...)
		for k := range in {
			if k == skip {
				continue
			}
			for w := range dst {
				dst[w] &= in[k][w]
			}
		}
		return dst
	}
	f := and(nil, -1)
	total := 0
	for _, x := range f {
		total += bits.OnesCount64(x)
	}
	counts := make(facetCounts, len(c.bits.terms))
	count := func(b int, over bitset) {
		set := c.byTerm[b]
		n := 0
		for w, x := range set[:min(len(set), len(over))] {
			n += bits.OnesCount64(x & over[w])
		}
		counts[b] = n
	}
	// Which filter, if any, each bit's group has.
	owner := make([]int, len(c.bits.terms))
	for b := range owner {
		owner[b] = -1
		for k, flt := range filters {
			if flt.group.has(b) {
				owner[b] = k
			}
		}
	}
	for b := range c.byTerm {
		if owner[b] < 0 {
			count(b, f)
		}
	}
	var except bitset
	for k := range filters {
		except = and(except, k)
		for b := range c.byTerm {
			if owner[b] == k {
				count(b, except)
			}
		}
	}
	return total, counts, f
}

func newCatalog(tb *termBits) *catalog {
	return &catalog{bits: tb, byID: map[string]int32{}, grid: geo.NewGrid(gridCellDeg), byTerm: make([]bitset, len(tb.terms)),
		words: newWordIndex(tb.analyzer)}
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
		name: f.Name, alternates: f.AlternateNames, address: f.Address, phones: f.Phones, website: f.Website, open247: tristateOf(f.Open247),
		source: f.Source, sourceID: f.SourceID, lastVerified: f.LastVerified, own: c.bits.own(f),
	})
	c.words.add(len(c.entries)-1, f)
}

func (c *catalog) remove(id string) {
	if i, ok := c.byID[id]; ok {
		c.alive.clear(int(i))
		c.entries[i].sum = nil
		c.words.remove(int(i))
		delete(c.byID, id)
		c.live--
	}
}

func (c *catalog) add(id string, pt orb.Point, sum *summary) {
	c.remove(id)
	c.byID[id] = int32(len(c.entries))
	c.entries = append(c.entries, entry{
		id: id, pt: pt, terms: c.bits.expand(sum.own), nameKey: sortName(sum.name), sum: sum,
	})
	c.index(len(c.entries) - 1)
	c.live++
}

// index records entry i in the term and alive sets.
func (c *catalog) index(i int) {
	c.alive.set(i)
	t := c.entries[i].terms
	for w, word := range t {
		for word != 0 {
			b := w*64 + bits.TrailingZeros64(word)
			c.byTerm[b].set(i)
			word &= word - 1
		}
	}
}

// needsCompaction reports whether enough changes piled up outside the grid
// (or dead entries inside it) that rebuilding the grid pays off.
func (c *catalog) needsCompaction() bool {
	pending := len(c.entries) - c.gridN
	dead := len(c.entries) - c.live
	return pending > max(256, c.live/32) || dead > max(1024, c.live/4)
}

// compacted returns a copy of the catalog without its dead entries and with
// every entry on the grid. It only reads c, so searches may go on reading c
// meanwhile; entries share their summaries with c.
func (c *catalog) compacted() *catalog {
	n := newCatalog(c.bits)
	n.entries = make([]entry, 0, c.live)
	keep := make([]int32, 0, c.live)
	for i, e := range c.entries {
		if e.alive() {
			n.entries = append(n.entries, e)
			keep = append(keep, int32(i))
		}
	}
	n.words = c.words.remap(keep)
	n.live = len(n.entries)
	n.byID = make(map[string]int32, n.live)
	n.alive = make(bitset, 0, (n.live+63)/64)
	for b := range n.byTerm {
		n.byTerm[b] = make(bitset, 0, (n.live+63)/64)
	}
	pts := make([]orb.Point, n.live)
	for i, e := range n.entries {
		n.byID[e.id] = int32(i)
		pts[i] = e.pt
		n.index(i)
	}
	n.grid.Build(pts)
	n.gridN = n.live
	return n
}

// facility returns the summary of entry e as a Facility. Slices in it may
// be shared with the catalog: callers must not modify them.
func (c *catalog) facility(e *entry) *directory.Facility {
	s := e.sum
	f := &directory.Facility{
		ID: e.id, Name: s.name, AlternateNames: s.alternates, Address: s.address, Lat: e.pt[1], Lon: e.pt[0], Phones: s.phones,
		Website: s.website, Open247: s.open247.ptr(), Active: true,
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
