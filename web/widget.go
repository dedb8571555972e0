package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
)

// widgetJS is the embeddable search widget: hand-written, no build step.
//
//go:embed static/widget.js
var widgetJS []byte

// MaxWidgetGzipBytes bounds the widget's size on the wire: a partner's
// page should not pay more than this for it.
const MaxWidgetGzipBytes = 15 << 10

// widgetCacheControl lets pages cache the widget for an hour; the ETag
// then makes revalidation cheap.
const widgetCacheControl = "public, max-age=3600"

// widgetAsset is the widget, compressed once.
type widgetAsset struct {
	once sync.Once
	gz   []byte
	etag string
}

func (a *widgetAsset) load() {
	a.once.Do(func() {
		a.gz = gzipBytes(widgetJS)
		sum := sha256.Sum256(widgetJS)
		a.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	})
}

// gzipBytes compresses b as well as gzip can.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// WidgetGzipSize returns the widget's size gzipped, as served.
func WidgetGzipSize() int { return len(gzipBytes(widgetJS)) }

// serveWidgetJS answers GET /widget.js. It needs no CORS headers (a
// <script> element loads it) and allows cross-origin embedding even under
// Cross-Origin-Embedder-Policy.
func (s *Server) serveWidgetJS(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r, "v"); err != nil {
		return err
	}
	s.widget.load()
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", widgetCacheControl)
	h.Set("ETag", s.widget.etag)
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, s.widget.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body := widgetJS
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = s.widget.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") && !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") {
				return true
			}
		}
	}
	return false
}

// widgetOptionNames are the widget's settings, as data-* attributes of the
// snippet and as parameters of /embed.
var widgetOptionNames = []string{"care", "near", "radius", "lang", "accent", "limit"}

// embedPage is /embed: the widget alone, for sites that allow an iframe but
// no third-party script. No inline script or style: the key and settings
// travel in data attributes, so the page's CSP can forbid both.
var embedPage = template.Must(template.New("embed").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<main><div data-carefinder></div></main>
<script src="/widget.js" async{{range .Attrs}} data-{{.Name}}="{{.Value}}"{{end}}></script>
</html>
`))

type embedData struct {
	Lang, Title string
	Attrs       []dataAttr
}

type dataAttr struct{ Name, Value string }

// serveEmbed answers GET /embed?key=…: the widget in a page of its own.
// With a key, only the partner's origins may frame it (CSP frame-
// ancestors); without one, anyone may, as anyone may call the API.
func (s *Server) serveEmbed(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, widgetOptionNames...)
	if err != nil {
		return err
	}
	key, err := requestKey(r)
	if err != nil {
		return err
	}
	ancestors := "*"
	data := embedData{Lang: langEnglish, Title: "Find addiction treatment — CareFinder"}
	if key != "" {
		pt, err := s.authenticate(r.Context(), key)
		if err != nil {
			return err
		}
		ancestors = strings.Join(pt.Origins, " ")
		data.Attrs = append(data.Attrs, dataAttr{"key", key})
	}
	for _, name := range widgetOptionNames {
		v, err := p.single(name)
		if err != nil {
			return err
		}
		if v == "" {
			continue
		}
		if name == "lang" {
			if v = strings.ToLower(v); v != langEnglish && v != langSpanish {
				return paramError("lang", "use en or es")
			}
			data.Lang = v
			if v == langSpanish {
				data.Title = "Encuentre tratamiento para adicciones — CareFinder"
			}
		}
		data.Attrs = append(data.Attrs, dataAttr{name, v})
	}
	var buf bytes.Buffer
	if err := embedPage.Execute(&buf, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors "+ancestors)
	h.Set("Cache-Control", "no-store") // a disabled key must stop working at once
	return writeHTML(w, buf.Bytes())
}

// demoPage is /widget/demo: the snippet to paste and the widget live.
var demoPage = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CareFinder widget demo</title>
<main>
<h1>Put CareFinder's search on your site</h1>
<p>Paste this where the search should appear, with the key that <code>carefinder partner add</code> printed for your site:</p>
<pre><code id="snippet">{{.Snippet}}</code></pre>
<p>Optional attributes set its defaults: <code>data-care="detox,residential"</code>, <code>data-near="37203"</code>,
<code>data-radius="50mi"</code>, <code>data-lang="es"</code>, <code>data-accent="#0a5"</code>, <code>data-limit="10"</code>.
Sites that allow no third-party script can use an iframe instead:</p>
<pre><code id="iframe">{{.IFrame}}</code></pre>
<h2>Live</h2>
<p>The widget below runs without a key, as any page may.</p>
<div data-carefinder></div>
</main>
<script src="/widget.js" data-near="37203" async></script>
</html>
`))

// serveWidgetDemo answers GET /widget/demo.
func (s *Server) serveWidgetDemo(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseParams(r); err != nil {
		return err
	}
	base := s.externalBase(r)
	data := struct{ Snippet, IFrame string }{
		Snippet: `<div data-carefinder></div>` + "\n" + `<script src="` + base + `/widget.js" data-key="PARTNER_KEY" async></script>`,
		IFrame:  `<iframe src="` + base + `/embed?key=PARTNER_KEY" title="Find addiction treatment" width="100%" height="720" style="border:0"></iframe>`,
	}
	var buf bytes.Buffer
	if err := demoPage.Execute(&buf, data); err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	return writeHTML(w, buf.Bytes())
}

// externalBase is the scheme and host this request reached CareFinder at,
// for the snippet: X-Forwarded-Proto counts only from a trusted proxy.
func (s *Server) externalBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if proto := r.Header.Get("X-Forwarded-Proto"); proto == "https" || proto == "http" {
		if a, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && isTrusted(a.Addr().Unmap(), s.trustedProxies) {
			scheme = proto
		}
	}
	return scheme + "://" + r.Host
}

// writeHTML writes an HTML page.
func writeHTML(w http.ResponseWriter, body []byte) error {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}
