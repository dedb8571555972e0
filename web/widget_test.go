package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carefinder/carefinder/web"
)

// The widget stays small on the wire.
func TestWidgetSize(t *testing.T) {
	n := web.WidgetGzipSize()
	t.Logf("widget.js: %d bytes gzipped (limit %d)", n, web.MaxWidgetGzipBytes)
	if n > web.MaxWidgetGzipBytes || n < 1000 {
		t.Errorf("widget.js is %d bytes gzipped; it must be under %d", n, web.MaxWidgetGzipBytes)
	}
}

func TestWidgetJS(t *testing.T) {
	e := mustServer(t)
	plain := e.get(t, "/widget.js")
	h := plain.header
	if plain.status != 200 || h.Get("Content-Type") != "text/javascript; charset=utf-8" || h.Get("Cache-Control") != "public, max-age=3600" ||
		h.Get("ETag") == "" || h.Get("Access-Control-Allow-Origin") != "" || h.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
		t.Fatalf("status %d, headers %v", plain.status, h)
	}
	if !bytes.Contains(plain.body, []byte("attachShadow")) || bytes.Contains(plain.body, []byte("innerHTML")) {
		t.Error("the widget should build a shadow root, and never set innerHTML")
	}
	// Gzipped on request (the transport would undo it if asked itself).
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/widget.js?v=2", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.body) {
		t.Error("the gzipped widget differs from the plain one")
	}
	if r := e.do(t, http.MethodGet, "/widget.js", http.Header{"If-None-Match": {h.Get("ETag")}}); r.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r.status)
	}
}

func TestEmbed(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	r := e.get(t, "/embed?key="+url.QueryEscape(keys.plain)+"&lang=es&care=detox&accent="+url.QueryEscape(`"><script>alert(1)</script>`))
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors " + partnerOrigin + " http://localhost:8000", "script-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	body := string(r.body)
	for _, want := range []string{`<html lang="es">`, `data-key="` + keys.plain + `"`, `data-care="detox"`, `<div data-carefinder>`, `src="/widget.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("embed page lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script>alert") || strings.Count(body, "<script") != 1 {
		t.Errorf("embed page lets markup through:\n%s", body)
	}
	if r := e.get(t, "/embed"); r.status != 200 || !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Errorf("anonymous embed: %d, CSP %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/embed?key=" + url.QueryEscape(keys.disabled), 403},
		{"/embed?key=pk_nope.nope", 401},
		{"/embed?lang=fr", 400},
		{"/embed?colour=red", 400},
	} {
		if r := e.get(t, tt.path); r.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.path, r.status, tt.status)
		}
	}
}

func TestWidgetDemo(t *testing.T) {
	e := mustServer(t)
	r := e.get(t, "/widget/demo")
	body := string(r.body)
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("status %d, CSP %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	for _, want := range []string{
		`&lt;div data-carefinder&gt;&lt;/div&gt;`,
		`&lt;script src=&#34;` + e.srv.URL + `/widget.js&#34; data-key=&#34;PARTNER_KEY&#34; async&gt;&lt;/script&gt;`,
		`/embed?key=PARTNER_KEY`,
		`<div data-carefinder></div>`,
		`<script src="/widget.js" data-near="37203" async></script>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("demo lacks %s", want)
		}
	}
}
