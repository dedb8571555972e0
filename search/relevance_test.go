package search_test

import (
	"bufio"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/sharedtest"
	"github.com/carefinder/carefinder/search"
)

// relevanceCase is one line of testdata/relevance-real.txt: a text query
// near a ZIP, ordered by relevance, with the total and the first results
// a person would expect.
type relevanceCase struct {
	line   int
	text   string
	zip    string
	miles  float64
	total  int
	firsts []string // the names of the first results, in order
}

// readRelevanceCases parses the table: fields separated by " | ": text,
// ZIP, radius in miles, total, then the expected first names.
func readRelevanceCases(t *testing.T, path string) []relevanceCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []relevanceCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " | ")
		if len(parts) < 4 {
			t.Fatalf("%s:%d: want text | zip | miles | total | first names…", path, n)
		}
		miles, err1 := strconv.ParseFloat(parts[2], 64)
		total, err2 := strconv.Atoi(parts[3])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s:%d: bad miles or total", path, n)
		}
		out = append(out, relevanceCase{line: n, text: parts[0], zip: parts[1], miles: miles, total: total, firsts: parts[4:]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRelevanceReal runs real queries over the real 2015 directory, sorted
// by relevance within a radius, and checks the total and the first results
// written down in testdata/relevance-real.txt (checked by eye when written).
func TestRelevanceReal(t *testing.T) {
	path := sharedtest.File(t, "data/samhsa-directory-2015.csv")
	if testing.Short() {
		t.Skip("imports the whole 2015 directory")
	}
	cases := readRelevanceCases(t, "testdata/relevance-real.txt")
	fx := realIndex(t, path)
	gaz, err := geo.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(strconv.Itoa(c.line)+"-"+c.text, func(t *testing.T) {
			z, ok := gaz.LookupZIP(c.zip)
			if !ok {
				t.Fatalf("no ZIP %s", c.zip)
			}
			q := search.Query{HasLocation: true, Center: orb.Point(z.Point), RadiusKm: geo.MiToKm(c.miles), Text: c.text,
				Sort: search.SortRelevance, Limit: 5}
			res, err := fx.index.Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.Facility.Name)
				t.Logf("%.4f %5.1f km %s (%s)", h.Score, h.DistanceKm, h.Facility.Name, h.Facility.ID)
			}
			if res.Total != c.total {
				t.Errorf("%q near %s within %v mi: total %d, want %d", c.text, c.zip, c.miles, res.Total, c.total)
			}
			for i, want := range c.firsts {
				if i >= len(got) || got[i] != want {
					t.Errorf("%q near %s within %v mi: result %d is %q, want %q (got %q)", c.text, c.zip, c.miles, i+1, at(got, i), want, got)
				}
			}
		})
	}
}

// realIndex imports the 2015 directory at path into a fresh store and
// index.
func realIndex(tb testing.TB, path string) *fixture {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rep, err := data.ParseSAMHSA2015(context.Background(), f, data.ParseOptions{Taxonomy: directory.DefaultTaxonomy()})
	if err != nil {
		tb.Fatal(err)
	}
	var fs []directory.Facility
	for _, r := range rep.Records {
		fs = append(fs, r.Facility)
	}
	return mustIndex(tb, fs...)
}

// TestTextParityReal checks the word index against Bleve on the real 2015
// directory: for texts within a radius at random ZIPs, the same facilities
// match, and their scores are Bleve's up to one factor per query (Bleve's
// query norm), so they order the same.
func TestTextParityReal(t *testing.T) {
	path := sharedtest.File(t, "data/samhsa-directory-2015.csv")
	if testing.Short() {
		t.Skip("imports the whole 2015 directory")
	}
	fx := realIndex(t, path)
	gaz, err := geo.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"detox", "methadone clinic", "recovery", "womens residential", "burprenorphine", "veterans",
		"detx", "spanish", "español", "cahaba", "salvation army", "teen challenge", "dui", "native american",
		"medicaid detox", "pregnant women", "the", "co-occurring disorders", "hospital", "st joseph", "counseling center"}
	zips := gaz.ZIPs()
	rng := rand.New(rand.NewPCG(11, 11))
	compared, hits := 0, 0
	for range 400 {
		z := zips[rng.IntN(len(zips))]
		text := texts[rng.IntN(len(texts))]
		q := search.Query{HasLocation: true, Center: orb.Point(z.Point), RadiusKm: geo.MiToKm(50), Text: text}
		words, bleve, err := search.TextScoresBoth(fx.index, q)
		if qe, ok := err.(*search.QueryError); ok && text == "the" && qe.Field == search.FieldText {
			continue // only a stop word: both refuse it
		}
		if err != nil {
			t.Fatal(err)
		}
		compared++
		hits += len(bleve)
		for id := range bleve {
			if _, ok := words[id]; !ok {
				t.Errorf("%q near %s: Bleve matches %s, the word index does not", text, z.ZIP, id)
			}
		}
		for id := range words {
			if _, ok := bleve[id]; !ok {
				t.Errorf("%q near %s: the word index matches %s, Bleve does not", text, z.ZIP, id)
			}
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for id, b := range bleve {
			if w, ok := words[id]; ok {
				lo, hi = min(lo, b/w), max(hi, b/w)
			}
		}
		if hi > lo*(1+1e-6) {
			t.Errorf("%q near %s: Bleve's scores are %.6g to %.6g times the word index's, not one factor", text, z.ZIP, lo, hi)
		}
	}
	t.Logf("%d queries, %d matches compared", compared, hits)
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
