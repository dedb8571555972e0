package search

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

// Limits on a query.
const (
	// DefaultLimit is the page size when none is asked for.
	DefaultLimit = 20
	// MaxLimit bounds the page size.
	MaxLimit = 100
	// MaxRadiusMi is the largest finite radius; beyond it, search
	// without a radius (nearest first, nationwide). MaxRadiusKm is the
	// same in kilometres.
	MaxRadiusMi = 500
	MaxRadiusKm = MaxRadiusMi * 1.609344
	// MaxTextLength bounds the free-text part of a query.
	MaxTextLength = 200
	// MaxFilterTerms bounds the number of slugs in one query.
	MaxFilterTerms = 64
)

// Sort is the order of results.
type Sort string

// The orders a query can ask for.
const (
	SortDistance  Sort = "distance"
	SortRelevance Sort = "relevance"
	SortName      Sort = "name"
)

// Query is one search of the directory. The zero value (with Limit 0)
// lists every facility by name.
type Query struct {
	// HasLocation says whether Center is set.
	HasLocation bool
	Center      orb.Point
	// RadiusKm limits results to this great-circle distance from Center;
	// 0 means no limit (nearest first, nationwide).
	RadiusKm float64
	// Filters holds slugs per taxonomy group: a facility matches if, in
	// every group given, it offers at least one of the slugs (or a term
	// below one of them).
	Filters map[directory.Group][]string
	// Text is free text matched against names and services, typo-tolerant.
	Text string
	// Region, when set, restricts every count and result to the
	// facilities inside it (a partner's area).
	Region *Region
	// Sort defaults to distance with a location, relevance with text only,
	// else name.
	Sort   Sort
	Limit  int
	Cursor string
}

// Hit is one result.
type Hit struct {
	// Facility holds what a result shows: id, name and alternate names,
	// address, point, phones, website, open 24/7, services and provenance. Descriptions,
	// hours and the rest are in the store's full record. Treat it as
	// read-only: it may share slices with the index.
	Facility *directory.Facility
	// Terms are the terms Facility.Services lists, numbered by the
	// result's FacetLayout (Facets.Layout), for encoders that look terms
	// up by number rather than by slug.
	Terms TermSet
	// DistanceKm is the haversine distance from the query's center; NaN
	// without a location.
	DistanceKm float64
	// Score is the text relevance; 0 without text.
	Score float64
}

// Result is a page of hits with counts over the whole filtered set.
type Result struct {
	Total int
	Hits  []Hit
	// Facets counts, for every term of every group, the facilities that
	// offer it (parents count their children's) among those that match
	// the query — disjunctively: a group that has a filter is counted as
	// if its own filter were not set (the other groups' filters, the
	// location and the text still apply), so that each count says what
	// ticking that term would give. Groups without a filter are counted
	// over the matches themselves. Every term of the taxonomy has a
	// count, 0 when nothing matches, so a page can show all choices.
	Facets Facets
	// NearestKm is set when nothing matched (Total 0) a query with a
	// location and a finite radius: the distance from the center to the
	// nearest facility that matches the filters and text anywhere. It is
	// nil when none does, or when the query did not call for it.
	NearestKm  *float64
	NextCursor string
	// Seq is the last change of the store the answer reflects: every
	// part of it (text, location, facets) comes from the same state.
	Seq int64
	// Query is the query answered, normalized: defaults filled in,
	// filters sorted (see Query.Normalize).
	Query Query
}

// The fields of a Query a QueryError can name.
const (
	FieldCenter   = "Center"
	FieldRadiusKm = "RadiusKm"
	FieldFilters  = "Filters"
	FieldText     = "Text"
	FieldSort     = "Sort"
	FieldLimit    = "Limit"
	FieldCursor   = "Cursor"
)

// QueryError is a query Normalize (or the cursor's check) refused. Field
// names the Query field at fault (FieldCenter, …), Group the filter group
// when it is FieldFilters. Message is plain English, safe to show, and says
// nothing of how the query was sent: the caller knows which of its own
// inputs became the field.
type QueryError struct {
	Field       string
	Group       directory.Group
	Message     string
	Suggestions []string
}

