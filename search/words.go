package search

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/searcher"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
)

// wordIndex is the catalog's own inverted view of its text: a dictionary
// of the words (after Bleve's English analysis) of every facility's `all`
// field (see bleveDoc) and, per catalog position, the words it holds. A
// text query within a radius scores only the facilities inside the radius
// against it, instead of asking Bleve, with the same matching (every query
// word must match, typo-tolerant within Bleve's automatic fuzziness, or
// name a service the facility offers) and the same TF-IDF scoring as the
// Bleve query of Index.textQuery, so totals and order agree with it.
//
// Per-position data lives in flat arrays (no pointers for the GC to
// scan): the word ids of position p are ids[off[p]:off[p+1]], sorted, with
// their frequencies in freq (in the whole text, and in the name).
type wordIndex struct {
	analyzer analysis.Analyzer

	dict  map[string]uint32 // analyzed word -> word id
	words []string          // by word id
	// byLen holds the word ids by length in runes, and masks each
	// word's letters (see letterMask), for fuzzy matching.
	byLen [][]uint32
	masks []uint64
	// dfAll and dfName count the live facilities holding each word in
	// their whole text and in their name: Bleve's document frequencies.
	dfAll, dfName []uint32
	live          int

	off  []uint32 // per position, where its words start in ids; one more than positions
	ids  []uint32
	freq []uint16 // per word of a position: frequency in the text | in the name << 8 (each capped at 255)
	lens []uint32 // per position: tokens in the text | tokens in the name << 20
	dead []uint64 // positions removed (bit set)

	// cache holds, per query token, the dictionary words matching it; it
	// is cleared whenever the dictionary grows. Searches share it.
	cacheMu sync.Mutex
	cache   map[string][]wordMatch
	// everywhere caches, per query text with rare matches, the
	// positions of every facility it matches (see textEverywhere).
	everywhere map[string][]int32
	// rawTok caches, per token as the tokenizer cuts it, the word ids it
	// becomes after the analyzer's filters (none for a stop word): they
	// work token by token, and most tokens repeat. Only writers use it.
	rawTok map[string][]uint32

	// analyzed holds, per query word as typed, its tokens and the term
	// bits whose labels it names (the taxonomy's labels do not change,
	// but matching them costs more than the rest of a query).
	analyzed map[string]analyzedWord
}

// analyzedWord is a query word after analysis and label matching.
type analyzedWord struct {
	toks   []string
	labels []int
}

// wordMatch is a dictionary word matching a query token, at an edit
// distance.
type wordMatch struct {
	id   uint32
	dist uint8
}

// maxWordCache bounds the cache of token matches; it is emptied when full.
const maxWordCache = 4096

// Limits of the packed per-position fields.
const (
	maxFreq    = 255
	lenAllBits = 20
	maxLenAll  = 1<<lenAllBits - 1
	maxLenName = 1<<(32-lenAllBits) - 1
)

func newWordIndex(analyzer analysis.Analyzer) *wordIndex {
	return &wordIndex{analyzer: analyzer, dict: map[string]uint32{}, off: []uint32{0}, cache: map[string][]wordMatch{},
		analyzed: map[string]analyzedWord{}, rawTok: map[string][]uint32{}, everywhere: map[string][]int32{}}
}

// positions returns how many positions the index holds.
func (w *wordIndex) positions() int { return len(w.off) - 1 }

// allText is the text of a facility's `all` field, as bleveDoc builds it.
func allText(f *directory.Facility) string {
	all := []string{f.Name}
	all = append(all, f.AlternateNames...)
	all = append(all, f.Description, f.Note, f.Address.City, f.Address.State, f.Address.ZIP)
	all = append(all, f.Address.Lines...)
	all = append(all, f.Accreditations...)
	return strings.Join(all, " \n ")
}

