package search

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync"

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

// next returns the smallest bit at least from (from ≥ 0) that s holds,
// or -1 when it holds none.
func (s termSet) next(from int) int {
	for w := from >> 6; w < len(s); w++ {
		word := s[w]
		if w == from>>6 {
			word &^= 1<<(from&63) - 1
		}
		if word != 0 {
			return w<<6 + bits.TrailingZeros64(word)
		}
	}
	return -1
}
func (s termSet) intersects(o termSet) bool {
	return s[0]&o[0] != 0 || s[1]&o[1] != 0 || s[2]&o[2] != 0 || s[3]&o[3] != 0
}
func (s termSet) and(o termSet) termSet {
	return termSet{s[0] & o[0], s[1] & o[1], s[2] & o[2], s[3] & o[3]}
}
func (s termSet) or(o termSet) termSet {
	return termSet{s[0] | o[0], s[1] | o[1], s[2] | o[2], s[3] | o[3]}
}

// termBits numbers the taxonomy's terms, group by group: runs holds, in
// display order, each group's range of bits. The numbering is layout's:
// a term's bit is its position in a result's Facets.
type termBits struct {
	tax    *directory.Taxonomy
	bit    map[directory.TermRef]int
	terms  []directory.TermRef
	runs   []groupRun
	layout *FacetLayout
	// groupSet holds, per group in display order, the bits of its terms.
	groupSet []termSet
	valid    termSet // every bit that names a term
	// analyzer is Bleve's English analyzer, for the catalog's word index.
	analyzer analysis.Analyzer
	// anc holds, per bit, the bits of the term's ancestors.
	anc []termSet
}

// groupRun is the bits first..end-1 of one group.
type groupRun struct {
	group      directory.Group
	first, end int
}

