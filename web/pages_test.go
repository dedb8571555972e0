package web_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/web"
)

var update = flag.Bool("update", false, "rewrite the golden files of rendered pages")

// Page fixture ids.
const (
	idScript   = "p-script"
	idImg      = "p-img"
	idHispano  = "p-hispano"
	idExt      = "p-ext"
	idAllHours = "p-hours"
	idBoston   = "p-boston"
)

// Names a page must show as text.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileImg    = `<img src=x onerror=alert(1)>`
)

// pageFacilities is a directory around Nashville big enough to page
// through (27 within 25 miles of 37203), with hostile names, Spanish
// speakers, open 24/7 known and unknown, phones with extensions, full
// records with hours, and one facility in Boston.
func pageFacilities() []directory.Facility {
	var fs []directory.Facility
	cares := []string{"detox", "residential-short-term", "standard-outpatient", "intensive-outpatient", "telehealth"}
	pays := []string{"medicaid", "private-insurance", "self-pay", "sliding-scale"}
	for i := range 22 {
		f := facility(fmt.Sprintf("p%02d", i), fmt.Sprintf("Cumberland Recovery %02d", i),
			36.1627+float64(i%5)*0.02-0.04, -86.7816+float64(i/5)*0.025-0.05,
			"care:"+cares[i%len(cares)], "payment:"+pays[i%len(pays)], "language:en")
		f.Address = directory.Address{Lines: []string{fmt.Sprintf("%d Church St", 100+i)}, City: "Nashville", State: "TN", ZIP: "37203"}
		f.Phones = directory.Phones{Main: fmt.Sprintf("(615) 555-01%02d", i)}
		if i%3 == 0 {
			f.Open247 = directory.Known(true)
		} else if i%3 == 1 {
			f.Open247 = directory.Known(false)
		} // else unknown
		if i%4 == 0 {
			f.Services.Add(directory.GroupMedication, "buprenorphine")
		}
		fs = append(fs, f)
	}
	script := facility(idScript, hostileScript, 36.17, -86.79, "care:detox", "payment:medicaid")
	script.AlternateNames = []string{hostileImg}
	script.Website = "javascript:alert(1)"
	script.Description = `<b>bold</b> "quoted" & more`
	img := facility(idImg, hostileImg, 36.155, -86.775, "care:outpatient", "payment:self-pay")
	img.Address.Lines = []string{`1 "Quote" <Ave>`}
	hispano := facility(idHispano, "Centro Hispano de Recuperación", 36.14, -86.76,
		"care:standard-outpatient", "care:detox", "language:es", "language:en", "payment:sliding-scale", "population:women")
	hispano.AlternateNames = []string{"Programa Familias Unidas"}
	ext := facility(idExt, "Henry County Medical Center", 36.19, -86.80, "care:intensive-outpatient", "payment:medicare")
	ext.AlternateNames = []string{"Henry County/IOP"}
	ext.Phones = directory.Phones{Main: "(334) 673-2100 ext. 5"}
	hours := facility(idAllHours, "Music City Day Program", 36.16, -86.78, "care:partial-hospitalization",
		"therapy:group-therapy", "therapy:family-therapy", "payment:medicaid", "population:veterans", "gender:female", "gender:male")
	hours.Phones = directory.Phones{Intake: "615-555-0177", Main: "615-555-0178", Hotline: "1-800-555-0199"}
	hours.Website = "musiccityday.example"
	hours.Open247 = directory.Known(false)
	hours.Hours = []directory.OpeningHours{{Day: time.Monday, Opens: "08:00", Closes: "17:00"}, {Day: time.Tuesday, Opens: "08:00", Closes: "12:00"},
		{Day: time.Tuesday, Opens: "13:00", Closes: "17:00"}}
	hours.HoursNote = "Closed on federal holidays"
	hours.Accreditations = []string{"CARF"}
	hours.Licenses = []string{"State substance abuse agency"}
	hours.LastVerified = "2024-06-30"
	boston := facility(idBoston, "Allston Detox", 42.3535, -71.1320, "care:detox", "payment:medicaid")
	boston.Address = directory.Address{Lines: []string{"1 Harvard Ave"}, City: "Boston", State: "MA", ZIP: "02134"}
	return append(fs, script, img, hispano, ext, hours, boston)
}