// wordID returns the id of word, adding it to the dictionary if new.
func (w *wordIndex) wordID(word string) uint32 {
	if id, ok := w.dict[word]; ok {
		return id
	}
	id := uint32(len(w.words))
	w.dict[word] = id
	w.words = append(w.words, word)
	w.masks = append(w.masks, letterMask(word))
	w.dfAll = append(w.dfAll, 0)
	w.dfName = append(w.dfName, 0)
	n := min(utf8.RuneCountInString(word), 255)
	for len(w.byLen) <= n {
		w.byLen = append(w.byLen, nil)
	}
	w.byLen[n] = append(w.byLen[n], id)
	if len(w.cache) > 0 {
		w.cacheMu.Lock()
		clear(w.cache)
		w.cacheMu.Unlock()
	}
	return id
}

// maxRawTokens bounds the cache of analyzed tokens; it is emptied when
// full.
const maxRawTokens = 1 << 17

// textIDs appends the word ids of text's tokens, as the analyzer gives
// them, to dst.
func (w *wordIndex) textIDs(text string, dst []uint32) []uint32 {
	da, ok := w.analyzer.(*analysis.DefaultAnalyzer)
	if !ok || len(da.CharFilters) > 0 {
		for _, t := range w.analyzer.Analyze([]byte(text)) {
			dst = append(dst, w.wordID(string(t.Term)))
		}
		return dst
	}
	for _, t := range da.Tokenizer.Tokenize([]byte(text)) {
		if ids, ok := w.rawTok[string(t.Term)]; ok {
			dst = append(dst, ids...)
			continue
		}
		raw := string(t.Term)
		stream := analysis.TokenStream{t}
		for _, f := range da.TokenFilters {
			stream = f.Filter(stream)
		}
		var ids []uint32
		for _, a := range stream {
			ids = append(ids, w.wordID(string(a.Term)))
		}
		if len(w.rawTok) >= maxRawTokens {
			clear(w.rawTok)
		}
		w.rawTok[raw] = ids
		dst = append(dst, ids...)
	}
	return dst
}

// add analyzes facility f and records its words at position pos, which
// must be at or after the last position recorded (positions between are
// left empty).
func (w *wordIndex) add(pos int, f *directory.Facility) {
	all := w.textIDs(allText(f), nil)
	nAll := len(all)
	name := w.textIDs(f.Name, nil)
	nName := len(name)
	slices.Sort(all)
	slices.Sort(name)
	// Merge the two sorted lists into ids with their frequencies.
	ids := make([]uint32, 0, len(all))
	freq := make([]uint16, 0, len(all))
	for len(all) > 0 || len(name) > 0 {
		var id uint32
		switch {
		case len(name) == 0 || (len(all) > 0 && all[0] <= name[0]):
			id = all[0]
		default:
			id = name[0]
		}
		a, n := 0, 0
		for len(all) > 0 && all[0] == id {
			a++
			all = all[1:]
		}
		for len(name) > 0 && name[0] == id {
			n++
			name = name[1:]
		}
		ids = append(ids, id)
		freq = append(freq, uint16(min(a, maxFreq))|uint16(min(n, maxFreq))<<8)
	}
	w.push(pos, ids, freq, uint32(min(nAll, maxLenAll))|uint32(min(nName, maxLenName))<<lenAllBits)
}

// push records the words of position pos (see add).
func (w *wordIndex) push(pos int, ids []uint32, freq []uint16, lens uint32) {
	for w.positions() < pos {
		w.off = append(w.off, uint32(len(w.ids)))
		w.lens = append(w.lens, 0)
		w.markDead(w.positions() - 1)
	}
	w.changed()
	w.ids = append(w.ids, ids...)
	w.freq = append(w.freq, freq...)
	w.off = append(w.off, uint32(len(w.ids)))
	w.lens = append(w.lens, lens)
	for i, id := range ids {
		w.dfAll[id]++
		if freq[i]>>8 > 0 {
			w.dfName[id]++
		}
	}
	w.live++
}

// changed empties the cache of matches everywhere: the index changes.
func (w *wordIndex) changed() {
	if len(w.everywhere) > 0 {
		w.cacheMu.Lock()
		clear(w.everywhere)
		w.cacheMu.Unlock()
	}
}

func (w *wordIndex) markDead(pos int) {
	for pos>>6 >= len(w.dead) {
		w.dead = append(w.dead, 0)
	}
	w.dead[pos>>6] |= 1 << (pos & 63)
}