// Error implements the error interface.
func (e *QueryError) Error() string {
	if e.Group != "" {
		return fmt.Sprintf("%s[%s]: %s", e.Field, e.Group, e.Message)
	}
	return e.Field + ": " + e.Message
}

func queryErrorf(field, format string, args ...any) *QueryError {
	return &QueryError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Normalize fills in defaults and checks the query: it is the one place the
// rules of a query live, and Index.Search runs it (Result.Query is the
// normalized query). Its error is a *QueryError naming the field at fault.
func (q *Query) Normalize(tax *directory.Taxonomy) error {
	if q.HasLocation {
		lon, lat := q.Center[0], q.Center[1]
		if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return queryErrorf(FieldCenter, "%v,%v is not a latitude and longitude on Earth", lat, lon)
		}
		if q.RadiusKm < 0 || math.IsNaN(q.RadiusKm) || q.RadiusKm > MaxRadiusKm*(1+1e-12) {
			return queryErrorf(FieldRadiusKm, "must be more than 0 and at most %d miles (%.0f km)", MaxRadiusMi, math.Floor(MaxRadiusKm))
		}
	} else if q.RadiusKm != 0 {
		return queryErrorf(FieldRadiusKm, "needs a location to measure from")
	}
	for g := range q.Filters {
		if _, ok := directory.ParseGroup(string(g)); !ok {
			return &QueryError{Field: FieldFilters, Group: g, Message: fmt.Sprintf("there is no taxonomy group %q", g)}
		}
	}
	n := 0
	filters := make(map[directory.Group][]string, len(q.Filters))
	for _, g := range directory.Groups() { // in display order, so the same error always wins
		slugs := q.Filters[g]
		for _, s := range slugs {
			if err := tax.Validate(g, s); err != nil {
				var names []string
				for _, t := range tax.Terms(g) {
					names = append(names, t.Slug)
				}
				return &QueryError{Field: FieldFilters, Group: g, Message: err.(*directory.Error).Message,
					Suggestions: directory.Suggest(s, names, 3)}
			}
		}
		if len(slugs) == 0 {
			continue
		}
		n += len(slugs) // as given: a query this long is refused, repeats and all
		slugs = slices.Clone(slugs)
		slices.Sort(slugs)
		filters[g] = slices.Compact(slugs)
		if n > MaxFilterTerms {
			return &QueryError{Field: FieldFilters, Group: g, Message: fmt.Sprintf("too many filter terms (%d so far); at most %d in all", n, MaxFilterTerms)}
		}
	}
	q.Filters = filters
	q.Text = strings.Join(strings.Fields(q.Text), " ")
	if len(q.Text) > MaxTextLength {
		return queryErrorf(FieldText, "is %d characters long; at most %d", len(q.Text), MaxTextLength)
	}
	switch q.Sort {
	case "":
		switch {
		case q.HasLocation:
			q.Sort = SortDistance
		case q.Text != "":
			q.Sort = SortRelevance
		default:
			q.Sort = SortName
		}
	case SortDistance:
		if !q.HasLocation {
			return queryErrorf(FieldSort, "sorting by distance needs a location to measure from")
		}
	case SortRelevance, SortName:
	default:
		return queryErrorf(FieldSort, "must be distance, relevance or name")
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 1 || q.Limit > MaxLimit:
		return queryErrorf(FieldLimit, "must be a whole number from 1 to %d", MaxLimit)
	}
	return nil
}