// mustPageServer serves pageFacilities.
func mustPageServer(tb testing.TB) *env {
	tb.Helper()
	return mustServerWith(tb, pageFacilities(), nil, nil)
}

// getPage gets path with optional request headers as key, value pairs and
// expects status and an HTML page.
func (e *env) getPage(tb testing.TB, path string, status int, header ...string) response {
	tb.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	r := e.do(tb, http.MethodGet, path, h)
	if r.status != status {
		tb.Fatalf("GET %s: status %d, want %d\n%.2000s", path, r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		tb.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	return r
}

var (
	hrefRE       = regexp.MustCompile(`href="([^"]*)"`)
	resultIDRE   = regexp.MustCompile(`<h3><span class="num" aria-hidden="true">\d+</span> <a href="/facilities/([^?"]+)\?`)
	nextRE       = regexp.MustCompile(`rel="next" href="([^"]*)"`)
	inlineHandle = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`)
	inlineScript = regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>`)
)

// links returns the page's hrefs, unescaped.
func links(body []byte) []string {
	var out []string
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		out = append(out, html.UnescapeString(string(m[1])))
	}
	return out
}

// linkTo returns the first href with the prefix, or fails.
func linkTo(tb testing.TB, body []byte, prefix string) string {
	tb.Helper()
	for _, l := range links(body) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	tb.Fatalf("no link starting %q in:\n%s", prefix, body)
	return ""
}

// Every page has the security headers, a policy without inline script,
// and no inline script or event handler in its HTML.
func TestPageSecurity(t *testing.T) {
	e := mustPageServer(t)
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/", 200}, {"/?lang=es", 200}, {"/search?near=37203", 200}, {"/search?near=37203&care=detox&lang=es", 200},
		{"/search?near=99501&radius=5mi", 200}, {"/search?near=99999", 400}, {"/facilities/" + idScript, 200},
		{"/facilities/" + idAllHours + "?lang=es", 200}, {"/facilities/nope", 404}, {"/no/such/page", 404},
	} {
		t.Run(tt.path, func(t *testing.T) {
			r := e.getPage(t, tt.path, tt.status)
			csp := r.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: https://tile.openstreetmap.org", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("headers: %v", r.header)
			}
			for _, tag := range inlineScript.FindAll(r.body, -1) {
				if !bytes.Contains(tag, []byte(" src=")) {
					t.Errorf("inline script: %s", tag)
				}
			}
			if m := inlineHandle.Find(r.body); m != nil {
				t.Errorf("inline event handler: %s", m)
			}
			if bytes.Contains(r.body, []byte(" style=")) {
				t.Error("inline style attribute: the CSP would block it")
			}
			if bytes.Contains(r.body, []byte("[[")) {
				t.Errorf("a message key has no text: %s", regexp.MustCompile(`\[\[[^\]]*\]\]`).Find(r.body))
			}
		})
	}
}

// Directory text is escaped everywhere a page shows it.
func TestPageEscapesDirectoryText(t *testing.T) {
	e := mustPageServer(t)
	for _, path := range []string{"/search?near=37203&radius=5mi&limit=100", "/facilities/" + idScript, "/facilities/" + idImg} {
		r := e.getPage(t, path, 200)
		for _, raw := range []string{hostileScript, hostileImg, "<b>bold</b>", `<Ave>`, "javascript:"} {
			if bytes.Contains(r.body, []byte(raw)) {
				t.Errorf("%s: %q appears unescaped", path, raw)
			}
		}
	}
	r := e.getPage(t, "/facilities/"+idScript, 200)
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>", "&lt;img src=x onerror=alert(1)&gt;"} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("facility page lacks %q", want)
		}
	}
}

