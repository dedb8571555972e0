package web

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// hostileStrings are strings whose JSON encoding is easy to get wrong:
// quotes and backslashes, every control character, HTML's <, > and &,
// U+2028/2029, non-ASCII text, and invalid UTF-8.
func hostileStrings() []string {
	out := []string{
		"", "plain", `"quoted"`, `back\slash`, `\"`, "<script>alert(1)</script>", "a&b", "Tom & Jerry's <b>",
		"line\nbreak", "tab\there", "cr\r", "\b\f", "\x00", "\x1f", "\x7f", "del\x7fete",
		"\u2028", "\u2029", "a\u2028b\u2029c", "Atención médica", "日本語", "emoji 😀", "\ufffd", "\ufeffbom",
		"\xff", "\xc3", "a\xc3(b", "\xe2\x80", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 beyond", "\xc0\xaf overlong",
		"ends in \xe2\x80\xa8", "mixed \x01<\u2029>\xfe&\"", strings.Repeat("é", 300),
		"https://example.org/?a=1&b=2", "</script>", "\u0085 NEL", "\u00a0 nbsp", "\u200b zwsp",
	}
	for c := range 256 {
		out = append(out, string([]byte{byte(c)}), "x"+string([]byte{byte(c)})+"y")
	}
	return out
}

// mustMarshal is encoding/json's encoding of v.
func mustMarshal(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range hostileStrings() {
		if got, want := string(appendString(nil, s)), mustMarshal(t, s); got != want {
			t.Errorf("appendString(%q) = %s, encoding/json says %s", s, got, want)
		}
	}
}

// FuzzAppendString checks the string escaper against encoding/json on any
// string.
func FuzzAppendString(f *testing.F) {
	for _, s := range hostileStrings() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString([]byte("prefix"), s)
		if want := "prefix" + mustMarshal(t, s); string(got) != want {
			t.Fatalf("appendString(%q) = %s, encoding/json says %s", s, got[len("prefix"):], want[len("prefix"):])
		}
		if !utf8.Valid(got) {
			t.Fatalf("appendString(%q) is not valid UTF-8", s)
		}
	})
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 25, 40.234, 36.149775, -86.789146, 0.987, 1e-6, 9.99999e-7, 1e-7, -1e-7,
		1e20, 1e21, 123456789012345678901, 1.5e300, math.MaxFloat64, math.SmallestNonzeroFloat64, -math.MaxFloat64,
		0.1 + 0.2, 1.0 / 3, 5e-324, 1e-9, 2.5e-10, 100000, 1e15, 1e16,
	} {
		if got, want := string(appendFloat(nil, f)), mustMarshal(t, f); got != want {
			t.Errorf("appendFloat(%v) = %s, encoding/json says %s", f, got, want)
		}
	}
}

// FuzzAppendFloat checks the number format against encoding/json on any
// finite float64.
func FuzzAppendFloat(f *testing.F) {
	for _, bits := range []uint64{0, 1, math.Float64bits(1e21), math.Float64bits(1e-6), math.Float64bits(-86.789146)} {
		f.Add(bits)
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		if got, want := string(appendFloat(nil, v)), mustMarshal(t, v); got != want {
			t.Fatalf("appendFloat(%v) = %s, encoding/json says %s", v, got, want)
		}
	})
}

// hostileFacility is a facility with s in every string it shows, and
// terms the taxonomy has and lacks.
func hostileFacility(s string, i int) *directory.Facility {
	f := &directory.Facility{
		ID:             "f-" + s,
		Name:           s,
		AlternateNames: []string{s, "Other " + s},
		Address:        directory.Address{Lines: []string{s, "Suite 2"}, City: s, State: "TN", ZIP: s},
		Lat:            36.1627 + float64(i)*1e-7,
		Lon:            -86.7816 - float64(i)*1e-3,
		Phones:         directory.Phones{Intake: s, Main: "615-555-0100"},
		Website:        "https://example.org/" + s,
		Provenance:     directory.Provenance{Source: s, SourceID: s, LastVerified: s},
		Services: directory.Services{
			Care:     []string{"detox", s},
			Payment:  []string{"medicaid", "self-pay"},
			Language: []string{"es", "en", "xx-unknown"},
		},
	}
	switch i % 3 {
	case 0:
		f.Open247 = directory.Known(true)
	case 1:
		f.Open247 = directory.Known(false)
		f.Phones.Hotline = "800-555-0199"
	}
	return f
}