func (w *wordIndex) isDead(pos int) bool {
	return pos>>6 < len(w.dead) && w.dead[pos>>6]&(1<<(pos&63)) != 0
}

// remove forgets the words of position pos (a facility changed or gone):
// they no longer count in the document frequencies.
func (w *wordIndex) remove(pos int) {
	if pos >= w.positions() || w.isDead(pos) {
		return
	}
	w.changed()
	w.markDead(pos)
	for i := w.off[pos]; i < w.off[pos+1]; i++ {
		id := w.ids[i]
		w.dfAll[id]--
		if w.freq[i]>>8 > 0 {
			w.dfName[id]--
		}
	}
	w.live--
}

// remap returns a new index holding, at position i, the words of position
// keep[i] of w, with the words no facility holds any more dropped. It only
// reads w.
func (w *wordIndex) remap(keep []int32) *wordIndex {
	n := newWordIndex(w.analyzer)
	// Word ids stay in the same order, so each position's list stays sorted.
	newID := make([]uint32, len(w.words))
	for id, word := range w.words {
		if w.dfAll[id] > 0 || w.dfName[id] > 0 {
			newID[id] = n.wordID(word)
		}
	}
	total := 0
	for _, p := range keep {
		if int(p) < w.positions() {
			total += int(w.off[p+1] - w.off[p])
		}
	}
	n.ids = make([]uint32, 0, total)
	n.freq = make([]uint16, 0, total)
	n.off = make([]uint32, 1, len(keep)+1)
	n.lens = make([]uint32, 0, len(keep))
	for i, p := range keep {
		if int(p) >= w.positions() || w.isDead(int(p)) {
			n.push(i, nil, nil, 0)
			n.remove(i)
			continue
		}
		start := len(n.ids)
		for _, id := range w.ids[w.off[p]:w.off[p+1]] {
			n.ids = append(n.ids, newID[id])
		}
		n.freq = append(n.freq, w.freq[w.off[p]:w.off[p+1]]...)
		n.off = append(n.off, uint32(len(n.ids)))
		n.lens = append(n.lens, w.lens[p])
		for j := start; j < len(n.ids); j++ {
			n.dfAll[n.ids[j]]++
			if n.freq[j]>>8 > 0 {
				n.dfName[n.ids[j]]++
			}
		}
		n.live++
	}
	return n
}

// matches returns the dictionary words within Bleve's automatic fuzziness
// of the analyzed query token tok (the word itself included), with their
// distances: Damerau-Levenshtein (adjacent transpositions count one), in
// runes, as Bleve's Levenshtein automaton measures it. Words no live
// facility holds are left to the caller to skip.
func (w *wordIndex) matches(tok string) []wordMatch {
	w.cacheMu.Lock()
	m, ok := w.cache[tok]
	w.cacheMu.Unlock()
	if ok {
		return m
	}
	fuzz := searcher.GetAutoFuzziness(tok)
	q := []rune(tok)
	if fuzz == 0 {
		if id, ok := w.dict[tok]; ok {
			m = []wordMatch{{id: id}}
		}
	} else {
		var buf [64]rune
		qm := letterMask(tok)
		for n := max(0, len(q)-fuzz); n <= len(q)+fuzz && n < len(w.byLen); n++ {
			for _, id := range w.byLen[n] {
				// Each edit adds or removes at most one letter of the
				// mask: words missing more are too far.
				if wm := w.masks[id]; bits.OnesCount64(qm&^wm) > fuzz || bits.OnesCount64(wm&^qm) > fuzz {
					continue
				}
				word := w.words[id]
				r := buf[:0]
				for _, c := range word {
					r = append(r, c)
				}
				if d := osaWithin(q, r, fuzz); d <= fuzz {
					m = append(m, wordMatch{id: id, dist: uint8(d)})
				}
			}
		}
		slices.SortFunc(m, func(a, b wordMatch) int { return int(a.id) - int(b.id) })
	}
	putBounded(&w.cacheMu, w.cache, tok, m)
	return m
}