// The results page shows what the API finds, in the same order, and its
// links carry the search: paging through "More results" gives every
// result once.
func TestSearchPageMatchesAPI(t *testing.T) {
	e := mustPageServer(t)
	for _, query := range []string{"near=37203", "near=37203&care=detox,outpatient&payment=medicaid", "near=Nashville,+TN&radius=any&limit=7", "q=cumberland&near=37203&radius=10mi"} {
		t.Run(query, func(t *testing.T) {
			var want []string
			var total int
			for cursor := ""; ; {
				var api searchJSON
				e.getJSON(t, "/api/v1/search?"+query+cursor, http.StatusOK, &api)
				total = api.Total
				want = append(want, resultIDs(api.Results)...)
				if api.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + url.QueryEscape(*api.NextCursor)
			}
			var got []string
			path := "/search?" + query
			for pages := 0; path != ""; pages++ {
				r := e.getPage(t, path, http.StatusOK)
				for _, m := range resultIDRE.FindAllSubmatch(r.body, -1) {
					got = append(got, string(m[1]))
				}
				if want := fmt.Sprintf("%d places found", total); total > 1 && !bytes.Contains(r.body, []byte(want)) {
					t.Errorf("page %d does not say %q", pages, want)
				}
				path = ""
				if m := nextRE.FindSubmatch(r.body); m != nil {
					path = html.UnescapeString(string(m[1]))
				}
				if pages > 20 {
					t.Fatal("paging never ends")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("page results (-api +pages):\n%s", diff)
			}
		})
	}
}

// Filters show disjunctive counts, keep the rest of the search, and the
// CSV link and language switch carry the same query.
func TestSearchPageFilters(t *testing.T) {
	e := mustPageServer(t)
	var api searchJSON
	e.getJSON(t, "/api/v1/search?near=37203&care=detox", http.StatusOK, &api)
	r := e.getPage(t, "/search?near=37203&care=detox", http.StatusOK)
	body := string(r.body)
	for _, slug := range []string{"detox", "outpatient", "telehealth"} {
		want := fmt.Sprintf(`id="f-care-%s" name="care" value="%s"`, slug, slug)
		if !strings.Contains(body, want) {
			t.Errorf("no %s checkbox", slug)
		}
		label := fmt.Sprintf(`<span class="n">(%d)</span>`, api.Facets["care"][slug])
		i := strings.Index(body, want)
		if i < 0 || !strings.Contains(body[i:min(len(body), i+400)], label) {
			t.Errorf("%s: count %s not shown", slug, label)
		}
	}
	if !strings.Contains(body, `id="f-care-detox" name="care" value="detox" checked`) {
		t.Error("the detox box is not ticked")
	}
	if api.Facets["care"]["outpatient"] == 0 {
		t.Error("disjunctive: with care=detox, outpatient should still count")
	}
	csv := linkTo(t, r.body, "/api/v1/search?")
	u, _ := url.Parse(csv)
	if diff := cmp.Diff(url.Values{"near": {"37203"}, "care": {"detox"}, "format": {"csv"}}, u.Query()); diff != "" {
		t.Errorf("CSV link %s (-want +got):\n%s", csv, diff)
	}
	sw := linkTo(t, r.body, "/search?")
	su, _ := url.Parse(sw)
	if diff := cmp.Diff(url.Values{"near": {"37203"}, "care": {"detox"}, "lang": {"es"}}, su.Query()); diff != "" {
		t.Errorf("language switch %s (-want +got):\n%s", sw, diff)
	}
}

// A bad parameter renders the page with a plain message by the field: 400,
// never a JSON error.
func TestSearchPageBadInput(t *testing.T) {
	e := mustPageServer(t)
	tests := []struct {
		path string
		want []string
	}{
		{"/search?near=Nashvile,+TN", []string{"We could not find that place", `aria-invalid="true" aria-describedby="near-err"`, `href="/search?lang=en&near=Nashville%2C+TN"`}},
		{"/search?near=99999&lang=es", []string{"No encontramos ese lugar"}},
		{"/search?near=37203&radius=900mi", []string{"Choose a distance up to 500 miles", `aria-describedby="radius-err"`}},
		{"/search?near=37203&care=detx", []string{"One of the choices in this link is not one we know"}},
		{"/search?near=37203&cursor=garbage", []string{"This page of results has expired"}},
		{"/search?near=37203&q=" + strings.Repeat("x", 201), []string{"Please use fewer words"}},
		{"/search?near=37203&q=the+and", []string{"Those words are too common to search for", `aria-describedby="q-hint q-err"`}},
		{"/search?q=of&lang=es", []string{"Esas palabras son demasiado comunes"}},
		{"/search?near=37203&carr=detox", []string{"Something in this link is not right"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.getPage(t, tt.path, http.StatusBadRequest)
			text := html.UnescapeString(string(r.body))
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if bytes.Contains(r.body, []byte(`class="result"`)) {
				t.Error("a page with a bad parameter shows results")
			}
		})
	}
	// An empty form asks where, rather than listing the country.
	r := e.getPage(t, "/search?near=&lang=en", http.StatusOK)
	if !bytes.Contains(r.body, []byte("Tell us where you are")) || bytes.Contains(r.body, []byte(`class="result"`)) {
		t.Errorf("empty search: %s", r.body)
	}
}

// Nothing found: say so, say how far the nearest match is, offer a radius
// that reaches it and dropping a filter, and show the helpline.
func TestSearchPageEmpty(t *testing.T) {
	e := mustPageServer(t)
	var api searchJSON
	e.getJSON(t, "/api/v1/search?near=99501&care=detox&radius=10mi", http.StatusOK, &api)
	if api.Total != 0 || api.Nearest == nil {
		t.Fatalf("the fixture should have no detox near Anchorage but some elsewhere: %+v", api.Nearest)
	}
	r := e.getPage(t, "/search?near=99501&care=detox&radius=10mi", http.StatusOK)
	body := html.UnescapeString(string(r.body))
	wantMi := fmt.Sprintf("%.0f mi", api.Nearest.DistanceMi)
	if n := len(wantMi) - len(" mi"); n > 3 { // thousands separated: 3,186 mi
		wantMi = wantMi[:n-3] + "," + wantMi[n-3:]
	}
	for _, want := range []string{"No places match your search", "The nearest place that matches is " + wantMi + " away",
		"Search at any distance", "Remove “Detox”", `href="tel:+18006624357"`} {
		if !strings.Contains(body, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
	widen := linkTo(t, r.body, "/search?care=detox&lang=en&near=99501&radius=any")
	drop := linkTo(t, r.body, "/search?lang=en&near=99501&radius=10mi")
	if widen == "" || drop == "" {
		t.Fail()
	}
	// A radius that reaches: Franklin-like distances offer 50 or 100 miles.
	r = e.getPage(t, "/search?near=37075&care=partial-hospitalization&radius=5mi", http.StatusOK)
	if !bytes.Contains(r.body, []byte("Search within 25 miles")) {
		t.Errorf("no widened radius offered:\n%s", r.body)
	}
	// Nothing anywhere.
	r = e.getPage(t, "/search?near=37203&population=veterans&language=es", http.StatusOK)
	if !bytes.Contains(r.body, []byte("Nothing in the directory matches all of these choices")) {
		t.Errorf("no 'nothing anywhere':\n%s", r.body)
	}
}

// A city typed without its state is searched at the largest of the name,
// and the page offers the others, keeping the filters; a name no city
// owns asks for the state, with the cities as links.
func TestSearchPageCityWithoutState(t *testing.T) {
	e := mustPageServer(t)
	r := e.getPage(t, "/search?near=Nashville&care=detox", http.StatusOK)
	body := html.UnescapeString(string(r.body))
	for _, want := range []string{"<h1>Treatment near Nashville, TN</h1>", "Another “Nashville”?"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if linkTo(t, r.body, "/search?care=detox&lang=en&near=Nashville%2C+NC") == "" {
		t.Error("no link to Nashville, NC with the filter kept")
	}
	var api searchJSON
	e.getJSON(t, "/api/v1/search?near=Nashville&care=detox", http.StatusOK, &api)
	var withState searchJSON
	e.getJSON(t, "/api/v1/search?near=Nashville,+TN&care=detox", http.StatusOK, &withState)
	if api.Total != withState.Total || api.Total == 0 || *api.Query.Label != "Nashville, TN" || !strings.Contains(api.Query.Note, "Nashville, NC") {
		t.Errorf("near=Nashville: %d results at %q (note %q); near=Nashville, TN: %d", api.Total, *api.Query.Label, api.Query.Note, withState.Total)
	}
	// The state still matters where no city owns the name, and the page
	// says so rather than "not found".
	r = e.getPage(t, "/search?near=Springfield", http.StatusBadRequest)
	if linkTo(t, r.body, "/search?lang=en&near=Springfield%2C+MO") == "" {
		t.Errorf("no suggestion link for Springfield:\n%s", r.body)
	}
	if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "More than one city is called “Springfield”. Choose one, or add the state:") ||
		strings.Contains(body, "could not find") || strings.Contains(body, "Did you mean") {
		t.Errorf("Springfield's message:\n%s", body)
	}
	// A part of a city is the city; the others are of the city's name.
	r = e.getPage(t, "/search?near=East+Nashville&care=detox", http.StatusOK)
	if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "<h1>Treatment near Nashville, TN</h1>") || !strings.Contains(body, "Another “Nashville”?") {
		t.Errorf("East Nashville:\n%s", body)
	}
	// A suggestion keeps the filters chosen.
	r = e.getPage(t, "/search?near=Springfield&care=detox&payment=medicaid&radius=50mi", http.StatusBadRequest)
	if linkTo(t, r.body, "/search?care=detox&lang=en&near=Springfield%2C+MO&payment=medicaid&radius=50mi") == "" {
		t.Errorf("no suggestion link for Springfield with the filters kept:\n%s", r.body)
	}
	// A state alone offers its largest cities.
	r = e.getPage(t, "/search?near=Tennessee", http.StatusBadRequest)
	if linkTo(t, r.body, "/search?lang=en&near=Nashville%2C+TN") == "" {
		t.Errorf("no suggestion link for Tennessee:\n%s", r.body)
	}
	if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "That is a whole state.") || !strings.Contains(body, "Its largest cities:") {
		t.Errorf("Tennessee's message:\n%s", body)
	}
	r = e.getPage(t, "/search?near=Tennessee&lang=es", http.StatusBadRequest)
	if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "Eso es todo un estado.") || !strings.Contains(body, "Sus ciudades más grandes:") {
		t.Errorf("Tennessee's message in Spanish:\n%s", body)
	}
	// A place not found is still said so.
	r = e.getPage(t, "/search?near=Nashvile,+TN", http.StatusBadRequest)
	if body := html.UnescapeString(string(r.body)); !strings.Contains(body, "We could not find that place.") || !strings.Contains(body, "Did you mean:") {
		t.Errorf("Nashvile, TN's message:\n%s", body)
	}
	// A unique name needs no state and offers nothing else.
	r = e.getPage(t, "/search?near=Los+Angeles", http.StatusOK)
	if !bytes.Contains(r.body, []byte("Treatment near Los Angeles, CA")) || bytes.Contains(r.body, []byte(`class="others"`)) {
		t.Errorf("Los Angeles:\n%s", r.body)
	}
}

