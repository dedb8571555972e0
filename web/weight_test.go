package web_test

import (
	"bytes"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// maxFirstPageBytes is the budget for a page before the map: HTML,
// CSS and JS, uncompressed.
const maxFirstPageBytes = 50 << 10

var assetRE = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// The home and results pages, with their stylesheet and script, weigh
// under 50 KB before the map (Leaflet loads only when the map is shown);
// so does the facility page.
func TestPageWeight(t *testing.T) {
	e := mustPageServer(t)
	for _, path := range []string{"/", "/search?near=37203", "/search?near=37203&lang=es", "/facilities/" + "p-hours"} {
		r := e.getPage(t, path, http.StatusOK)
		total := len(r.body)
		var parts []any
		parts = append(parts, "html", len(r.body))
		for _, m := range assetRE.FindAllSubmatch(r.body, -1) {
			a := e.get(t, html.UnescapeString(string(m[1])))
			if a.status != http.StatusOK {
				t.Fatalf("%s: %d", m[1], a.status)
			}
			total += len(a.body)
			parts = append(parts, string(m[1]), len(a.body))
		}
		t.Logf("%s: %d bytes %v", path, total, parts)
		if total > maxFirstPageBytes {
			t.Errorf("%s weighs %d bytes with its CSS and JS, over %d", path, total, maxFirstPageBytes)
		}
		if bytes.Contains(r.body, []byte("leaflet.js\"")) || bytes.Contains(r.body, []byte(`rel="stylesheet" href="/static/vendor`)) {
			t.Errorf("%s loads Leaflet before the map is asked for", path)
		}
	}
}

// Static files carry a content hash in their URL and can then be cached
// for good; without it, briefly, with an ETag.
func TestStaticFiles(t *testing.T) {
	e := mustPageServer(t)
	r := e.getPage(t, "/", http.StatusOK)
	m := assetRE.FindSubmatch(r.body)
	if m == nil {
		t.Fatal("no static file linked")
	}
	url := html.UnescapeString(string(m[1]))
	a := e.get(t, url)
	if a.status != 200 || a.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || a.header.Get("ETag") == "" {
		t.Errorf("%s: %d %v", url, a.status, a.header)
	}
	plain := e.get(t, "/static/site.css")
	if plain.header.Get("Cache-Control") != "public, max-age=300" || plain.header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("/static/site.css: %v", plain.header)
	}
	cond := e.do(t, http.MethodGet, "/static/site.css", http.Header{"If-None-Match": {plain.header.Get("ETag")}})
	if cond.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", cond.status)
	}
	if r := e.get(t, "/static/vendor/leaflet/leaflet.js"); r.status != 200 || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("leaflet.js: %d %v", r.status, r.header)
	}
	if r := e.get(t, "/static/nope.js"); r.status != 404 {
		t.Errorf("missing file: %d", r.status)
	}
	if r := e.get(t, "/static/../server.go"); r.status == 200 {
		t.Error("a path outside static/ was served")
	}
}

// Golden files: the home page in both languages, rendered.
//
//	go test ./web -run Golden -args -update
func TestHomeGolden(t *testing.T) {
	e := mustPageServer(t)
	for _, lang := range []string{"en", "es"} {
		r := e.getPage(t, "/?lang="+lang, http.StatusOK)
		path := filepath.Join("testdata", "home."+lang+".html")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, r.body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(want, r.body) {
			t.Errorf("%s differs from the page rendered; if the change is meant, run go test ./web -run Golden -args -update\n%s", path, r.body)
		}
	}
}