// letterMask has a bit per character of word (characters past 63 share
// bits): a word's mask loses or gains at most one bit per edit, so masks
// that differ in more than k bits each way rule out a distance of k.
func letterMask(word string) uint64 {
	var m uint64
	for _, c := range word {
		m |= 1 << (uint(c) % 64)
	}
	return m
}

// osaWithin returns the optimal-string-alignment distance between a and b
// (Levenshtein with adjacent transpositions) when it is at most k, and
// some value above k otherwise, giving up as soon as every alignment
// costs more than k.
func osaWithin(a, b []rune, k int) int {
	if abs(len(a)-len(b)) > k {
		return k + 1
	}
	if len(b) > 62 || len(a) > 62 {
		d := directory.EditDistance(string(a), string(b)) // long words: rare, no transpositions
		return d
	}
	var rows [3][64]int
	pp, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, pp[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > k {
			return k + 1
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(b)]
}

// textHit is a facility matching a query's text: its catalog position and
// relevance score.
type textHit struct {
	pos   int32
	score float64
}

// wordQuery is a query's text, compiled against a word index: what each
// query word needs, and a small hash table from the dictionary words that
// count to what they count for.
type wordQuery struct {
	toks  []queryTok
	words []queryWord
	// nameToks is how many tokens the whole text has: a facility's name
	// scores for the share of them it holds (Bleve's coord).
	nameToks int
	// The table: keys are word ids + 1 (0 is empty), vals index ents.
	keys  []uint32
	vals  []int32
	ents  []queryEnt
	pairs []tokWeight
}

// queryTok is one analyzed token of a query word, matched in the text.
type queryTok struct {
	tok string
	// coord is one over the dictionary words matching the token: Bleve's
	// fuzzy query is a disjunction of them all, whose score is multiplied
	// by the share of them a facility holds.
	coord float64
}

// queryWord is one word of the query: its tokens toks[first:end] must
// all match the text, or it must name a service the facility offers.
type queryWord struct {
	first, end int
	labels     []int // term bits whose label the word names
}

// queryEnt is what one dictionary word counts for: pairs[first:end]
// (tokens it matches, fuzzily, with their weights), and the exact name
// tokens it is (weight summed over them, and how many).
type queryEnt struct {
	first, end int32
	nameW      float64
	nameN      int32
}

type tokWeight struct {
	tok int32
	w   float64
}

// idf is Bleve's inverse document frequency (TF-IDF model).
func idf(docTotal int, df uint32) float64 {
	return 1 + math.Log(float64(docTotal)/float64(df+1))
}

// analyze returns word's tokens and the term bits whose labels it names,
// from the cache when it can.
func (w *wordIndex) analyze(word string, lm *labelMatcher, tb *termBits) analyzedWord {
	w.cacheMu.Lock()
	a, ok := w.analyzed[word]
	w.cacheMu.Unlock()
	if ok {
		return a
	}
	a.toks = lm.analyze(word)
	if len(a.toks) > 0 {
		for _, ref := range lm.match(word) {
			a.labels = append(a.labels, tb.bit[ref])
		}
	}
	putBounded(&w.cacheMu, w.analyzed, word, a)
	return a
}

// nameTokens returns the tokens of the whole text, as Bleve's match query
// on the name analyzes it, from the cache when it can.
func (w *wordIndex) nameTokens(text string, lm *labelMatcher) []string {
	key := "\x00" + text // not a word: words have no spaces, texts no NUL
	w.cacheMu.Lock()
	a, ok := w.analyzed[key]
	w.cacheMu.Unlock()
	if ok {
		return a.toks
	}
	a.toks = lm.analyze(text)
	w.cacheMu.Lock()
	if len(w.analyzed) >= maxWordCache {
		clear(w.analyzed)
	}
	w.analyzed[key] = a
	w.cacheMu.Unlock()
	return a.toks
}

// compile analyzes text as Index.textQuery and the name query of
// Index.textScores do. It returns nil when no word survives analysis.
func (w *wordIndex) compile(text string, lm *labelMatcher, tb *termBits) *wordQuery {
	wq := &wordQuery{}
	ent := map[uint32]int32{}
	entry := func(id uint32) *queryEnt {
		i, ok := ent[id]
		if !ok {
			i = int32(len(wq.ents))
			ent[id] = i
			wq.ents = append(wq.ents, queryEnt{})
		}
		return &wq.ents[i]
	}
	// Pairs are gathered per word id, then laid out by entry.
	type pair struct {
		id uint32
		tokWeight
	}
	var pairs []pair
	for _, word := range strings.Fields(text) {
		aw := w.analyze(word, lm, tb)
		if len(aw.toks) == 0 {
			continue // a stop word
		}
		qw := queryWord{first: len(wq.toks), labels: aw.labels}
		for _, t := range aw.toks {
			ti := int32(len(wq.toks))
			n := 0
			for _, m := range w.matches(t) {
				if w.dfAll[m.id] == 0 {
					continue
				}
				n++
				x := idf(w.live, w.dfAll[m.id])
				entry(m.id)
				pairs = append(pairs, pair{m.id, tokWeight{ti, x * x / float64(m.dist+1)}})
			}
			wq.toks = append(wq.toks, queryTok{tok: t, coord: 1 / float64(max(n, 1))})
		}
		qw.end = len(wq.toks)
		wq.words = append(wq.words, qw)
	}
	if len(wq.words) == 0 {
		return nil
	}
	// The name query: every token of the whole text, exactly, boosted 3.
	for _, t := range w.nameTokens(text, lm) {
		wq.nameToks++
		if id, ok := w.dict[t]; ok && w.dfName[id] > 0 {
			x := idf(w.live, w.dfName[id])
			e := entry(id)
			e.nameW += 3 * x * x
			e.nameN++
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return int(ent[a.id]) - int(ent[b.id]) })
	wq.pairs = make([]tokWeight, len(pairs))
	for i, p := range pairs {
		wq.pairs[i] = p.tokWeight
		e := &wq.ents[ent[p.id]]
		if e.end == 0 {
			e.first = int32(i)
		}
		e.end = int32(i + 1)
	}
	size := 16
	for size < 2*len(wq.ents) {
		size *= 2
	}
	wq.keys = make([]uint32, size)
	wq.vals = make([]int32, size)
	for id, i := range ent {
		h := hashWord(id) & uint32(size-1)
		for wq.keys[h] != 0 {
			h = (h + 1) & uint32(size-1)
		}
		wq.keys[h], wq.vals[h] = id+1, i
	}
	return wq
}

func hashWord(id uint32) uint32 { return (id * 0x9E3779B1) >> 7 }

// lookup returns the entry of word id, or -1.
func (wq *wordQuery) lookup(id uint32) int32 {
	mask := uint32(len(wq.keys) - 1)
	for h := hashWord(id) & mask; ; h = (h + 1) & mask {
		switch wq.keys[h] {
		case id + 1:
			return wq.vals[h]
		case 0:
			return -1
		}
	}
}

// norm is Bleve's field-length norm, as scorch stores it (a float32).
func norm(n uint32) float64 {
	if n == 0 {
		return 0
	}
	return float64(float32(1 / math.Sqrt(float64(n))))
}

// scorer scores positions against a compiled query; its scratch space is
// reused from one position to the next.
type scorer struct {
	w    *wordIndex
	c    *catalog
	wq   *wordQuery
	sum  []float64
	hit  []int32         // how many of the words matching each token the position holds
	idfT map[int]float64 // per label term bit: idf² on its group's keyword field
}

func newScorer(c *catalog, wq *wordQuery) *scorer {
	s := &scorer{w: c.words, c: c, wq: wq, sum: make([]float64, len(wq.toks)), hit: make([]int32, len(wq.toks))}
	for _, qw := range wq.words {
		for _, b := range qw.labels {
			if s.idfT == nil {
				s.idfT = map[int]float64{}
			}
			if _, ok := s.idfT[b]; ok {
				continue
			}
			df := 0
			set := c.byTerm[b]
			for i, x := range set[:min(len(set), len(c.alive))] {
				df += bits.OnesCount64(x & c.alive[i])
			}
			x := idf(c.live, uint32(df))
			s.idfT[b] = x * x
		}
	}
	return s
}

// score returns the relevance of position p and whether it matches every
// word of the query.
func (s *scorer) score(p int) (float64, bool) {
	w, wq := s.w, s.wq
	if p >= w.positions() {
		return 0, false
	}
	clear(s.sum)
	clear(s.hit)
	lens := w.lens[p]
	nameW, nameN := 0.0, int32(0)
	lo, hi := w.off[p], w.off[p+1]
	for i := lo; i < hi; i++ {
		e := wq.lookup(w.ids[i])
		if e < 0 {
			continue
		}
		ent := &wq.ents[e]
		f := w.freq[i]
		if ent.end > ent.first && f&0xff > 0 {
			tf := math.Sqrt(float64(f & 0xff))
			for _, pw := range wq.pairs[ent.first:ent.end] {
				s.sum[pw.tok] += tf * pw.w
				s.hit[pw.tok]++
			}
		}
		if ent.nameN > 0 && f>>8 > 0 {
			nameW += math.Sqrt(float64(f>>8)) * ent.nameW
			nameN += ent.nameN
		}
	}
	terms := &s.c.entries[p].terms
	nAll := norm(lens & maxLenAll)
	total := 0.0
	for _, qw := range wq.words {
		matched := 0
		sc := 0.0
		all := true
		text := 0.0
		for t := qw.first; t < qw.end; t++ {
			if s.hit[t] == 0 {
				all = false
				break
			}
			text += s.sum[t] * nAll * float64(s.hit[t]) * wq.toks[t].coord
		}
		if all {
			matched++
			sc += text
		}
		for _, b := range qw.labels {
			if terms.has(b) {
				matched++
				sc += s.idfT[b] * norm(uint32(s.groupSize(terms, b)))
			}
		}
		if matched == 0 {
			return 0, false
		}
		total += sc * float64(matched) / float64(1+len(qw.labels))
	}
	if nameN > 0 {
		total += nameW * norm(lens>>lenAllBits) * float64(nameN) / float64(wq.nameToks)
	}
	return total, true
}

// groupSize returns how many terms (ancestors included) terms holds in
// the group of bit b: the length of that keyword field in Bleve.
func (s *scorer) groupSize(terms *termSet, b int) int {
	for gi, r := range s.c.bits.runs {
		if b >= r.first && b < r.end {
			set := terms.and(s.c.bits.groupSet[gi])
			n := 0
			for _, x := range set {
				n += bits.OnesCount64(x)
			}
			return n
		}
	}
	return 1
}

// textHits returns the facilities matching q's text, compiled as wq (nil
// when only stop words), with their scores:
// those within q's radius that pass its filters or fail only one (they
// count in the facets), or, without a radius, every live one. It is the
// word index's answer to what Index.textScores asks Bleve.
func (c *catalog) textHits(q *Query, wq *wordQuery) []textHit {
	hits := []textHit{}
	if wq == nil {
		return hits
	}
	s := newScorer(c, wq)
	try := func(i int) {
		if sc, ok := s.score(i); ok {
			hits = append(hits, textHit{pos: int32(i), score: sc})
		}
	}
	if !q.HasLocation || q.RadiusKm == 0 {
		for i := range c.entries {
			if c.entries[i].alive() {
				try(i)
			}
		}
		return hits
	}
	filters := c.bits.filters(q)
	keep := func(i int) bool { return c.nearly(i, filters) }
	// The points of blocks wholly inside the circle need no measuring.
	m := c.grid.Meter(q.Center)
	c.grid.Spans(q.Center, q.RadiusKm, func(sp geo.Span) bool {
		for p := sp.Start; p < sp.End; p++ {
			if i := c.grid.ID(p); keep(i) && (sp.Inside || m.Km(p) <= q.RadiusKm) {
				try(i)
			}
		}
		return true
	})
	for i := c.gridN; i < len(c.entries); i++ {
		if keep(i) && geo.DistanceKm(q.Center, c.entries[i].pt) <= q.RadiusKm {
			try(i)
		}
	}
	return hits
}

// walkPerMatch bounds the facilities per (estimated) match for which a
// walk outward from a point is expected to meet a match soon; with rarer
// matches, the walk could cross the whole country (when the estimate, an
// upper bound, is far off), and every match is measured instead.
const walkPerMatch = 4096

// nearestText returns the distance from q's center to the nearest facility
// anywhere that passes q's filters and matches its text (compiled as wq;
// nil when only stop words), and whether there is one. Common matches are
// met walking outward from the center; rare ones are all measured.
func (c *catalog) nearestText(q *Query, wq *wordQuery) (dist float64, found bool) {
	return c.nearestTextWalking(q, wq, walkPerMatch)
}

// nearestTextWalking is nearestText with the walk outward bounded to walk
// facilities (or to those expected per match).
func (c *catalog) nearestTextWalking(q *Query, wq *wordQuery, walk int) (dist float64, found bool) {
	if wq == nil {
		return 0, false
	}
	// An upper bound on the matches: those of the rarest word.
	est := c.live
	for _, qw := range wq.words {
		n := 0
		for _, b := range qw.labels {
			set := c.byTerm[b]
			for i, x := range set[:min(len(set), len(c.alive))] {
				n += bits.OnesCount64(x & c.alive[i])
			}
		}
		if qw.end > qw.first {
			// The facilities holding a word its first token matches.
			for _, m := range c.words.matches(wq.toks[qw.first].tok) {
				n += int(c.words.dfAll[m.id])
			}
		}
		est = min(est, n)
	}
	if est == 0 {
		return 0, false
	}
	s := newScorer(c, wq)
	filters := c.bits.filters(q)
	best := math.Inf(1)
	measureAll := func() (float64, bool) {
		for _, p := range c.textEverywhere(q.Text, s) {
			if c.passes(int(p), filters) {
				best = min(best, geo.DistanceKm(q.Center, c.entries[p].pt))
			}
		}
		return best, !math.IsInf(best, 1)
	}
	if c.live/est > walk {
		return measureAll() // rare: measure every match, found once per text
	}
	for i := c.gridN; i < len(c.entries); i++ { // recent changes, not on the grid yet
		if c.passes(i, filters) {
			if _, match := s.score(i); match {
				best = min(best, geo.DistanceKm(q.Center, c.entries[i].pt))
			}
		}
	}
	visited := 0
	c.grid.Nearest(q.Center, func(i int, d float64) bool {
		if d >= best {
			return false
		}
		if c.passes(i, filters) {
			if _, match := s.score(i); match {
				best = d
				return false
			}
		}
		visited++
		return visited < walk
	})
	if visited >= walk {
		// The matches are rarer than estimated (words that each match
		// often but seldom together): measure them all.
		best = math.Inf(1)
		return measureAll()
	}
	return best, !math.IsInf(best, 1)
}

// maxEverywhere bounds the texts whose matches everywhere are cached.
const maxEverywhere = 64

// textEverywhere returns the positions of every live facility matching
// the text s scores (filters aside): a pass over the whole word index the
// first time, then from a cache that any change to the index empties. It
// is only asked for texts whose matches are rare, so the lists are short.
func (c *catalog) textEverywhere(text string, s *scorer) []int32 {
	w := c.words
	w.cacheMu.Lock()
	ps, ok := w.everywhere[text]
	w.cacheMu.Unlock()
	if ok {
		return ps
	}
	ps = []int32{}
	for i := range c.entries {
		if c.entries[i].alive() {
			if _, match := s.score(i); match {
				ps = append(ps, int32(i))
			}
		}
	}
	w.cacheMu.Lock()
	if len(w.everywhere) >= maxEverywhere {
		clear(w.everywhere)
	}
	w.everywhere[text] = ps
	w.cacheMu.Unlock()
	return ps
}

// putBounded stores v under k in m, a cache guarded by mu that starts over
// when it holds maxWordCache entries.
func putBounded[K comparable, V any](mu *sync.Mutex, m map[K]V, k K, v V) {
	mu.Lock()
	if len(m) >= maxWordCache {
		clear(m)
	}
	m[k] = v
	mu.Unlock()
}
