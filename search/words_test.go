package search

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/sharedtest"
)

// osaBrute is the optimal-string-alignment distance, computed in full.
func osaBrute(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func TestOSAWithin(t *testing.T) {
	tests := []struct {
		a, b string
		k    int
		want int // k+1 means "more than k"
	}{
		{"detox", "detox", 1, 0},
		{"detx", "detox", 1, 1},
		{"deotx", "detox", 1, 1}, // a transposition counts one
		{"burprenorphin", "buprenorphin", 2, 1},
		{"methadon", "metadon", 2, 1},
		{"women", "woman", 1, 1},
		{"recoveri", "recov", 2, 3},
		{"español", "espanol", 1, 1},
		{"", "ab", 2, 2},
		{"abc", "xyz", 1, 2},
	}
	for _, tt := range tests {
		if got := osaWithin([]rune(tt.a), []rune(tt.b), tt.k); got != tt.want {
			t.Errorf("osaWithin(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.k, got, tt.want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	word := func() []rune {
		r := make([]rune, rng.IntN(9))
		for i := range r {
			r[i] = rune('a' + rng.IntN(4))
		}
		return r
	}
	for range 20000 {
		a, b, k := word(), word(), rng.IntN(3)
		want := osaBrute(a, b)
		got := osaWithin(a, b, k)
		if (want <= k && got != want) || (want > k && got <= k) {
			t.Fatalf("osaWithin(%q, %q, %d) = %d, full distance %d", string(a), string(b), k, got, want)
		}
	}
}

// wordFacility makes facility i of a small town, its text drawn from a
// few words so that queries match many.
func wordFacility(rng *rand.Rand, tax *directory.Taxonomy, id string) *directory.Facility {
	vocab := []string{"Recovery", "Center", "Detox", "Womens", "Residential", "Methadone", "Clinic", "Hope", "House",
		"Counseling", "Services", "Veterans", "Family", "Council", "Español", "Cahaba", "New", "Life"}
	pick := func(n int) string {
		s := ""
		for range n {
			s += vocab[rng.IntN(len(vocab))] + " "
		}
		return s
	}
	f := &directory.Facility{ID: id, Name: pick(1 + rng.IntN(4)), Active: true, Lat: 36 + rng.Float64(), Lon: -87 + rng.Float64(),
		Description: pick(rng.IntN(8)), Address: directory.Address{City: "Nashville", State: "TN", ZIP: "37203", Lines: []string{pick(2)}}}
	if rng.IntN(3) == 0 {
		f.AlternateNames = []string{pick(2)}
	}
	for _, g := range directory.Groups() {
		terms := tax.Terms(g)
		f.Services.Add(g, terms[rng.IntN(len(terms))].Slug)
	}
	return f
}

// TestWordIndexIncremental checks that a word index kept up to date
// through changes, removals, compactions and a snapshot scores every
// query as one built afresh from the final facilities does.
func TestWordIndexIncremental(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	tb := newTermBits(tax)
	lm := newLabelMatcher(tax, newMapping().AnalyzerNamed(en.AnalyzerName))
	rng := rand.New(rand.NewPCG(8, 9))
	final := map[string]*directory.Facility{}
	cat := newCatalog(tb)
	for step := range 3000 {
		id := fmt.Sprintf("f%d", rng.IntN(800))
		if rng.IntN(5) == 0 {
			cat.apply(&directory.Facility{ID: id}) // removed
			delete(final, id)
		} else {
			f := wordFacility(rng, tax, id)
			cat.apply(f)
			final[id] = f
		}
		if step%700 == 699 {
			cat = cat.compacted()
		}
	}
	dir := t.TempDir()
	if err := saveSnapshot(dir, cat, 1); err != nil {
		t.Fatal(err)
	}
	loaded, _, err := loadSnapshot(dir, tb)
	if err != nil {
		t.Fatal(err)
	}
	fresh := newCatalog(tb)
	for _, f := range final {
		fresh.apply(f)
	}
	fresh = fresh.compacted()
	scores := func(c *catalog, text string) map[string]float64 {
		out := map[string]float64{}
		for _, h := range c.textHits(&Query{Text: text}, c.words.compile(text, lm, tb)) {
			out[c.id(int(h.pos))] = h.score
		}
		return out
	}
	texts := []string{"recovery", "detx", "womens residential", "methadone clinic", "espanol", "spanish", "the",
		"counsel center", "veteran", "cahaba hope", "nashville", "37203", "buprenorphine", "xyzzy"}
	for _, text := range texts {
		want := scores(fresh, text)
		for name, c := range map[string]*catalog{"incremental": cat, "snapshot": loaded} {
			got := scores(c, text)
			if len(got) != len(want) {
				t.Errorf("%s %q: %d matches, want %d", name, text, len(got), len(want))
				continue
			}
			for id, w := range want {
				if g, ok := got[id]; !ok || math.Abs(g-w) > 1e-9*w {
					t.Errorf("%s %q: %s scores %v, want %v", name, text, id, g, w)
				}
			}
		}
	}
	if len(scores(fresh, "recovery")) == 0 || len(scores(fresh, "xyzzy")) != 0 {
		t.Errorf("the test's own data does not exercise matching")
	}
}

// TestNearestText checks the distance to the nearest text match anywhere,
// by a walk outward and by measuring every match, against measuring every
// facility.
func TestNearestText(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	tb := newTermBits(tax)
	lm := newLabelMatcher(tax, newMapping().AnalyzerNamed(en.AnalyzerName))
	rng := rand.New(rand.NewPCG(12, 13))
	cat := newCatalog(tb)
	for i := range 600 {
		f := wordFacility(rng, tax, fmt.Sprintf("f%d", i))
		f.Lat, f.Lon = 25+rng.Float64()*20, -120+rng.Float64()*45
		cat.apply(f)
	}
	cat = cat.compacted()
	texts := []string{"recovery", "detx", "womens residential", "methadone clinic", "cahaba hope", "xyzzy", "veteran council"}
	for k := range 200 {
		text := texts[k%len(texts)]
		q := &Query{HasLocation: true, Center: [2]float64{-120 + rng.Float64()*45, 25 + rng.Float64()*20}, RadiusKm: 1, Text: text}
		if k%3 == 0 {
			q.Filters = map[directory.Group][]string{directory.GroupCare: {"detox"}}
		}
		wq := cat.words.compile(text, lm, tb)
		want, wantOK := math.Inf(1), false
		filters := tb.filters(q)
		for _, h := range cat.textHits(&Query{Text: text}, wq) {
			if i := int(h.pos); cat.passes(i, filters) {
				want, wantOK = min(want, geo.DistanceKm(q.Center, cat.entries[i].pt)), true
			}
		}
		for _, walk := range []int{1, 5, 1 << 30} {
			got, ok := cat.nearestTextWalking(q, wq, walk)
			if ok != wantOK || (ok && math.Abs(got-want) > 1e-9) {
				t.Fatalf("%q from %v, walking %d: %v %v, want %v %v", text, q.Center, walk, got, ok, want, wantOK)
			}
		}
	}
}

// realCatalog builds a catalog of the real 2015 directory, or skips.
func realCatalog(b *testing.B) (*catalog, *labelMatcher) {
	b.Helper()
	path := sharedtest.File(b, "data/samhsa-directory-2015.csv")
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	tax := directory.DefaultTaxonomy()
	rep, err := data.ParseSAMHSA2015(context.Background(), f, data.ParseOptions{Taxonomy: tax})
	if err != nil {
		b.Fatal(err)
	}
	cat := newCatalog(newTermBits(tax))
	for i := range rep.Records {
		cat.apply(&rep.Records[i].Facility)
	}
	return cat.compacted(), newLabelMatcher(tax, newMapping().AnalyzerNamed(en.AnalyzerName))
}

// BenchmarkWordMatchesCold measures finding the dictionary words within
// Bleve's fuzziness of a query token with an empty cache: the cost of the
// first query with a new word.
//
//	go test -run '^$' -bench WordMatchesCold ./search
func BenchmarkWordMatchesCold(b *testing.B) {
	cat, _ := realCatalog(b)
	toks := []string{"detox", "methadon", "clinic", "recoveri", "women", "residenti", "burprenorphin", "dui"}
	b.ResetTimer()
	for i := range b.N {
		clear(cat.words.cache)
		cat.words.matches(toks[i%len(toks)])
	}
	b.ReportMetric(float64(len(cat.words.words)), "words")
}

// BenchmarkTextHitsReal measures the word index alone: compiling and
// scoring a text within 25 miles of Nashville, warm caches.
func BenchmarkTextHitsReal(b *testing.B) {
	cat, lm := realCatalog(b)
	texts := []string{"detox", "methadone clinic", "recovery", "womens residential", "burprenorphine"}
	qs := make([]Query, len(texts))
	for i, text := range texts {
		qs[i] = Query{HasLocation: true, Center: orb.Point{-86.78, 36.16}, RadiusKm: 40.2, Text: text}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		q := &qs[i%len(qs)]
		cat.textHits(q, cat.words.compile(q.Text, lm, cat.bits))
	}
}

// BenchmarkWordIndexBuild builds the word index of 100,000 synthetic
// facilities (carefinder-bench's 100k) and reports its size.
//
//	go test -run '^$' -bench WordIndexBuild -benchtime 1x ./search
func BenchmarkWordIndexBuild(b *testing.B) {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	fs := data.GenerateDemo(data.DemoOptions{Seed: 1, N: 100_000, ZIPs: gaz.ZIPs()})
	tax := directory.DefaultTaxonomy()
	tb := newTermBits(tax)
	b.ResetTimer()
	var w *wordIndex
	for range b.N {
		w = newWordIndex(tb.analyzer)
		for i := range fs {
			w.add(i, &fs[i])
		}
	}
	b.StopTimer()
	arrays := 4*len(w.ids) + 2*len(w.freq) + 4*len(w.off) + 4*len(w.lens) + 8*len(w.dead)
	dict := 0
	for _, word := range w.words {
		dict += len(word) + 16 + 8 + 4 + 4 + 4 + 30 // string, mask, df×2, byLen, map entry (about)
	}
	b.ReportMetric(float64(len(w.words)), "words")
	b.ReportMetric(float64(len(w.ids))/float64(len(fs)), "words/facility")
	b.ReportMetric(float64(arrays)/float64(len(fs)), "array-B/facility")
	b.ReportMetric(float64(dict)/1e6, "dict-MB")
}

// BenchmarkTextHits100k measures the word index alone over 100,000
// synthetic facilities: compiling and scoring a text within 25 miles of
// ZIP centroids and, when nothing matches there, finding the nearest
// match, warm caches. BenchmarkTextHits1M does the same over a million.
func BenchmarkTextHits100k(b *testing.B) { benchmarkTextHits(b, 100_000) }

// BenchmarkTextHits1M: see BenchmarkTextHits100k.
//
//	go test -run '^$' -bench TextHits1M -benchtime 300x ./search
func BenchmarkTextHits1M(b *testing.B) { benchmarkTextHits(b, 1_000_000) }

func benchmarkTextHits(b *testing.B, n int) {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		b.Fatal(err)
	}
	tax := directory.DefaultTaxonomy()
	cat := newCatalog(newTermBits(tax))
	for f := range data.DemoFacilities(data.DemoOptions{Seed: 1, N: n, ZIPs: gaz.ZIPs()}) {
		f.Active = true
		cat.apply(&f)
	}
	cat = cat.compacted()
	lm := newLabelMatcher(tax, newMapping().AnalyzerNamed(en.AnalyzerName))
	texts := []string{"detox", "methadone clinic", "recovery", "womens residential", "burprenorphine"}
	zips := gaz.ZIPs()
	rng := rand.New(rand.NewPCG(1, 2))
	qs := make([]Query, 1000)
	for i := range qs {
		qs[i] = Query{HasLocation: true, Center: orb.Point(zips[rng.IntN(len(zips))].Point), RadiusKm: 40.2,
			Text: texts[rng.IntN(len(texts))]}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	hits, walks := 0, 0
	for i := range b.N {
		start := time.Now()
		q := &qs[i%len(qs)]
		wq := cat.words.compile(q.Text, lm, cat.bits)
		h := cat.textHits(q, wq)
		hits += len(h)
		if len(h) == 0 {
			walks++
			cat.nearestText(q, wq)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(hits)/float64(b.N), "hits/query")
	b.ReportMetric(float64(walks)/float64(b.N), "nearest/query")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
