package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/carefinder/carefinder/directory"
)

func newTestServer(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// The facility endpoint answers what the store holds.
func TestFacility(t *testing.T) {
	e := mustServer(t)
	want, err := e.store.Get(context.Background(), idMusicCity)
	if err != nil {
		t.Fatal(err)
	}
	var got directory.Facility
	r := e.getJSON(t, "/api/v1/facilities/"+idMusicCity, http.StatusOK, &got)
	if diff := cmp.Diff(want, &got, cmpopts.IgnoreFields(directory.Facility{}, "Seq")); diff != "" {
		t.Errorf("facility (-store +api):\n%s", diff)
	}
	if r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header")
	}
}

func TestTaxonomy(t *testing.T) {
	e := mustServer(t)
	type term struct {
		Slug        string         `json:"slug"`
		Parent      *string        `json:"parent"`
		Label       directory.Text `json:"label"`
		Explanation directory.Text `json:"explanation"`
		SAMHSACodes []string       `json:"samhsa_codes"`
		Keywords    []string       `json:"keywords"`
		Children    []string       `json:"children"`
	}
	var got struct {
		Groups []struct {
			Group string `json:"group"`
			Terms []term `json:"terms"`
		} `json:"groups"`
	}
	r := e.getJSON(t, "/api/v1/taxonomy", http.StatusOK, &got)
	if r.header.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	var groups []string
	tax := directory.DefaultTaxonomy()
	for _, g := range got.Groups {
		groups = append(groups, g.Group)
		var slugs []string
		for _, tm := range g.Terms {
			slugs = append(slugs, tm.Slug)
			if tm.Label.EN == "" || tm.Label.ES == "" || tm.Explanation.EN == "" || tm.Explanation.ES == "" {
				t.Errorf("%s/%s: missing English or Spanish text: %+v", g.Group, tm.Slug, tm)
			}
			if tm.SAMHSACodes == nil || tm.Children == nil || tm.Keywords == nil {
				t.Errorf("%s/%s: null list", g.Group, tm.Slug)
			}
		}
		var want []string
		for _, tm := range tax.Terms(directory.Group(g.Group)) {
			want = append(want, tm.Slug)
		}
		if diff := cmp.Diff(want, slugs); diff != "" {
			t.Errorf("group %s terms (-want +got):\n%s", g.Group, diff)
		}
	}
	var wantGroups []string
	for _, g := range directory.Groups() {
		wantGroups = append(wantGroups, string(g))
	}
	if diff := cmp.Diff(wantGroups, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	// The hierarchy: residential is below inpatient and above its two kinds.
	care := got.Groups[0].Terms
	for _, tm := range care {
		switch tm.Slug {
		case "residential":
			if tm.Parent == nil || *tm.Parent != "inpatient" {
				t.Errorf("residential parent %v", tm.Parent)
			}
			if diff := cmp.Diff([]string{"residential-short-term", "residential-long-term"}, tm.Children); diff != "" {
				t.Errorf("residential children (-want +got):\n%s", diff)
			}
		case "detox":
			if tm.Parent != nil || tm.Label.ES != "Desintoxicación" || !strings.Contains(strings.Join(tm.SAMHSACodes, ","), "DT") ||
				!slices.Contains(tm.Keywords, "rehab") {
				t.Errorf("detox: %+v", tm)
			}
		}
	}
}

func TestGeocode(t *testing.T) {
	e := mustServer(t)
	type place struct {
		Query        string   `json:"query"`
		Kind         string   `json:"kind"`
		Lat          float64  `json:"lat"`
		Lon          float64  `json:"lon"`
		Precision    string   `json:"precision"`
		Label        string   `json:"label"`
		Note         string   `json:"note"`
		Alternatives []string `json:"alternatives"`
		ZIP          string   `json:"zip"`
		City         string   `json:"city"`
		State        string   `json:"state"`
	}
	for _, q := range []string{"37203", "Nashville, TN", "36.16,-86.78", "Anchorage, AK", "6040", "123 Main St, Nashville, TN", "Nashville", "Los Angeles"} {
		t.Run(q, func(t *testing.T) {
			p := e.place(t, q)
			want := place{p.Query, p.Kind, p.Lat, p.Lon, p.Precision, p.Label, p.Note, p.Alternatives, p.ZIP, p.City, p.State}
			var got place
			r := e.getJSON(t, "/api/v1/geocode?q="+strings.ReplaceAll(q, " ", "+"), http.StatusOK, &got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("place (-want +got):\n%s", diff)
			}
			if r.header.Get("Cache-Control") != "public, max-age=60" {
				t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
			}
		})
	}
	var zip place
	e.getJSON(t, "/api/v1/geocode?q=37203", http.StatusOK, &zip)
	if zip.Kind != "zip" || zip.Precision != "zip" || zip.ZIP != "37203" || zip.State != "TN" || zip.Label == "" {
		t.Errorf("37203: %+v", zip)
	}
}

func TestHealthAndReady(t *testing.T) {
	e := mustServer(t)
	var health struct {
		Status  string `json:"status"`
		Version string `json:"version"`
	}
	e.getJSON(t, "/healthz", http.StatusOK, &health)
	if health.Status != "ok" || health.Version != "test-1.2.3" {
		t.Errorf("healthz %+v", health)
	}
	var ready struct {
		Status     string         `json:"status"`
		Version    string         `json:"version"`
		Facilities int            `json:"facilities"`
		Seq        int64          `json:"seq"`
		Index      map[string]any `json:"index"`
	}
	e.getJSON(t, "/readyz", http.StatusOK, &ready)
	if ready.Index["facilities"] != float64(len(e.active)) || ready.Index["generation"] == "" || ready.Index["lag"] != 0.0 {
		t.Errorf("readyz index %+v", ready.Index)
	}
	if ready.Status != "ready" || ready.Facilities != len(e.active) || ready.Seq == 0 {
		t.Errorf("readyz %+v; want ready with %d facilities", ready, len(e.active))
	}

	e.ready.Store(false)
	var notReady errorJSON
	e.getJSON(t, "/readyz", http.StatusServiceUnavailable, &notReady)
	if notReady.Error.Code != "unavailable" {
		t.Errorf("readyz when not ready: %+v", notReady.Error)
	}
	e.getJSON(t, "/healthz", http.StatusOK, &health) // alive all the same
}

func TestMetrics(t *testing.T) {
	e := mustServer(t)
	e.get(t, "/api/v1/search?near=37203")
	e.get(t, "/api/v1/search?near=37203&care=detox")
	e.get(t, "/api/v1/search?care=detx")
	e.get(t, "/api/v1/facilities/"+idMusicCity)
	e.get(t, "/no/such/path")
	r := e.get(t, "/metrics")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
	}
	body := string(r.body)
	for _, want := range []string{
		`carefinder_http_requests_total{code="200",route="/api/v1/search"} 2`,
		`carefinder_http_requests_total{code="400",route="/api/v1/search"} 1`,
		`carefinder_http_requests_total{code="200",route="/api/v1/facilities/{id}"} 1`,
		`carefinder_http_requests_total{code="404",route="unmatched"} 1`,
		`carefinder_search_duration_seconds_count{kind="radius"} 2`,
		"carefinder_index_lag 0",
		"carefinder_index_broken 0",
		"carefinder_index_rebuilds_total 1",
		"carefinder_imports_total 1",
		"go_goroutines ",
		"process_resident_memory_bytes ",
		`carefinder_http_request_duration_seconds_bucket{route="/api/v1/search",le="+Inf"} 3`,
		`carefinder_http_request_duration_seconds_count{route="/api/v1/search"} 3`,
		"# TYPE carefinder_http_request_duration_seconds histogram",
		"carefinder_index_facilities 12",
		`carefinder_build_info{version="test-1.2.3"} 1`,
		"carefinder_ready 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The sequence gauge is the index's.
	if want := "carefinder_index_seq " + jsonNumber(e.index.Stats().Seq); !strings.Contains(body, want) {
		t.Errorf("metrics lack %s", want)
	}
	// Every sample line is well formed.
	sample := regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$`)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if !strings.HasPrefix(line, "# ") && !sample.MatchString(line) {
			t.Errorf("malformed line %q", line)
		}
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCORS(t *testing.T) {
	e := mustServer(t)
	for _, path := range []string{"/api/v1/search?near=37203", "/api/v1/taxonomy", "/api/v1/search?care=nope", "/api/v1/nowhere"} {
		r := e.do(t, http.MethodGet, path, http.Header{"Origin": {"https://partner.example"}})
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want *", path, got)
		}
	}
	pre := e.do(t, http.MethodOptions, "/api/v1/search?near=37203", http.Header{
		"Origin":                         {"https://partner.example"},
		"Access-Control-Request-Method":  {"GET"},
		"Access-Control-Request-Headers": {"x-request-id"},
	})
	if pre.status != http.StatusNoContent || pre.header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "GET") ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "X-Request-Id") {
		t.Errorf("preflight: status %d, headers %v", pre.status, pre.header)
	}
	if r := e.get(t, "/healthz"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("/healthz is not part of the public API but allows CORS")
	}
}

func TestRequestIDAndHeaders(t *testing.T) {
	e := mustServer(t)
	r := e.do(t, http.MethodGet, "/api/v1/taxonomy", http.Header{"X-Request-Id": {"abc-123"}})
	if got := r.header.Get("X-Request-Id"); got != "abc-123" {
		t.Errorf("X-Request-Id %q, want the client's abc-123", got)
	}
	r = e.do(t, http.MethodGet, "/api/v1/taxonomy", http.Header{"X-Request-Id": {"bad id\twith spaces"}})
	if got := r.header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got) {
		t.Errorf("X-Request-Id %q, want a fresh one", got)
	}
	for _, path := range []string{"/", "/healthz", "/api/v1/search", "/nowhere"} {
		r := e.get(t, path)
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", path, r.header)
		}
	}
}

// The access log has method, path, status and request id, but never the
// query string (where someone is, what they need) nor any header.
func TestAccessLog(t *testing.T) {
	e := mustServer(t)
	e.do(t, http.MethodGet, "/api/v1/search?near=02134&q=methadone", http.Header{
		"Authorization": {"Bearer s3cret-token"},
		"X-Request-Id":  {"log-test-1"},
	})
	logs := e.logs.String()
	var line map[string]any
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"log-test-1"`) && strings.Contains(l, `"http request"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil {
		t.Fatalf("no access log line:\n%s", logs)
	}
	for k, want := range map[string]any{"method": "GET", "path": "/api/v1/search", "status": float64(200), "request_id": "log-test-1"} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("log has no duration: %v", line)
	}
	for _, secret := range []string{"02134", "methadone", "s3cret", "Authorization"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}

func TestRoot(t *testing.T) {
	e := mustServer(t)
	r := e.get(t, "/")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(r.body), `href="/api/v1/openapi.json"`) || !strings.Contains(string(r.body), "988") {
		t.Errorf("status %d, Content-Type %q, body %s", r.status, r.header.Get("Content-Type"), r.body)
	}
}

// TestSecurityHeadersNotShared checks that the security headers, set from
// slices every response shares, stay right when a handler adds to or
// replaces them: each response gets its own values, the next one the
// defaults again, also with requests in parallel.
func TestSecurityHeadersNotShared(t *testing.T) {
	e := mustServer(t)
	h := e.server.WithChain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("do") {
		case "add":
			w.Header().Add("Content-Security-Policy", "img-src 'self'")
			w.Header().Add("X-Content-Type-Options", "extra")
		case "set":
			w.Header().Set("Referrer-Policy", "same-origin")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	want := map[string][]string{
		"X-Content-Type-Options":  {"nosniff"},
		"Referrer-Policy":         {"no-referrer"},
		"Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'"},
		"Permissions-Policy":      {"geolocation=(self), camera=(), microphone=()"},
	}
	tests := []struct {
		do      string
		changed map[string][]string
	}{
		{"add", map[string][]string{
			"Content-Security-Policy": {"default-src 'none'; frame-ancestors 'none'", "img-src 'self'"},
			"X-Content-Type-Options":  {"nosniff", "extra"},
		}},
		{"set", map[string][]string{"Referrer-Policy": {"same-origin"}}},
		{"none", nil},
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				for _, tt := range tests {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x?do="+tt.do, nil))
					for k, v := range want {
						if c, ok := tt.changed[k]; ok {
							v = c
						}
						if got := rec.Header()[k]; !slices.Equal(got, v) {
							t.Errorf("do=%s: %s = %q, want %q", tt.do, k, got, v)
							return
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}