func TestSearchEncoderMatchesEncodingJSON(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	enc := newSearchEncoder(tax)
	ptr := func(s string) *string { return &s }
	fptr := func(f float64) *float64 { return &f }
	near := 12.3456789
	type tcase struct {
		name string
		echo queryEcho
		res  search.Result
	}
	var tests []tcase
	layout := search.NewFacetLayout(tax)
	// facets gives every term its own count, so that a count written
	// under the wrong term shows.
	facets := func(seed int) search.Facets {
		f := layout.NewFacets()
		for k, g := range directory.Groups() {
			for j, term := range tax.Terms(g) {
				if err := f.Set(g, term.Slug, seed+100*k+j); err != nil {
					t.Fatal(err)
				}
			}
		}
		return f
	}
	for i, s := range hostileStrings() {
		tests = append(tests, tcase{
			name: "hostile " + s,
			echo: queryEcho{Near: ptr(s), Label: ptr(s), Lat: fptr(36.16), Lon: fptr(-86.78), Precision: ptr("zip"), Note: s,
				Radius: ptr("25mi"), RadiusKm: fptr(40.234), RadiusMi: fptr(25),
				Filters: map[directory.Group][]string{directory.GroupCare: {s}, directory.GroupPayment: {}, directory.GroupLanguage: nil},
				Q:       s, Sort: search.Sort(s), Limit: 20, Cursor: s, Lang: []string{langEnglish, langSpanish}[i%2]},
			res: search.Result{Total: i, NextCursor: s, Hits: []search.Hit{
				{Facility: hostileFacility(s, i), DistanceKm: float64(i) * 0.731},
				{Facility: hostileFacility(s+"2", i+1), DistanceKm: math.NaN()},
			}, Facets: facets(i)},
		})
	}
	tests = append(tests,
		tcase{name: "empty", echo: queryEcho{Lang: langEnglish}},
		tcase{name: "nil filters and lists", echo: queryEcho{Lang: langSpanish, Sort: search.SortDistance},
			res: search.Result{Hits: []search.Hit{{Facility: &directory.Facility{ID: "bare"}, DistanceKm: math.NaN()}}}},
		tcase{name: "nearest", echo: queryEcho{Lang: langEnglish, Filters: map[directory.Group][]string{}}, res: search.Result{NearestKm: &near}},
		tcase{name: "every group filtered", echo: queryEcho{Lang: langSpanish, Filters: map[directory.Group][]string{
			directory.GroupCare: {"detox"}, directory.GroupTherapy: {"family-therapy"}, directory.GroupMedication: {"methadone"},
			directory.GroupPayment: {"medicaid"}, directory.GroupPopulation: {"veterans"}, directory.GroupGender: {"female"},
			directory.GroupLanguage: {"es"}}}},
		tcase{name: "groups the taxonomy lacks", echo: queryEcho{Lang: langEnglish, Filters: map[directory.Group][]string{
			directory.GroupCare: {"detox"}, "aaa": {"x"}, "zzz": nil, "": {}}}},
		tcase{name: "extreme numbers", echo: queryEcho{Lat: fptr(1e-7), Lon: fptr(-1e21), RadiusKm: fptr(0), RadiusMi: fptr(math.Copysign(0, -1)), Lang: langEnglish},
			res: search.Result{Total: -1, Hits: []search.Hit{{Facility: &directory.Facility{ID: "tiny", Lat: 5e-324, Lon: 1e22}, DistanceKm: 1e-9}}}},
	)
	for _, tt := range tests {
		for _, geojson := range []bool{false, true} {
			want, err := referenceSearch(tt.echo, &tt.res, tax, geojson)
			if err != nil {
				t.Fatalf("%s: encoding/json: %v", tt.name, err)
			}
			got, err := enc.appendSearch([]byte("stale bytes"), &tt.echo, &tt.res, geojson)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got = got[len("stale bytes"):]
			if !bytes.Equal(got, want) {
				t.Errorf("%s (geojson %v):\n got %s\nwant %s", tt.name, geojson, got, want)
			}
		}
	}
}

