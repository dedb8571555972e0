package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/sharedtest"
	"github.com/carefinder/carefinder/search"
)

// TestRealDirectory imports the real 2015 SAMHSA directory through the
// command line, as an operator would, and checks known facilities and
// counts against the CSV read independently.
func TestRealDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 11,928 facilities; skipped with -short")
	}
	path := sharedtest.File(t, "data/samhsa-directory-2015.csv")
	data := t.TempDir()
	environ := map[string]string{"CAREFINDER_DATA": data}
	code, out, errs := runCLI(t, environ, "import", "--format", "samhsa-2015", path)
	if code != exitOK {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "11928 rows read, 11928 inserted, 0 updated, 0 unchanged, 0 rejected") {
		t.Errorf("first import: %s", out)
	}
	if !strings.Contains(out, "OTPA=911") || strings.Contains(out, "BC=") || strings.Contains(out, "FEM=") {
		t.Errorf("unmapped-code report should list OTPA=911 and not BC or FEM, which have terms: %s", out)
	}
	if !strings.Contains(out, "names that the source wrapped over its name lines were joined") {
		t.Errorf("import report does not count the joined names: %s", out)
	}
	if code, out, _ := runCLI(t, environ, "import", "--format", "samhsa-2015", path); code != exitOK ||
		!strings.Contains(out, "0 inserted, 0 updated, 11928 unchanged") {
		t.Errorf("second import changed something: %s", out)
	}
	if code, out, errs := runCLI(t, environ, "reindex"); code != exitOK || !strings.Contains(out, "11928 facilities") {
		t.Fatalf("reindex: exit %d %s %s", code, out, errs)
	}

	ctx := context.Background()
	store, err := directory.Open(ctx, filepath.Join(data, "carefinder.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ix, err := search.Open(ctx, filepath.Join(data, "index"), store, store.Taxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	gaz, err := geo.NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	near := func(zip string) orb.Point {
		p, err := gaz.Geocode(zip)
		if err != nil {
			t.Fatal(err)
		}
		return p.Point
	}

	// Known facilities.
	tests := []struct {
		name  string
		q     search.Query
		want  string // a name among the first hits
		phone string
	}{
		{"SpectraCare Henry County", search.Query{HasLocation: true, Center: near("36310"), RadiusKm: 25,
			Filters: map[directory.Group][]string{directory.GroupCare: {"outpatient"}, directory.GroupPayment: {"medicaid"}}},
			"SpectraCare", "(334) 673-2143"},
		{"Shelby County methadone", search.Query{HasLocation: true, Center: near("35007"), RadiusKm: 10,
			Filters: map[directory.Group][]string{directory.GroupMedication: {"methadone"}}},
			"Shelby County Treatment Center", "(205) 216-0200"},
		{"by text", search.Query{Text: "shelby county treatment center"}, "Shelby County Treatment Center", ""},
	}
	for _, tt := range tests {
		res, err := ix.Search(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range res.Hits {
			if h.Facility.Name == tt.want && (tt.phone == "" || h.Facility.Phones.Main == tt.phone) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %q not among %d hits", tt.name, tt.want, len(res.Hits))
		}
	}

	// Counts: nationwide totals per filter equal what the CSV says.
	rows := readCSV(t, path)
	countCodes := func(codes ...string) int {
		n := 0
		for _, r := range rows {
			keys := strings.Split(r["Keys"], "/")
			if slices.ContainsFunc(codes, func(c string) bool { return slices.Contains(keys, c) }) {
				n++
			}
		}
		return n
	}
	tax := store.Taxonomy()
	counts := []struct {
		g    directory.Group
		slug string
	}{
		{directory.GroupCare, "detox"},
		{directory.GroupMedication, "buprenorphine"},
		{directory.GroupPayment, "medicaid"},
		{directory.GroupLanguage, "es"},
		{directory.GroupPopulation, "veterans"},
		{directory.GroupPopulation, "beds-for-children"},
		{directory.GroupGender, "female"},
		{directory.GroupGender, "male"},
	}
	// Every language of the 2015 legend, searched nationwide, counts the
	// rows carrying its code.
	for _, t := range tax.Terms(directory.GroupLanguage) {
		if len(t.SAMHSACodes) > 0 {
			counts = append(counts, struct {
				g    directory.Group
				slug string
			}{directory.GroupLanguage, t.Slug})
		}
	}
	all, err := ix.Search(ctx, search.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != len(rows) {
		t.Errorf("index holds %d facilities, the file %d rows", all.Total, len(rows))
	}
	for _, c := range counts {
		term, _ := tax.Lookup(c.g, c.slug)
		want := countCodes(term.SAMHSACodes...)
		res, err := ix.Search(ctx, search.Query{Filters: map[directory.Group][]string{c.g: {c.slug}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want || all.Facets.Count(c.g, c.slug) != want {
			t.Errorf("%s=%s: search total %d, facet %d, CSV rows with %v: %d", c.g, c.slug, res.Total, all.Facets.Count(c.g, c.slug), term.SAMHSACodes, want)
		}
		if c.slug == "pl" && res.Total != 116 {
			t.Errorf("language=pl finds %d facilities, the file has 116 Polish rows", res.Total)
		}
	}
	// "language=nai" finds every facility with an American Indian or
	// Alaska Native language, named (N23 Navajo) or not (NX).
	if res, err := ix.Search(ctx, search.Query{Filters: map[directory.Group][]string{directory.GroupLanguage: {"nai"}}}); err != nil ||
		res.Total != countCodes("NX", "N13", "N18", "N23", "N24", "N40") {
		t.Errorf("language=nai: %v, %v", res.Total, err)
	}

	// Every result, page by page: no cut-off name, no claim about hours
	// the file does not make.
	seen := 0
	for q := (search.Query{Limit: search.MaxLimit}); ; {
		res, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			seen++
			f := h.Facility
			words := strings.Fields(f.Name)
			switch last := words[len(words)-1]; last {
			case "of", "for", "and", "the", "at", "&", "on":
				t.Errorf("%s: name %q is cut off", f.ID, f.Name)
			}
			if f.Open247 != nil {
				t.Errorf("%s: open_24_7 = %v; the 2015 file says nothing about hours", f.ID, *f.Open247)
			}
		}
		if res.NextCursor == "" {
			break
		}
		q.Cursor = res.NextCursor
	}
	if seen != len(rows) {
		t.Errorf("paged through %d results, want %d", seen, len(rows))
	}
}

func readCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}