func newTermBits(tax *directory.Taxonomy) *termBits {
	l := NewFacetLayout(tax)
	tb := &termBits{tax: tax, bit: l.pos, terms: l.terms, runs: l.runs, layout: l,
		analyzer: newMapping().AnalyzerNamed(en.AnalyzerName)}
	if len(tb.terms) > len(termSet{})*64 {
		panic("search: taxonomy has more terms than termSet holds; widen termSet")
	}
	for _, r := range tb.runs {
		var set termSet
		for b := r.first; b < r.end; b++ {
			set.add(b)
		}
		tb.groupSet = append(tb.groupSet, set)
	}
	tb.anc = make([]termSet, len(tb.terms))
	for b, ref := range tb.terms {
		tb.valid.add(b)
		for _, a := range tax.Ancestors(ref.Group, ref.Slug)[1:] {
			tb.anc[b].add(tb.bit[directory.TermRef{Group: ref.Group, Slug: a}])
		}
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
// and order it, and where its record is. It holds no pointers, so that a
// catalog of a million entries gives the garbage collector nothing to
// walk: the strings (id, name, address, phones…) are in the catalog's
// arena, read by position through accessors (catalog.id, catalog.name,
// catalog.facility…). A dead entry (a facility since changed or removed)
// keeps its place until the next compaction.
//
// An entry is 64 bytes: the terms as the facility lists them (not
// expanded), needed only to show it, are in its record.
type entry struct {
	pt    orb.Point
	terms termSet // offered terms, expanded with their ancestors
	// rec locates the entry's record in the arena (see ref).
	rec     uint64
	open247 tristate
	dead    bool
}

func (e *entry) alive() bool { return !e.dead }

// summary is the part of a facility a result shows: everything a person
// needs to pick a place and call it. Descriptions, hours and the like are
// left to the store, which serves the full record; keeping them out keeps
// a million facilities in memory affordable. A summary is only passed
// around while an entry is added; the catalog keeps it as a record in its
// arena (see appendRecord).
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
//
// Nothing in it that grows with the directory holds a pointer, bar the
// arena's list of chunks (one per megabyte): entries, the id map (keyed by
// a hash of the id, checked against the arena), the grid and the bitsets
// are all flat.
type catalog struct {
	bits    *termBits
	entries []entry
	arena   arena
	// byID maps the hash of an id (see idHash) to its live entry; the few
	// ids whose hash another live id already has are in idClash instead.
	byID    map[uint64]int32
	idClash map[string]int32
	idSeed  maphash.Seed
	// hashID, when set, replaces the hash of ids: tests make clashes so.
	hashID func(string) uint64
	grid   *geo.Grid
	gridN  int
	live   int
	// deadBytes is how much of the arena dead entries' records take.
	deadBytes int

	// byTerm holds, for each term bit, the set of entry positions that
	// offer it (ancestors included), and alive the positions of live
	// entries: nationwide totals and facets are then a few thousand word
	// ANDs and popcounts, not a pass over every entry.
	byTerm []bitset
	alive  bitset

	// words is the word index of the entries' text, by position.
	words *wordIndex
	// counted memoizes countAll, which depends on the filters alone: at a
	// million facilities a nationwide count reads every term's bitset
	// (some 20 MB), and searches repeat a few filter sets. Every change
	// to the catalog clears it.
	counted *countCache
}

// countCache holds countAll's answers by filter set. Searches share it
// (they hold the index's read lock only), hence its own lock.
type countCache struct {
	mu sync.Mutex
	m  map[string]*countResult
}

// countResult is one countAll answer. It is shared: read it only.
type countResult struct {
	total  int
	counts facetCounts
	set    bitset
}

// maxCounted bounds the filter sets a countCache holds; it starts over
// when full. At a million facilities each takes about 130 KB.
const maxCounted = 64

// countKey returns the cache key of a filter set: its masks, in order.
func countKey(filters []groupFilter) string {
	b := make([]byte, 0, len(filters)*len(termSet{})*8)
	for _, f := range filters {
		for _, w := range f.mask {
			b = binary.LittleEndian.AppendUint64(b, w)
		}
	}
	return string(b)
}

// changed clears what was derived from the catalog's contents.
func (c *catalog) changed() {
	if c.counted != nil {
		c.counted.mu.Lock()
		clear(c.counted.m)
		c.counted.mu.Unlock()
	}
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

func (b bitset) has(i int) bool { return i>>6 < len(b) && b[i>>6]&(1<<(i&63)) != 0 }

// countAll returns how many facilities pass the filters, nationwide,
// their (disjunctive) facet counts, and the set of their positions. A
// filtered group's terms are counted over the facilities that pass every
// other group's filter.
//
// The answer may be shared with other searches: callers must not modify
// the counts or the set.
func (c *catalog) countAll(fs *filterSet) (int, facetCounts, bitset) {
	key := countKey(fs.groups)
	if c.counted != nil {
		c.counted.mu.Lock()
		r, ok := c.counted.m[key]
		c.counted.mu.Unlock()
		if ok {
			return r.total, r.counts, r.set
		}
	}
	total, counts, set := c.countAllNow(fs)
	if c.counted != nil {
		c.counted.mu.Lock()
		if len(c.counted.m) >= maxCounted {
			clear(c.counted.m)
		}
		c.counted.m[key] = &countResult{total, counts, set}
		c.counted.mu.Unlock()
	}
	return total, counts, set
}

// countAllNow is countAll without the cache.
func (c *catalog) countAllNow(fs *filterSet) (int, facetCounts, bitset) {
	filters := fs.groups // the caller handles a region: the term sets do not know it
	words := len(c.alive)
	// in[k] holds the facilities that pass filter k: one allocation for
	// every filter's set and the two sets below.
	scratch := make(bitset, (len(filters)+2)*words)
	in := make([]bitset, len(filters))
	for k, flt := range filters {
		in[k] = scratch[k*words : (k+1)*words : (k+1)*words]
		for w, word := range flt.mask {
			for word != 0 {
				b := w*64 + bits.TrailingZeros64(word)
				word &= word - 1
				dst := in[k]
				for i, x := range c.byTerm[b][:min(len(c.byTerm[b]), words)] {
					dst[i] |= x
				}
			}
		}
	}
	// and sets dst to alive ∩ every in[k] but skip's (skip -1: all).
	and := func(dst bitset, skip int) {
		copy(dst, c.alive)
		for k := range in {
			if k == skip {
				continue
			}
			src := in[k][:len(dst)]
			for w := range dst {
				dst[w] &= src[w]
			}
		}
	}
	f := scratch[len(filters)*words : (len(filters)+1)*words : (len(filters)+1)*words]
	and(f, -1)
	total := 0
	for _, x := range f {
		total += bits.OnesCount64(x)
	}
	counts := make(facetCounts, len(c.bits.terms))
	count := func(b int, over bitset) {
		set := c.byTerm[b]
		set = set[:min(len(set), len(over))]
		over = over[:len(set)]
		n := 0
		for w, x := range set {
			n += bits.OnesCount64(x & over[w])
		}
		counts[b] = n
	}
	// Which filter, if any, each bit's group has.
	var owned termSet
	for _, flt := range filters {
		owned = owned.or(flt.group)
	}
	for b := range c.byTerm {
		if !owned.has(b) {
			count(b, f)
		}
	}
	except := scratch[(len(filters)+1)*words:]
	for k, flt := range filters {
		and(except, k)
		for b := range c.byTerm {
			if flt.group.has(b) {
				count(b, except)
			}
		}
	}
	return total, counts, f
}

func newCatalog(tb *termBits) *catalog {
	return &catalog{bits: tb, byID: map[uint64]int32{}, idSeed: maphash.MakeSeed(), grid: geo.NewGrid(gridCellDeg),
		byTerm: make([]bitset, len(tb.terms)), counted: &countCache{m: map[string]*countResult{}},
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
	for w, word := range own {
		for word != 0 {
			b := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			out = out.or(tb.anc[b])
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

// idHash is the key of an id in byID.
func (c *catalog) idHash(id string) uint64 {
	if c.hashID != nil {
		return c.hashID(id)
	}
	return maphash.String(c.idSeed, id)
}

// lookup returns the position of the live entry with the given id.
func (c *catalog) lookup(id string) (int32, bool) {
	if i, ok := c.byID[c.idHash(id)]; ok && c.id(int(i)) == id {
		return i, true
	}
	i, ok := c.idClash[id]
	return i, ok
}

// setID records entry i as id's live entry; id has none yet.
func (c *catalog) setID(id string, i int32) {
	h := c.idHash(id)
	if _, taken := c.byID[h]; taken {
		if c.idClash == nil {
			c.idClash = map[string]int32{}
		}
		c.idClash[id] = i
		return
	}
	c.byID[h] = i
}

// unsetID forgets id's live entry, i.
func (c *catalog) unsetID(id string, i int32) {
	if _, ok := c.idClash[id]; ok {
		delete(c.idClash, id)
		return
	}
	h := c.idHash(id)
	delete(c.byID, h)
	// An id that clashed with this one takes its place.
	for other, j := range c.idClash {
		if c.idHash(other) == h {
			delete(c.idClash, other)
			c.byID[h] = j
			break
		}
	}
}

func (c *catalog) remove(id string) {
	if i, ok := c.lookup(id); ok {
		c.alive.clear(int(i))
		e := &c.entries[i]
		e.dead = true
		c.deadBytes += c.arena.recordLen(e.rec)
		c.words.remove(int(i))
		c.unsetID(id, i)
		c.live--
		c.changed()
	}
}

func (c *catalog) add(id string, pt orb.Point, sum *summary) {
	c.remove(id)
	rec := c.arena.add(func(b []byte) []byte { return appendRecord(b, id, sum) })
	c.addEntry(id, sum.own, entry{pt: pt, open247: sum.open247, rec: rec})
}

// addEntry appends e, whose record is in the arena already, as id's live
// entry; own are the terms its record lists. Every entry comes in through
// here.
func (c *catalog) addEntry(id string, own termSet, e entry) {
	e.terms = c.bits.expand(own)
	i := len(c.entries)
	c.setID(id, int32(i))
	c.entries = append(c.entries, e)
	c.index(i)
	c.live++
	c.changed()
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

// finished returns the catalog, just loaded and read by nobody else, ready
// to search: compacted (see compacted), or, when it has no dead entries
// and they are already in the grid's order (a load from a snapshot), c
// itself with every entry put on the grid, which spares a copy.
func (c *catalog) finished() *catalog {
	if c.live == len(c.entries) {
		pts := make([]orb.Point, len(c.entries))
		for i := range c.entries {
			pts[i] = c.entries[i].pt
		}
		c.grid.Build(pts)
		if c.grid.InOrder(len(pts)) {
			c.gridN = len(c.entries)
			return c
		}
	}
	return c.compact(true)
}

// compacted returns a copy of the catalog without its dead entries and with
// every entry on the grid, laid out in the order the grid stores their
// points: a query reads the entries of the points it visits one after the
// other, not one cache miss each (those were half of a typical query's
// time in New York at 1,000,000 facilities). Entries whose point the grid
// cannot hold come last. It only reads c, so searches may go on reading c
// meanwhile. The copy shares c's arena (whose bytes never change once
// written) unless dead records take much of it.
func (c *catalog) compacted() *catalog { return c.compact(false) }

// compact does compacted's work. With consume, nobody reads c any more (a
// build's catalog, about to be replaced), and each part of c is let go as
// soon as it has been copied, which lowers the peak of a build by about
// 200 MB at 1,000,000 facilities; c is unusable afterwards.
func (c *catalog) compact(consume bool) *catalog {
	n := newCatalog(c.bits)
	n.idSeed, n.hashID = c.idSeed, c.hashID
	live := make([]int32, 0, c.live)
	pts := make([]orb.Point, 0, c.live)
	for i := range c.entries {
		if c.entries[i].alive() {
			live = append(live, int32(i))
			pts = append(pts, c.entries[i].pt)
		}
	}
	n.grid.Build(pts)
	keep := make([]int32, 0, len(live))
	onGrid := make([]bool, len(live))
	for _, k := range n.grid.Renumber() {
		keep = append(keep, live[k])
		onGrid[k] = true
	}
	for k, i := range live {
		if !onGrid[k] {
			keep = append(keep, i)
		}
	}
	if consume {
		c.grid, c.byID, c.idClash, c.byTerm, c.alive = nil, nil, nil, nil, nil
	}
	n.entries = make([]entry, 0, c.live)
	for _, i := range keep {
		n.entries = append(n.entries, c.entries[i])
	}
	n.words = c.words.remap(keep)
	if consume {
		c.words, c.entries = nil, nil
	}
	if c.deadBytes > c.arena.size/4 {
		for i := range n.entries {
			e := &n.entries[i]
			rec := c.arena.record(e.rec)
			e.rec = n.arena.add(func(b []byte) []byte { return append(b, rec...) })
		}
	} else {
		n.arena = c.arena.share()
		n.arena.size -= c.deadBytes
	}
	n.live = len(n.entries)
	n.byID = make(map[uint64]int32, n.live)
	n.alive = make(bitset, 0, (n.live+63)/64)
	for b := range n.byTerm {
		n.byTerm[b] = make(bitset, 0, (n.live+63)/64)
	}
	for i := range n.entries {
		n.setID(n.id(i), int32(i))
		n.index(i)
	}
	n.gridN = n.live
	return n
}

// id returns the id of entry i.
func (c *catalog) id(i int) string { return c.arena.str(c.entries[i].rec, recID) }

// nameKey returns the key entry i is sorted by when sorted by name.
func (c *catalog) nameKey(i int) string { return c.arena.str(c.entries[i].rec, recNameKey) }

// state returns the state of entry i's address.
func (c *catalog) state(i int) string { return c.arena.str(c.entries[i].rec, recState) }

// name returns the name of entry i.
func (c *catalog) name(i int) string { return c.arena.str(c.entries[i].rec, recName) }

// facilityArrays are backing arrays that the Facilities made for one
// answer share, so that a page of hits costs a few allocations in all
// rather than a few per hit. Each Facility's slices are capped at their
// length: appending to one copies it, and never reaches another's.
type facilityArrays struct {
	strs  []string // alternate names and address lines
	slugs []string // services
}

// summary returns what entry i's record holds. Its strings are read from
// the arena without copying; its lists are appended to arr.
func (c *catalog) summary(i int, arr *facilityArrays) (id string, s summary) {
	e := &c.entries[i]
	r := c.arena.reader(e.rec)
	id = r.str()
	r.str() // the name key
	s.address.State = r.str()
	s.name = r.str()
	s.alternates = r.strsInto(&arr.strs)
	s.address.Lines = r.strsInto(&arr.strs)
	for _, p := range []*string{&s.address.City, &s.address.ZIP, &s.phones.Intake, &s.phones.Main,
		&s.phones.Hotline, &s.website, &s.source, &s.sourceID, &s.lastVerified} {
		*p = r.str()
	}
	s.own = r.termSet()
	s.open247 = e.open247
	return id, s
}

// facility returns the summary of entry i as a Facility. Its strings are
// shared with the catalog; that is safe, for the arena never changes a
// byte once written.
func (c *catalog) facility(i int) *directory.Facility {
	f := new(directory.Facility)
	c.fillFacility(f, i, &facilityArrays{})
	return f
}

// facilities returns the summaries of the matches' entries as Facilities,
// as facility does, in one array, their lists in arrays they share. When
// terms is not nil (it is as long as page), terms[k] is set to the terms
// page[k]'s facility lists.
func (c *catalog) facilities(page []match, terms []termSet) []directory.Facility {
	fs := make([]directory.Facility, len(page))
	// The expanded terms bound the listed ones: one array of slugs holds
	// every facility's.
	n := 0
	for k := range page {
		for _, w := range c.entries[page[k].i].terms {
			n += bits.OnesCount64(w)
		}
	}
	arr := facilityArrays{slugs: make([]string, 0, n), strs: make([]string, 0, 4*len(page))}
	for k := range page {
		own := c.fillFacility(&fs[k], int(page[k].i), &arr)
		if terms != nil {
			terms[k] = own
		}
	}
	return fs
}

// fillFacility sets f to the summary of entry i, its lists appended to
// arr, and returns the terms it lists.
func (c *catalog) fillFacility(f *directory.Facility, i int, arr *facilityArrays) termSet {
	id, s := c.summary(i, arr)
	e := &c.entries[i]
	*f = directory.Facility{
		ID: id, Name: s.name, AlternateNames: s.alternates, Address: s.address, Lat: e.pt[1], Lon: e.pt[0], Phones: s.phones,
		Website: s.website, Open247: s.open247.ptr(), Active: true,
		Provenance: directory.Provenance{Source: s.source, SourceID: s.sourceID, LastVerified: s.lastVerified},
	}
	// One run of the slugs for every group: bits are numbered group by
	// group (the taxonomy lists its terms so), so each group is a run of
	// it. Every group gets a list, empty when it has no term.
	n := 0
	for _, w := range s.own {
		n += bits.OnesCount64(w)
	}
	if cap(arr.slugs)-len(arr.slugs) < n || arr.slugs == nil {
		arr.slugs = make([]string, 0, max(n, 2*cap(arr.slugs)))
	}
	slugs := arr.slugs
	start := len(slugs)
	for _, r := range c.bits.runs {
		for b := s.own.next(r.first); b >= 0 && b < r.end; b = s.own.next(b + 1) {
			slugs = append(slugs, c.bits.terms[b].Slug)
		}
		f.Services.Set(r.group, slugs[start:len(slugs):len(slugs)])
		start = len(slugs)
	}
	arr.slugs = slugs
	return s.own
}

// get returns the summary of the active facility with the given id.
func (c *catalog) get(id string) (*directory.Facility, bool) {
	i, ok := c.lookup(id)
	if !ok {
		return nil, false
	}
	return c.facility(int(i)), true
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