// TestSearchEncoderRefusesNaN checks that a number JSON cannot hold fails
// the answer, as it failed encoding/json, instead of writing invalid JSON.
func TestSearchEncoderRefusesNaN(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	enc := newSearchEncoder(tax)
	inf := math.Inf(1)
	for _, tt := range []struct {
		name string
		echo queryEcho
		res  search.Result
	}{
		{"lat", queryEcho{}, search.Result{Hits: []search.Hit{{Facility: &directory.Facility{Lat: math.NaN()}, DistanceKm: 1}}}},
		{"distance", queryEcho{}, search.Result{Hits: []search.Hit{{Facility: &directory.Facility{}, DistanceKm: math.Inf(-1)}}}},
		{"echo", queryEcho{RadiusKm: &inf}, search.Result{}},
		{"nearest", queryEcho{}, search.Result{NearestKm: &inf}},
		// Finite, but infinite once rounded to metres.
		{"huge distance", queryEcho{}, search.Result{Hits: []search.Hit{{Facility: &directory.Facility{}, DistanceKm: 1e306}}}},
	} {
		for _, geojson := range []bool{false, true} {
			if _, err := referenceSearch(tt.echo, &tt.res, tax, geojson); err == nil {
				t.Fatalf("%s: encoding/json took it", tt.name)
			}
			if _, err := enc.appendSearch(nil, &tt.echo, &tt.res, geojson); err == nil {
				t.Errorf("%s (geojson %v): no error", tt.name, geojson)
			}
		}
	}
}

// BenchmarkAppendString measures the string escaper on what answers hold:
// slugs, names, addresses, URLs, a little non-ASCII.
//
//	go test -run '^$' -bench AppendString ./web
func BenchmarkAppendString(b *testing.B) {
	in := []string{"detox", "intensive-outpatient", "Cumberland Heights Foundation Inc", "8283 River Road Pike",
		"Nashville", "TN", "37209", "https://www.cumberlandheights.org", "615-356-2700", "Atención médica para adultos",
		"SAMHSA-2015", "2015-06-30", "private-insurance", "Tom & Jerry's <Recovery> Center"}
	n := 0
	for _, s := range in {
		n += len(s)
	}
	b.SetBytes(int64(n))
	buf := make([]byte, 0, 4096)
	for range b.N {
		buf = buf[:0]
		for _, s := range in {
			buf = appendString(buf, s)
		}
	}
}

// TestAppendRounded checks appendRounded against appendFloat of the
// rounded value: distances of every size, on and around the thousandths.
func TestAppendRounded(t *testing.T) {
	xs := []float64{0, -0.0, 0.0004, 0.0005, 0.0006, 0.001, 0.0015, 0.01, 0.1, 0.5, 1, 1.0005, 1.2345, 2.675, 9.9995,
		10, 12.34, 40.2336, 99.9999, 123.4565, 804.672, 1e6 + 0.0005, 1e9 / 3, 1e12 + 0.123, 1e15, 1e18,
		-1.5, math.Inf(1), math.NaN(), math.MaxFloat64, 5e-324}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200000 {
		switch rng.IntN(3) {
		case 0:
			xs = append(xs, rng.Float64()*1000)
		case 1:
			xs = append(xs, float64(rng.IntN(2000000))/1000) // on a thousandth
		default:
			xs = append(xs, (float64(rng.IntN(2000000))+0.5)/1000) // half way
		}
	}
	for _, x := range xs {
		want := string(appendFloat(nil, round(x)))
		if got := string(appendRounded(nil, x)); got != want {
			t.Errorf("appendRounded(%v) = %s, want %s", x, got, want)
		}
	}
}