// The language comes from lang, else Accept-Language, else English.
func TestPageLanguage(t *testing.T) {
	e := mustPageServer(t)
	for _, tt := range []struct {
		path, accept string
		want         string
	}{
		{"/", "", "en"},
		{"/", "es-MX,es;q=0.9,en;q=0.8", "es"},
		{"/", "en-US,en;q=0.9,es;q=0.8", "en"},
		{"/", "fr-FR,fr;q=0.9", "en"},
		{"/", "fr, es;q=0.5", "es"},
		{"/?lang=en", "es", "en"},
		{"/search?near=37203&lang=es", "", "es"},
		{"/facilities/" + idHispano + "?lang=es", "en", "es"},
		{"/facilities/" + idHispano, "es", "es"},
	} {
		r := e.getPage(t, tt.path, http.StatusOK, "Accept-Language", tt.accept)
		if want := `<html lang="` + tt.want + `">`; !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("%s with Accept-Language %q: want %s", tt.path, tt.accept, want)
		}
	}
	r := e.getPage(t, "/facilities/"+idHispano+"?lang=es", http.StatusOK)
	for _, want := range []string{"Desintoxicación", "Ayuda médica para dejar el alcohol", "Teléfono", "Reportar un problema", "Español"[:0] + "English"} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("Spanish facility page lacks %q", want)
		}
	}
}