// fingerprint identifies everything of the query but the page, so that a
// cursor is only accepted by the query that made it. It is the FNV-1a hash
// of "true|lon|lat|radius|text|sort|" (numbers with 9 decimals), then
// "group=slug,slug;" for every group in display order and "region=%x;" with
// a region, written into a buffer on the stack: with fmt it cost a search
// a dozen allocations.
func (q *Query) fingerprint() uint64 {
	var buf [512]byte
	b := strconv.AppendBool(buf[:0], q.HasLocation)
	for _, f := range [...]float64{q.Center[0], q.Center[1], q.RadiusKm} {
		b = append(b, '|')
		b = strconv.AppendFloat(b, f, 'f', 9, 64)
	}
	b = append(b, '|')
	b = append(b, q.Text...)
	b = append(b, '|')
	b = append(b, q.Sort...)
	b = append(b, '|')
	for _, g := range directory.Groups() {
		b = append(b, g...)
		b = append(b, '=')
		for i, s := range q.Filters[g] {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, s...)
		}
		b = append(b, ';')
	}
	if q.Region != nil {
		b = append(b, "region="...)
		b = strconv.AppendUint(b, q.Region.id, 16)
		b = append(b, ';')
	}
	// FNV-1a, 64 bits, as hash/fnv's New64a.
	const offset64, prime64 = 14695981039346656037, 1099511628211
	h := uint64(offset64)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime64
	}
	return h
}

// cursor is the position after the last hit of a page: its sort key.
type cursor struct {
	Q  uint64  `json:"q"`
	D  float64 `json:"d,omitempty"`
	R  float64 `json:"r,omitempty"`
	N  string  `json:"n,omitempty"`
	ID string  `json:"i"`
}

func encodeCursor(c cursor) string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("search: encode cursor %+v: %v", c, err)) // a NaN key: a bug here, not bad input
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, fp uint64) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return c, queryErrorf(FieldCursor, "is not a cursor this service gave out; start again without it")
	}
	if c.Q != fp {
		return c, queryErrorf(FieldCursor, "belongs to a different search; start again without it")
	}
	return c, nil
}

// match is a facility that passed every condition, by its position in the
// catalog, or (i < 0) the position a cursor names, with its id and name
// key.
type match struct {
	i           int32
	dist, score float64
	id, nameKey string // of a cursor only: a facility's are in the catalog
}

// matchID returns m's id.
func (c *catalog) matchID(m *match) string {
	if m.i < 0 {
		return m.id
	}
	return c.id(int(m.i))
}

// matchNameKey returns m's name key.
func (c *catalog) matchNameKey(m *match) string {
	if m.i < 0 {
		return m.nameKey
	}
	return c.nameKey(int(m.i))
}

// less orders matches for sort s; ties always end with the id.
func (c *catalog) less(s Sort, a, b *match) int {
	switch s {
	case SortDistance:
		if o := cmp.Compare(a.dist, b.dist); o != 0 {
			return o
		}
	case SortRelevance:
		if o := cmp.Compare(b.score, a.score); o != 0 {
			return o
		}
		if o := cmp.Compare(a.dist, b.dist); o != 0 {
			return o
		}
	case SortName:
		if o := strings.Compare(c.matchNameKey(a), c.matchNameKey(b)); o != 0 {
			return o
		}
	}
	return strings.Compare(c.matchID(a), c.matchID(b))
}

// groupFilter is one group's filter as bits: a facility passes it if it
// offers one of the terms of mask; group holds every term of the group,
// for counting the group's facets without its own filter.
type groupFilter struct {
	mask  termSet
	group termSet
}

// filterSet is everything but the location and text that a facility must
// satisfy: a filter per filtered group, and the region, when there is one.
// The region is no facet: a facility outside it counts nowhere.
type filterSet struct {
	groups []groupFilter
	region *Region
	// buf backs groups: a group has one filter at most.
	buf [numGroups]groupFilter
}

// numGroups is how many groups the taxonomy has (directory.Groups).
const numGroups = 7

// inRegion reports whether entry i is inside the query's region, if it has
// one.
func (c *catalog) inRegion(i int, r *Region) bool {
	return r == nil || r.Contains(c.state(i), c.entries[i].pt)
}

