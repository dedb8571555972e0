package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// Answers are gzipped for clients that ask for it, to the same bytes
// once unzipped; others, small answers and HEAD requests get them as they
// are, and every answer says it varies with Accept-Encoding.
func TestCompression(t *testing.T) {
	e := mustPageServer(t)
	gz := http.Header{"Accept-Encoding": {"gzip, deflate, br"}}
	identity := http.Header{"Accept-Encoding": {"identity"}}
	unzip := func(t *testing.T, b []byte) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	varies := func(t *testing.T, r response) {
		t.Helper()
		if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Vary %q lacks Accept-Encoding", r.header.Values("Vary"))
		}
	}
	for _, path := range []string{"/api/v1/search?near=37203&radius=100mi", "/api/v1/taxonomy", "/api/v1/openapi.json"} {
		t.Run(path, func(t *testing.T) {
			plain := e.do(t, http.MethodGet, path, identity)
			zipped := e.do(t, http.MethodGet, path, gz)
			if plain.status != http.StatusOK || zipped.status != http.StatusOK {
				t.Fatalf("status %d, %d", plain.status, zipped.status)
			}
			if plain.header.Get("Content-Encoding") != "" || plain.header.Get("Content-Length") == "" {
				t.Errorf("identity: Content-Encoding %q, Content-Length %q", plain.header.Get("Content-Encoding"), plain.header.Get("Content-Length"))
			}
			if zipped.header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Content-Encoding %q, want gzip", zipped.header.Get("Content-Encoding"))
			}
			if got := unzip(t, zipped.body); !bytes.Equal(got, plain.body) {
				t.Errorf("unzipped answer (%d bytes) differs from the plain one (%d bytes)", len(got), len(plain.body))
			}
			if len(zipped.body)*3 > len(plain.body) {
				t.Errorf("gzip gave %d bytes of %d", len(zipped.body), len(plain.body))
			}
			if zipped.header.Get("Content-Type") != plain.header.Get("Content-Type") || zipped.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers changed: %v", zipped.header)
			}
			varies(t, plain)
			varies(t, zipped)
		})
	}
	// Without Accept-Encoding at all (load tools, scripts): as it is,
	// with the same Vary.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/search?near=37203&radius=100mi", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	plain := e.do(t, http.MethodGet, "/api/v1/search?near=37203&radius=100mi", identity)
	if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, plain.body) {
		t.Errorf("no Accept-Encoding: Content-Encoding %q, %d bytes (identity: %d)", res.Header.Get("Content-Encoding"), len(body), len(plain.body))
	}
	varies(t, response{res.StatusCode, res.Header, body})
	if v := res.Header.Values("Vary"); strings.Count(strings.Join(v, ","), "Accept-Encoding") != 1 || !slices.Contains(v, "Accept") {
		t.Errorf("Vary %q", v)
	}
	// A page: the same HTML, unzipped.
	page := e.do(t, http.MethodGet, "/search?near=37203", gz)
	if page.header.Get("Content-Encoding") != "gzip" || !bytes.Contains(unzip(t, page.body), []byte("</html>")) {
		t.Errorf("results page: Content-Encoding %q", page.header.Get("Content-Encoding"))
	}
	// Small answers and HEAD requests are left alone.
	if r := e.do(t, http.MethodGet, "/healthz", gz); r.header.Get("Content-Encoding") != "" {
		t.Errorf("/healthz (%d bytes) was compressed", len(r.body))
	}
	if r := e.do(t, http.MethodHead, "/api/v1/search?near=37203", gz); r.header.Get("Content-Encoding") != "" || r.status != http.StatusOK {
		t.Errorf("HEAD: %d, Content-Encoding %q", r.status, r.header.Get("Content-Encoding"))
	}
	// An error, short, stays plain JSON.
	if r := e.do(t, http.MethodGet, "/api/v1/search?radius=9000mi&near=37203", gz); r.status != http.StatusBadRequest ||
		r.header.Get("Content-Encoding") != "" || !bytes.Contains(r.body, []byte(`"param":"radius"`)) {
		t.Errorf("error answer: %d %q %s", r.status, r.header.Get("Content-Encoding"), r.body)
	}
	// Static files: compressed, and still answered 304 to their ETag.
	home := e.do(t, http.MethodGet, "/", identity)
	m := assetRE.FindSubmatch(home.body)
	if m == nil {
		t.Fatal("no static file linked")
	}
	asset := strings.ReplaceAll(string(m[1]), "&amp;", "&")
	a := e.do(t, http.MethodGet, asset, gz)
	if a.status != http.StatusOK || a.header.Get("Content-Encoding") != "gzip" || a.header.Get("ETag") == "" {
		t.Fatalf("%s: %d, Content-Encoding %q, ETag %q", asset, a.status, a.header.Get("Content-Encoding"), a.header.Get("ETag"))
	}
	again := e.do(t, http.MethodGet, asset, http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {a.header.Get("ETag")}})
	if again.status != http.StatusNotModified {
		t.Errorf("%s with If-None-Match: %d, want 304", asset, again.status)
	}
}