// The facility page shows the full record: services with explanations,
// hours, every phone as a tel: link, accreditation, source and date; and
// unknown is never "no".
func TestFacilityPage(t *testing.T) {
	e := mustPageServer(t)
	r := e.getPage(t, "/facilities/"+idAllHours, http.StatusOK)
	body := html.UnescapeString(string(r.body))
	for _, want := range []string{
		"Music City Day Program", "Day treatment (partial hospitalization)", "Group therapy", "Accepts women",
		`href="tel:+16155550177"`, `href="tel:+16155550178"`, `href="tel:+18005550199"`, "24/7 hotline",
		"<th scope=\"row\">Tuesday</th><td>08:00–12:00, 13:00–17:00</td>", "<th scope=\"row\">Sunday</th><td>Closed</td>",
		"Closed on federal holidays", "Not open around the clock.", "CARF", "State substance abuse agency",
		"Last verified: June 30, 2024", `href="https://musiccityday.example"`,
		`href="https://www.google.com/maps/dir/?api=1&destination=1+Main+St%2C+Somewhere%2C+TN+37203"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("facility page lacks %q", want)
		}
	}
	r = e.getPage(t, "/facilities/p02", http.StatusOK) // open_24_7 unknown
	if bytes.Contains(r.body, []byte("Not open around the clock")) || !bytes.Contains(r.body, []byte("Hours not listed: call to ask.")) {
		t.Error("unknown open 24/7 shown as no")
	}
	r = e.getPage(t, "/facilities/"+idExt, http.StatusOK)
	if !strings.Contains(html.UnescapeString(string(r.body)), `href="tel:+13346732100,5"`) || !bytes.Contains(r.body, []byte("Henry County/IOP")) {
		t.Error("extension or subtitle missing")
	}
	e.getPage(t, "/facilities/nope", http.StatusNotFound)
	e.getPage(t, "/facilities/"+strings.Repeat("x", 70), http.StatusNotFound)
}

func TestTelURL(t *testing.T) {
	for in, want := range map[string]string{
		"(334) 673-2143":        "tel:+13346732143",
		"(334) 673-2100 ext. 5": "tel:+13346732100,5",
		"334-673-2100 x12":      "tel:+13346732100,12",
		"1-800-662-4357":        "tel:+18006624357",
		"988":                   "tel:988",
		"call us":               "",
		"(615) 555-0100 Ext 7":  "tel:+16155550100,7",
	} {
		if got := string(web.TelURL(in)); got != want {
			t.Errorf("TelURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every message has English and Spanish text.
func TestMessagesComplete(t *testing.T) {
	for key, m := range web.Messages {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: missing text %q", key, m)
		}
		if strings.Count(m[0], "%") != strings.Count(m[1], "%") {
			t.Errorf("%s: the languages take different arguments: %q, %q", key, m[0], m[1])
		}
	}
}

// reportToken fetches the facility page and returns its form's token.
func reportToken(t *testing.T, e *env, id string) string {
	t.Helper()
	r := e.getPage(t, "/facilities/"+id, http.StatusOK)
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindSubmatch(r.body)
	if m == nil {
		t.Fatal("no token in the report form")
	}
	return string(m[1])
}

// postForm posts the report form as a browser would, from origin
// ("null+cross-site" sends Origin: null and Sec-Fetch-Site: cross-site,
// "null" Origin: null from the site itself, as the pages' no-referrer
// policy makes browsers do).
func postForm(t *testing.T, e *env, id, origin string, form url.Values) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/facilities/"+id+"/report?lang=en", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	switch origin {
	case "":
	case "null":
		req.Header.Set("Origin", "null")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	case "null+cross-site":
		req.Header.Set("Origin", "null")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	default:
		req.Header.Set("Origin", origin)
	}
	client := *e.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, body}
}

// The report form stores a report and thanks the person; it refuses other
// sites, stale forms and floods, and says what to fix.
func TestReportForm(t *testing.T) {
	e := mustPageServer(t)
	ctx := context.Background()
	token := reportToken(t, e, idHispano)
	good := url.Values{"token": {token}, "kind": {"wrong-phone"}, "message": {"Now (615) 555-0150\x00"}, "contact": {""}}

	r := postForm(t, e, idHispano, e.srv.URL, good)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/facilities/"+idHispano+"?lang=en&reported=1#report" {
		t.Fatalf("post: %d %v\n%s", r.status, r.header, r.body)
	}
	reps, err := e.store.Reports(ctx, directory.ReportFilter{FacilityID: idHispano})
	if err != nil || len(reps) != 1 || reps[0].Kind != "wrong-phone" || reps[0].Message != "Now (615) 555-0150" || reps[0].ClientHash == "" {
		t.Fatalf("stored: %+v, %v", reps, err)
	}
	thanks := e.getPage(t, r.header.Get("Location"), http.StatusOK)
	if !bytes.Contains(thanks.body, []byte("Thank you. Your report was sent")) {
		t.Error("no thank-you")
	}

	for _, tt := range []struct {
		name   string
		origin string
		form   url.Values
		status int
		want   string
	}{
		{"other site", "https://evil.example", good, http.StatusForbidden, "This form expired"},
		{"other site, Origin null", "null+cross-site", good, http.StatusForbidden, "This form expired"},
		{"bad token", e.srv.URL, url.Values{"token": {"1.abc"}, "kind": {"closed"}}, http.StatusForbidden, "This form expired"},
		{"token of another facility", e.srv.URL, url.Values{"token": {reportToken(t, e, idExt)}, "kind": {"closed"}}, http.StatusForbidden, "This form expired"},
		{"no kind", e.srv.URL, url.Values{"token": {token}, "message": {"hm"}}, http.StatusBadRequest, "Choose what is wrong."},
		{"other without words", e.srv.URL, url.Values{"token": {token}, "kind": {"other"}}, http.StatusBadRequest, "Say what is wrong"},
		{"long contact", e.srv.URL, url.Values{"token": {token}, "kind": {"closed"}, "contact": {strings.Repeat("x", 201)}}, http.StatusBadRequest, "Give one line"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := postForm(t, e, idHispano, tt.origin, tt.form)
			if r.status != tt.status || !bytes.Contains(r.body, []byte(tt.want)) {
				t.Errorf("status %d, want %d with %q\n%.3000s", r.status, tt.status, tt.want, r.body)
			}
		})
	}
	// The message typed is kept when the page comes back with an error.
	r = postForm(t, e, idHispano, e.srv.URL, url.Values{"token": {token}, "message": {"kept <words>"}})
	if !bytes.Contains(r.body, []byte("kept &lt;words&gt;</textarea>")) {
		t.Error("the message was lost")
	}

	// 5 at once per client, then refused.
	statuses := []int{}
	for i := range 6 {
		origin := e.srv.URL
		if i == 0 {
			origin = "null" // its own page, under the no-referrer policy
		}
		statuses = append(statuses, postForm(t, e, idHispano, origin, good).status)
	}
	if diff := cmp.Diff([]int{303, 303, 303, 303, 429, 429}, statuses); diff != "" {
		t.Errorf("statuses after the first report (-want +got):\n%s", diff)
	}
	if reps, _ := e.store.Reports(ctx, directory.ReportFilter{}); len(reps) != 5 {
		t.Errorf("%d reports stored, want 5", len(reps))
	}
}

// postJSON posts body to path with the content type.
func (e *env) postJSON(t *testing.T, path, ctype, body string) response {
	t.Helper()
	h := http.Header{}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header = h
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

// POST /api/v1/facilities/{id}/reports answers as the OpenAPI document
// says, with the API's error shape for every refusal.
func TestReportAPI(t *testing.T) {
	e := mustPageServer(t)
	_, router := mustOpenAPI(t)
	path := "/api/v1/facilities/" + idExt + "/reports"
	tests := []struct {
		name, path, ctype, body string
		status                  int
		code                    string
	}{
		{"created", path, "application/json", `{"kind":"closed","message":"Closed since May","contact":"a@b.example"}`, 201, ""},
		{"created with charset", path, "application/json; charset=utf-8", `{"kind":"wrong-address"}`, 201, ""},
		{"not JSON", path, "text/plain", `kind=closed`, 415, "unsupported_media_type"},
		{"unknown field", path, "application/json", `{"kind":"closed","rating":5}`, 400, "invalid_parameter"},
		{"bad kind", path, "application/json", `{"kind":"spam"}`, 400, "invalid_parameter"},
		{"too large", path, "application/json", `{"kind":"other","message":"` + strings.Repeat("x", 20000) + `"}`, 413, "payload_too_large"},
		{"unknown facility", "/api/v1/facilities/nope/reports", "application/json", `{"kind":"closed"}`, 404, "not_found"},
		{"created 3", path, "application/json", `{"kind":"closed"}`, 201, ""},
		{"created 4", path, "application/json", `{"kind":"closed"}`, 201, ""},
		{"created 5", path, "application/json", `{"kind":"closed"}`, 201, ""},
		{"rate limited", path, "application/json", `{"kind":"closed"}`, 429, "rate_limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.postJSON(t, tt.path, tt.ctype, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.code != "" {
				var got errorJSON
				mustDecodeStrict(t, r.body, &got)
				if got.Error.Code != tt.code {
					t.Errorf("code %q, want %q", got.Error.Code, tt.code)
				}
			}
			validatePost(t, router, tt.path, tt.ctype, tt.body, r, tt.status < 300)
		})
	}
	reps, err := e.store.Reports(context.Background(), directory.ReportFilter{FacilityID: idExt})
	if err != nil || len(reps) != 5 || reps[len(reps)-1].Contact != "a@b.example" {
		t.Errorf("stored %d reports: %+v %v", len(reps), reps, err)
	}
}

// validatePost checks a POST exchange against the OpenAPI document.
func validatePost(t *testing.T, router routers.Router, path, ctype, body string, r response, checkRequest bool) {
	t.Helper()
	ctx := context.Background()
	req, err := http.NewRequest(http.MethodPost, "http://carefinder.test"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("POST %s is not in the document: %v", path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{MultiError: true}}
	if checkRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("request does not conform: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Body: io.NopCloser(bytes.NewReader(r.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("response does not conform: %v\nbody: %.600s", err, r.body)
	}
}