// passes reports whether entry i is alive, inside the region, and offers,
// in every filtered group, one of the terms asked for.
func (c *catalog) passes(i int, filters *filterSet) bool {
	e := &c.entries[i]
	if !e.alive() {
		return false
	}
	for _, f := range filters.groups {
		if !e.terms.intersects(f.mask) {
			return false
		}
	}
	return c.inRegion(i, filters.region)
}

// missed returns the filter e fails: -1 when it passes every one, the
// index of the one it fails, or -2 when it fails two or more (or is dead).
// A facility that fails exactly one group's filter still counts in that
// group's (disjunctive) facets.
func (c *catalog) missed(i int, filters *filterSet) int {
	e := &c.entries[i]
	if !e.alive() || !c.inRegion(i, filters.region) {
		return -2
	}
	miss := -1
	for i, f := range filters.groups {
		if !e.terms.intersects(f.mask) {
			if miss >= 0 {
				return -2
			}
			miss = i
		}
	}
	return miss
}

// nearly reports whether e is alive and fails at most one filter: it then
// counts in the facets, and so must be visited.
func (c *catalog) nearly(i int, filters *filterSet) bool { return c.missed(i, filters) != -2 }

// tally counts e in the facets: every term it offers when it passes every
// filter (and then reports true: it is a match), else, when it fails one
// group's filter only, the terms it offers in that group.
func (fc facetCounts) tally(c *catalog, i int, filters *filterSet) bool {
	e := &c.entries[i]
	switch m := c.missed(i, filters); m {
	case -1:
		fc.add(e.terms)
		return true
	case -2:
		return false
	default:
		fc.add(e.terms.and(filters.groups[m].group))
		return false
	}
}

// filters turns the query's filters into one groupFilter per filtered
// group, in display order, with the query's region.
func (tb *termBits) filters(q *Query) *filterSet {
	out := &filterSet{region: q.Region}
	out.groups = out.buf[:0]
	for gi, g := range directory.Groups() {
		slugs := q.Filters[g]
		if len(slugs) == 0 {
			continue
		}
		var m termSet
		for _, s := range slugs {
			m.add(tb.bit[directory.TermRef{Group: g, Slug: s}])
		}
		out.groups = append(out.groups, groupFilter{mask: m, group: tb.groupSet[gi]})
	}
	return out
}

// run answers q over the catalog. textScores, when not nil, holds the
// position and score of every facility matching the query's text; only
// those qualify. textWithin says textScores were limited to the
// facilities within the radius; run then leaves Result.NearestKm to the
// caller, which needs the text's matches everywhere for it.
func (c *catalog) run(ctx context.Context, q *Query, textScores []textHit, textWithin bool) (*Result, error) {
	var after *match
	fp := q.fingerprint()
	if q.Cursor != "" {
		cur, err := decodeCursor(q.Cursor, fp)
		if err != nil {
			return nil, err
		}
		after = &match{i: -1, id: cur.ID, nameKey: cur.N, dist: cur.D, score: cur.R}
		if !q.HasLocation {
			after.dist = math.NaN() // as every match's is
		}
	}
	filters := c.bits.filters(q)
	counts := make(facetCounts, len(c.bits.terms))
	total := 0
	order := func(a, b *match) int { return c.less(q.Sort, a, b) }
	top := newTopK(q.Limit+1, order)
	// offer keeps a match if it comes after the cursor, and reports
	// whether it did.
	offer := func(m match) bool {
		if after == nil || order(&m, after) > 0 {
			top.push(m)
			return true
		}
		return false
	}
	// consider takes a facility within the radius that passes the filters
	// or fails one: it is counted in the facets, and kept if it matches.
	consider := func(i int, dist, score float64) {
		if !counts.tally(c, i, filters) {
			return
		}
		total++
		offer(match{i: int32(i), dist: dist, score: score})
	}
	noDist := math.NaN()
	switch {
	case textScores != nil:
		// Text narrows the set most: visit only the facilities it matched.
		var m geo.Meter
		if q.HasLocation {
			m = c.grid.Meter(q.Center)
		}
		for _, h := range textScores {
			i := int(h.pos)
			if !c.nearly(i, filters) {
				continue
			}
			d := noDist
			if q.HasLocation {
				if i < c.grid.Len() { // the grid's point i (see withinRadius), its trigonometry done
					d = m.Km(int32(i))
				} else {
					d = geo.DistanceKm(q.Center, c.entries[i].pt)
				}
				if q.RadiusKm > 0 && d > q.RadiusKm {
					continue
				}
			}
			consider(i, d, h.score)
		}
	case q.HasLocation && q.RadiusKm == 0 && q.Sort == SortDistance && q.Region == nil:
		// Nearest first, nationwide: the total and facets need the whole
		// filtered set but no distances (the term sets answer them; a
		// region, which they do not know, takes the measured way below). A
		// small set is measured whole; a large one yields its nearest few
		// from the grid, in order of distance.
		var set bitset
		total, counts, set = c.countAll(filters)
		counts = slices.Clone(counts) // countAll's is shared; the result's is the caller's
		c.nearestOf(q.Center, set, total, q.Limit+1, offer)
	case q.HasLocation && q.RadiusKm > 0:
		total += c.withinRadius(q, filters, counts, top, func(i int, d float64) { consider(i, d, 0) }, offer)
		for i := c.gridN; i < len(c.entries); i++ {
			if !c.nearly(i, filters) {
				continue
			}
			if d := geo.DistanceKm(q.Center, c.entries[i].pt); d <= q.RadiusKm {
				consider(i, d, 0)
			}
		}
	default:
		for i := range c.entries {
			if !c.nearly(i, filters) {
				continue
			}
			d := noDist
			if q.HasLocation {
				d = geo.DistanceKm(q.Center, c.entries[i].pt)
			}
			consider(i, d, 0)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{Total: total, Facets: Facets{layout: c.bits.layout, counts: counts}}
	if total == 0 && q.HasLocation && q.RadiusKm > 0 && (textScores == nil || !textWithin) {
		if d, ok := c.nearest(q.Center, filters, textScores); ok {
			res.NearestKm = &d
		}
	}
	page := top.sorted()
	n := min(q.Limit, len(page))
	more := len(page) > n
	page = page[:n]
	terms := make([]termSet, n)
	fs := c.facilities(page, terms)
	res.Hits = make([]Hit, n)
	for k, m := range page {
		res.Hits[k] = Hit{Facility: &fs[k], Terms: TermSet{layout: c.bits.layout, set: terms[k]}, DistanceKm: m.dist, Score: m.score}
	}
	if more && n > 0 {
		last := page[n-1]
		cur := cursor{Q: fp, ID: c.matchID(&last)}
		switch q.Sort {
		case SortDistance:
			cur.D = last.dist
		case SortRelevance:
			cur.R = last.score
			if q.HasLocation {
				cur.D = last.dist
			}
		case SortName:
			cur.N = c.matchNameKey(&last)
		}
		res.NextCursor = encodeCursor(cur)
	}
	return res, nil
}

// nearestOf offers the facilities of set (total of them, all passing the
// query's filters) to offer, nearest to center first, until offer took
// need of them and the next is farther than the last of those (ties with
// it are all offered). Entries off the grid (recent changes) are all
// offered. A small set is measured whole: with few matches, the rings
// would cover much of the globe to find them.
func (c *catalog) nearestOf(center orb.Point, set bitset, total, need int, offer func(match) bool) {
	if total <= smallSet {
		for w, word := range set {
			for word != 0 {
				i := w*64 + bits.TrailingZeros64(word)
				word &= word - 1
				offer(match{i: int32(i), dist: geo.DistanceKm(center, c.entries[i].pt)})
			}
		}
		return
	}
	onGrid := total
	for i := c.gridN; i < len(c.entries); i++ { // recent changes, not on the grid yet
		if set.has(i) {
			onGrid--
			offer(match{i: int32(i), dist: geo.DistanceKm(center, c.entries[i].pt)})
		}
	}
	got, seen, cut := 0, 0, 0.0
	keep := func(i int) bool { return set.has(i) }
	c.grid.NearestFiltered(center, keep, func(i int, d float64) bool {
		if got >= need && d > cut {
			return false // ties with the last one needed are all kept
		}
		seen++
		if offer(match{i: int32(i), dist: d}) {
			if got++; got == need {
				cut = d
			}
		}
		return seen < onGrid // every match seen: the rings need go no further
	})
}

// nearest returns the distance from center to the nearest facility that
// passes every filter and, when textScores is not nil, matches the text;
// false when none does.
func (c *catalog) nearest(center orb.Point, filters *filterSet, textScores []textHit) (float64, bool) {
	best, found := math.Inf(1), false
	measure := func(i int) {
		if d := geo.DistanceKm(center, c.entries[i].pt); d < best {
			best, found = d, true
		}
	}
	if textScores != nil {
		for _, h := range textScores {
			if i := int(h.pos); c.passes(i, filters) {
				measure(i)
			}
		}
		return best, found
	}
	if filters.region != nil { // the term sets do not know the region
		for i := range c.entries {
			if c.passes(i, filters) {
				measure(i)
			}
		}
		return best, found
	}
	total, _, set := c.countAll(filters)
	if total == 0 {
		return 0, false
	}
	c.nearestOf(center, set, total, 1, func(m match) bool {
		if m.dist < best {
			best, found = m.dist, true
		}
		return true
	})
	return best, found
}

// smallSet is the size below which a nationwide search measures every
// match rather than walking the grid outward: with few matches, the rings
// would cover much of the globe to find them.
const smallSet = 256

// topK keeps the k best matches seen, by cmp, in a heap with the worst
// on top: a page costs O(n log k), not a sort of every match.
type topK struct {
	k   int
	cmp func(a, b *match) int
	h   []match
}

func newTopK(k int, cmp func(a, b *match) int) *topK {
	return &topK{k: k, cmp: cmp, h: make([]match, 0, k+1)}
}

// push offers m. It goes through a spare slot at the end of the heap's
// array so that comparisons take pointers into the array: a pointer to m
// itself would make every offered match escape to the heap.
func (t *topK) push(m match) {
	t.h = append(t.h, m)
	n := len(t.h) - 1
	if n == t.k { // full: m replaces the worst kept, if better
		if t.cmp(&t.h[n], &t.h[0]) >= 0 {
			t.h = t.h[:n]
			return
		}
		t.h[0] = t.h[n]
		t.h = t.h[:n]
		t.siftDown(0)
		return
	}
	for i := n; i > 0; {
		p := (i - 1) / 2
		if t.cmp(&t.h[i], &t.h[p]) <= 0 {
			break
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *topK) siftDown(i int) { t.siftDownIn(i, len(t.h)) }

// siftDownIn sifts element i down the heap made of t.h[:n].
func (t *topK) siftDownIn(i, n int) {
	for {
		l, r, big := 2*i+1, 2*i+2, i
		if l < n && t.cmp(&t.h[l], &t.h[big]) > 0 {
			big = l
		}
		if r < n && t.cmp(&t.h[r], &t.h[big]) > 0 {
			big = r
		}
		if big == i {
			return
		}
		t.h[i], t.h[big] = t.h[big], t.h[i]
		i = big
	}
}

// worst returns the worst match kept, and whether k are kept: then no
// match that orders after it can enter.
func (t *topK) worst() (match, bool) {
	if len(t.h) == 0 {
		return match{}, false
	}
	return t.h[0], len(t.h) == t.k
}

// sorted returns the kept matches, best first: a heapsort of the heap in
// place (the worst goes to the end, then the worst of the rest…), which,
// unlike sort.Slice, needs no reflection nor allocation. The order is
// total (ties end with the id), so any sort gives the same.
func (t *topK) sorted() []match {
	for n := len(t.h) - 1; n > 0; n-- {
		t.h[0], t.h[n] = t.h[n], t.h[0]
		t.siftDownIn(0, n)
	}
	return t.h
}
