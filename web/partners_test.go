package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/web"
)

// Partner origins of the tests.
const (
	partnerOrigin = "https://health.example.org"
	otherOrigin   = "https://evil.example"
)

// nashvilleBox is a GeoJSON area around Nashville, TN: Music City,
// Cumberland and Midtown, not Franklin, Murfreesboro or farther.
const nashvilleBox = `{"type":"Polygon","coordinates":[[[-86.9,36.1],[-86.7,36.1],[-86.7,36.2],[-86.9,36.2],[-86.9,36.1]]]}`

// partnerKeys are the keys of a server made by mustPartnerServer.
type partnerKeys struct {
	plain, massachusetts, nashville, defaults, disabled string
}

// mustPartnerServer serves the fixture with partners: one plain, one
// restricted to Massachusetts, one to an area around Nashville, one with
// defaults, one disabled; anonymous requests limited to rateLimit a minute.
func mustPartnerServer(tb testing.TB, rateLimit int) (*env, partnerKeys) {
	tb.Helper()
	var keys partnerKeys
	e := mustServerWith(tb, fixtureFacilities(), []string{idRemoved}, func(store *directory.Store, cfg *web.Config) {
		ctx := context.Background()
		add := func(p directory.Partner) string {
			tb.Helper()
			if len(p.Origins) == 0 {
				p.Origins = []string{partnerOrigin}
			}
			key, err := store.AddPartner(ctx, &p)
			if err != nil {
				tb.Fatal(err)
			}
			return key
		}
		keys.plain = add(directory.Partner{Name: "Plain", Origins: []string{partnerOrigin, "http://localhost:8000"}})
		keys.massachusetts = add(directory.Partner{Name: "Mass", Region: directory.Region{States: []string{"MA"}}})
		keys.nashville = add(directory.Partner{Name: "Nashville", Region: directory.Region{Area: json.RawMessage(nashvilleBox)}})
		keys.defaults = add(directory.Partner{Name: "Defaults", Defaults: url.Values{"care": {"detox"}, "near": {"37203"}, "radius": {"50mi"}, "lang": {"es"}}})
		keys.disabled = add(directory.Partner{Name: "Gone"})
		id, _, _ := directory.SplitPartnerKey(keys.disabled)
		if err := store.DisablePartner(ctx, id); err != nil {
			tb.Fatal(err)
		}
		cfg.Partners = store
		cfg.RateLimit = rateLimit
	})
	return e, keys
}

func TestPartnerKeys(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	keyID, secret, _ := directory.SplitPartnerKey(keys.plain)
	tests := []struct {
		name   string
		query  string // after /api/v1/search?near=37203
		header http.Header
		status int
		code   string // error code, for refusals
		acao   string // Access-Control-Allow-Origin
	}{
		{name: "no key, no origin", status: 200, acao: "*"},
		{name: "no key, any origin", header: http.Header{"Origin": {otherOrigin}}, status: 200, acao: "*"},
		{name: "key, its origin", query: "&key=" + keys.plain, header: http.Header{"Origin": {partnerOrigin}}, status: 200, acao: partnerOrigin},
		{name: "key, its second origin", query: "&key=" + keys.plain, header: http.Header{"Origin": {"http://localhost:8000"}}, status: 200, acao: "http://localhost:8000"},
		{name: "key in the header", header: http.Header{"Origin": {partnerOrigin}, "X-Carefinder-Key": {keys.plain}}, status: 200, acao: partnerOrigin},
		{name: "key without an origin (not a browser)", query: "&key=" + keys.plain, status: 200},
		{name: "key from another origin", query: "&key=" + keys.plain, header: http.Header{"Origin": {otherOrigin}}, status: 403, code: "origin_not_allowed"},
		{name: "key from a sandboxed page", query: "&key=" + keys.plain, header: http.Header{"Origin": {"null"}}, status: 403, code: "origin_not_allowed"},
		{name: "key from CareFinder's own page", query: "&key=" + keys.plain, header: http.Header{"Origin": {strings.Replace(e.srv.URL, "127.0.0.1", "127.0.0.1", 1)}}, status: 200, acao: e.srv.URL},
		{name: "wrong secret", query: "&key=" + keyID + "." + strings.Repeat("A", len(secret)), header: http.Header{"Origin": {partnerOrigin}}, status: 401, code: "invalid_key"},
		{name: "secret one character short", query: "&key=" + keys.plain[:len(keys.plain)-1], status: 401, code: "invalid_key"},
		{name: "unknown key id", query: "&key=pk_nosuchkey." + secret, status: 401, code: "invalid_key"},
		{name: "not a key", query: "&key=hello", status: 401, code: "invalid_key"},
		{name: "disabled key", query: "&key=" + keys.disabled, header: http.Header{"Origin": {partnerOrigin}}, status: 403, code: "key_disabled"},
		{name: "key and header differ", query: "&key=" + keys.plain, header: http.Header{"X-Carefinder-Key": {keys.massachusetts}}, status: 400, code: "invalid_parameter"},
		{name: "key twice", query: "&key=" + keys.plain + "&key=" + keys.plain, status: 400, code: "invalid_parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, http.MethodGet, "/api/v1/search?near=37203"+tt.query, tt.header)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if r.header.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("Access-Control-Allow-Credentials is set; the API has no credentials")
			}
			if tt.acao != "" && tt.acao != "*" && !slices.Contains(r.header.Values("Vary"), "Origin") {
				t.Errorf("Vary %q lacks Origin", r.header.Values("Vary"))
			}
			if tt.code != "" {
				var got errorJSON
				mustDecodeStrict(t, r.body, &got)
				if got.Error.Code != tt.code || got.Error.Message == "" {
					t.Errorf("error %+v, want code %s", got.Error, tt.code)
				}
				if strings.Contains(string(r.body), secret) {
					t.Errorf("the error shows the secret: %s", r.body)
				}
			}
			if tt.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// Other public endpoints take key too.
	if r := e.do(t, http.MethodGet, "/api/v1/taxonomy?key="+keys.plain, http.Header{"Origin": {partnerOrigin}}); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != partnerOrigin {
		t.Errorf("taxonomy with a key: %d, ACAO %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	if r := e.get(t, "/api/v1/facilities/"+idMusicCity+"?key=bad"); r.status != 401 {
		t.Errorf("facility with a bad key: %d", r.status)
	}
}

func TestCORSPreflight(t *testing.T) {
	e, keys := mustPartnerServer(t, 1) // preflights are never rate limited
	preflight := func(path, origin string) response {
		t.Helper()
		return e.do(t, http.MethodOptions, path, http.Header{
			"Origin":                         {origin},
			"Access-Control-Request-Method":  {"GET"},
			"Access-Control-Request-Headers": {"x-carefinder-key"},
		})
	}
	tests := []struct {
		name, path, origin string
		status             int
		acao               string
	}{
		{"key, its origin", "/api/v1/search?near=37203&key=" + url.QueryEscape(keys.plain), partnerOrigin, 204, partnerOrigin},
		{"key, another origin", "/api/v1/search?near=37203&key=" + url.QueryEscape(keys.plain), otherOrigin, 403, ""},
		{"disabled key", "/api/v1/search?key=" + url.QueryEscape(keys.disabled), partnerOrigin, 403, ""},
		{"key to come in the header", "/api/v1/search?near=37203", otherOrigin, 204, "*"},
		{"no key", "/api/v1/taxonomy", otherOrigin, 204, "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 3 {
				r := preflight(tt.path, tt.origin)
				if r.status != tt.status || r.header.Get("Access-Control-Allow-Origin") != tt.acao {
					t.Fatalf("status %d, ACAO %q; want %d, %q", r.status, r.header.Get("Access-Control-Allow-Origin"), tt.status, tt.acao)
				}
				if r.status != 204 {
					continue
				}
				h := r.header
				if !strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
					!strings.Contains(h.Get("Access-Control-Allow-Headers"), "X-CareFinder-Key") ||
					h.Get("Access-Control-Max-Age") == "" || h.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("preflight headers %v", h)
				}
			}
		})
	}
	// The header's key is then checked on the real request.
	r := e.do(t, http.MethodGet, "/api/v1/search?near=37203", http.Header{"Origin": {otherOrigin}, "X-Carefinder-Key": {keys.plain}})
	if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("header key from another origin: %d, ACAO %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
}

// A partner's region restricts results, totals and facets to facilities
// inside it; the same search without the key sees everything.
func TestPartnerRegion(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	nashville := orb.Bound{Min: orb.Point{-86.9, 36.1}, Max: orb.Point{-86.7, 36.2}}
	tests := []struct {
		name   string
		key    string
		inside func(directory.Facility) bool
	}{
		{"state", keys.massachusetts, func(f directory.Facility) bool { return f.Address.State == "MA" }},
		{"area", keys.nashville, func(f directory.Facility) bool { return nashville.Contains(orb.Point{f.Lon, f.Lat}) }},
		{"none", keys.plain, func(directory.Facility) bool { return true }},
	}
	// The fixture's Boston facilities are in TN by address; put them in MA.
	for _, f := range e.active {
		if strings.HasPrefix(f.ID, "bos-") {
			f.Address.State, f.Active = "MA", true
			if err := e.store.Update(context.Background(), &f); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.index.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	byID := map[string]directory.Facility{}
	for _, f := range e.active {
		if strings.HasPrefix(f.ID, "bos-") {
			f.Address.State = "MA"
		}
		byID[f.ID] = f
	}
	center := orb.Point{e.place(t, "37203").Lon, e.place(t, "37203").Lat}
	for _, tt := range tests {
		for _, filters := range []string{"", "&care=detox", "&q=detox"} {
			t.Run(tt.name+filters, func(t *testing.T) {
				var got searchJSON
				e.getJSON(t, "/api/v1/search?near=37203&radius=any&limit=100"+filters+"&key="+url.QueryEscape(tt.key), 200, &got)
				q := oracleQuery{center: &center}
				if filters == "&care=detox" {
					q.filters = map[directory.Group][]string{directory.GroupCare: {"detox"}}
				}
				var want []string
				for _, h := range e.oracle(q) {
					// Text matches a name or the label of a service offered.
					text := strings.Contains(strings.ToLower(h.name), "detox") || slices.Contains(byID[h.id].Services.Care, "detox")
					if tt.inside(byID[h.id]) && (filters != "&q=detox" || text) {
						want = append(want, h.id)
					}
				}
				if diff := cmp.Diff(want, resultIDs(got.Results), cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) || len(a)+len(b) == 0 })); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if got.Total != len(want) {
					t.Errorf("total %d, want %d", got.Total, len(want))
				}
				detox := 0
				for _, id := range want {
					if slices.Contains(byID[id].Services.Care, "detox") {
						detox++
					}
				}
				if got.Facets["care"]["detox"] != detox {
					t.Errorf("detox facet %d, want %d (inside the region only)", got.Facets["care"]["detox"], detox)
				}
			})
		}
	}
}

// A partner's defaults fill what the request leaves out; the request's own
// parameters win.
func TestPartnerDefaults(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	k := "&key=" + url.QueryEscape(keys.defaults)
	tests := []struct {
		name, query string
		near        *string
		care        []string
		radius      *string
		lang        string
	}{
		{"all defaults", "", ptr("37203"), []string{"detox"}, ptr("50mi"), "es"},
		{"own care", "&care=outpatient", ptr("37203"), []string{"outpatient"}, ptr("50mi"), "es"},
		{"own place and radius", "&near=02134&radius=10mi", ptr("02134"), []string{"detox"}, ptr("10mi"), "es"},
		{"own point: no near default", "&lat=42.35&lon=-71.13", nil, []string{"detox"}, ptr("50mi"), "es"},
		{"own language", "&lang=en", ptr("37203"), []string{"detox"}, ptr("50mi"), "en"},
		{"empty care is no care", "&care=", ptr("37203"), []string{"detox"}, ptr("50mi"), "es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?limit=100"+tt.query+k, 200, &got)
			if diff := cmp.Diff(tt.near, got.Query.Near); diff != "" {
				t.Errorf("near (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.radius, got.Query.Radius); diff != "" {
				t.Errorf("radius (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.care, got.Query.Filters["care"]); diff != "" {
				t.Errorf("care (-want +got):\n%s", diff)
			}
			if got.Query.Lang != tt.lang {
				t.Errorf("lang %q, want %q", got.Query.Lang, tt.lang)
			}
		})
	}
	// Without the key, no defaults.
	var plain searchJSON
	e.getJSON(t, "/api/v1/search?limit=100", 200, &plain)
	if plain.Query.Near != nil || len(plain.Query.Filters["care"]) != 0 || plain.Total != len(e.active) {
		t.Errorf("without a key: near %v, care %v, total %d", plain.Query.Near, plain.Query.Filters["care"], plain.Total)
	}
}

func TestRateLimit(t *testing.T) {
	e, keys := mustPartnerServer(t, 8) // a bucket of 2, refilled every 7.5 s
	get := func(path string, h http.Header) response {
		t.Helper()
		return e.do(t, http.MethodGet, path, h)
	}
	for i := range 2 {
		if r := get("/api/v1/search?near=37203", nil); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := get("/api/v1/search?near=37203", http.Header{"Origin": {otherOrigin}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("third request: %d, want 429", r.status)
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 8 {
		t.Errorf("Retry-After %q, want 1 to 8 seconds", r.header.Get("Retry-After"))
	}
	var got errorJSON
	mustDecodeStrict(t, r.body, &got)
	if got.Error.Code != "rate_limited" || r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("error %+v, ACAO %q: a page must be able to read the refusal", got.Error, r.header.Get("Access-Control-Allow-Origin"))
	}
	// Every public endpoint shares the bucket; other paths do not count.
	if r := get("/api/v1/taxonomy", nil); r.status != http.StatusTooManyRequests {
		t.Errorf("taxonomy: %d", r.status)
	}
	for _, path := range []string{"/healthz", "/widget.js", "/widget/demo"} {
		if r := get(path, nil); r.status != 200 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	// X-Forwarded-For is not believed from a peer that is no trusted proxy.
	if r := get("/api/v1/search?near=37203", http.Header{"X-Forwarded-For": {"203.0.113.9"}}); r.status != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For got a fresh bucket: %d", r.status)
	}
	// A key has its own bucket (the partner's limit, 600 a minute).
	for i := range 5 {
		if r := get("/api/v1/search?near=37203&key="+url.QueryEscape(keys.plain), nil); r.status != 200 {
			t.Fatalf("keyed request %d: %d", i, r.status)
		}
	}
	// Refused keys count against the address.
	if r := get("/api/v1/search?key=bad", nil); r.status != http.StatusTooManyRequests {
		t.Errorf("bad key from a limited address: %d", r.status)
	}
}

// Behind a trusted proxy, each client named by X-Forwarded-For has its own
// bucket.
func TestRateLimitBehindProxy(t *testing.T) {
	e := mustServerWith(t, fixtureFacilities(), []string{idRemoved}, func(_ *directory.Store, cfg *web.Config) {
		cfg.RateLimit = 4 // a bucket of one
		p, err := web.ParseTrustedProxies("127.0.0.1, ::1")
		if err != nil {
			t.Fatal(err)
		}
		cfg.TrustedProxies = p
	})
	for _, client := range []string{"203.0.113.1", "203.0.113.2", "198.51.100.7, 203.0.113.3"} {
		h := http.Header{"X-Forwarded-For": {client}}
		if r := e.do(t, http.MethodGet, "/api/v1/taxonomy", h); r.status != 200 {
			t.Errorf("%s first: %d", client, r.status)
		}
		if r := e.do(t, http.MethodGet, "/api/v1/taxonomy", h); r.status != 429 {
			t.Errorf("%s second: %d, want 429", client, r.status)
		}
	}
}

func TestClientIP(t *testing.T) {
	trusted, err := web.ParseTrustedProxies("10.0.0.0/8,192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct", "203.0.113.5:1234", nil, "203.0.113.5"},
		{"direct, header ignored", "203.0.113.5:1234", []string{"1.2.3.4"}, "203.0.113.5"},
		{"one proxy", "10.1.2.3:80", []string{"203.0.113.5"}, "203.0.113.5"},
		{"two proxies", "10.1.2.3:80", []string{"203.0.113.5, 192.0.2.1"}, "203.0.113.5"},
		{"client lies on the left", "10.1.2.3:80", []string{"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},
		{"headers repeated", "10.1.2.3:80", []string{"1.1.1.1", "203.0.113.5"}, "203.0.113.5"},
		{"garbage", "10.1.2.3:80", []string{"203.0.113.5, nonsense"}, "10.1.2.3"},
		{"proxy without header", "10.1.2.3:80", nil, "10.1.2.3"},
		{"ipv6", "[2001:db8::1]:443", nil, "2001:db8::1"},
		{"mapped ipv4", "[::ffff:10.1.2.3]:80", []string{"203.0.113.5"}, "203.0.113.5"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := web.ClientIP(r, trusted); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	if _, err := web.ParseTrustedProxies("10.0.0.0/8,banana"); err == nil || !strings.Contains(err.Error(), "banana") {
		t.Errorf("bad proxy list: %v", err)
	}
}

func TestKeyedLimiter(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k := web.NewKeyedLimiter(func() time.Time { return now })
	take := func(key string) (bool, time.Duration) { return k.Allow(key, 60) } // 1 a second, 15 at once
	for i := range 15 {
		if ok, _ := take("a"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := take("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("16th: ok %v, wait %v; want refused, at most 1 s", ok, wait)
	}
	if ok, _ := take("b"); !ok {
		t.Error("another key shares a's bucket")
	}
	now = now.Add(time.Second)
	if ok, _ := take("a"); !ok {
		t.Error("a second later, no token came back")
	}
	if ok, _ := take("a"); ok {
		t.Error("two tokens came back in a second")
	}
	// A refused request takes nothing: a client that keeps retrying too
	// soon is not pushed further back.
	now = now.Add(time.Second)
	if ok, _ := take("a"); !ok {
		t.Error("refusals used up tokens")
	}
	// Buckets full again are dropped at the next sweep.
	now = now.Add(time.Hour)
	take("c")
	if n := k.Size(); n != 1 {
		t.Errorf("%d buckets after an idle hour, want 1 (c)", n)
	}
}

// Pages and links add parameters of their own; they are ignored, and real
// unknown ones still refused.
func TestHarmlessParameters(t *testing.T) {
	e := mustServer(t)
	var plain, busted searchJSON
	e.getJSON(t, "/api/v1/search?near=37203&care=detox", 200, &plain)
	e.getJSON(t, "/api/v1/search?near=37203&care=detox&_=1700000000&utm_source=newsletter&utm_medium=email&utm_campaign=x&fbclid=abc&gclid=def", 200, &busted)
	if diff := cmp.Diff(plain, busted); diff != "" {
		t.Errorf("harmless parameters changed the answer (-without +with):\n%s", diff)
	}
	for _, path := range []string{"/api/v1/taxonomy?_=1", "/api/v1/geocode?q=37203&utm_source=x", "/api/v1/facilities/" + idMusicCity + "?fbclid=1", "/api/v1/openapi.json?_=2"} {
		if r := e.get(t, path); r.status != 200 {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
	for _, path := range []string{"/api/v1/search?near=37203&utm=x", "/api/v1/search?near=37203&__=1", "/api/v1/search?carr=detox", "/api/v1/taxonomy?lang=es"} {
		if r := e.get(t, path); r.status != 400 {
			t.Errorf("%s: %d, want 400", path, r.status)
		}
	}
}

// lang=es gives every result the Spanish labels of its terms; English is
// the default.
func TestSearchLabels(t *testing.T) {
	e := mustServer(t)
	tax := directory.DefaultTaxonomy()
	for _, lang := range []string{"", "en", "es", "ES"} {
		t.Run(lang, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?radius=any&near=37203&limit=100&lang="+lang, 200, &got)
			es := strings.EqualFold(lang, "es")
			if want := map[bool]string{true: "es", false: "en"}[es]; got.Query.Lang != want {
				t.Errorf("query.lang %q, want %q", got.Query.Lang, want)
			}
			for _, r := range got.Results {
				want := map[string]map[string]string{}
				for _, g := range directory.Groups() {
					want[string(g)] = map[string]string{}
					f := e.byID(r.ID)
					for _, slug := range f.Services.Get(g) {
						tm, _ := tax.Lookup(g, slug)
						want[string(g)][slug] = map[bool]string{true: tm.Label.ES, false: tm.Label.EN}[es]
					}
				}
				if diff := cmp.Diff(want, r.Labels); diff != "" {
					t.Errorf("%s labels (-want +got):\n%s", r.ID, diff)
				}
			}
			if es && got.Results[1].Labels["care"]["detox"] != "Desintoxicación" {
				t.Errorf("Music City's detox in Spanish: %q", got.Results[1].Labels["care"]["detox"])
			}
		})
	}
	if r := e.get(t, "/api/v1/search?lang=fr"); r.status != 400 || !strings.Contains(string(r.body), `"param":"lang"`) {
		t.Errorf("lang=fr: %d %s", r.status, r.body)
	}
}

// Keyed requests are counted per partner per day, and written in batches.
func TestPartnerUsage(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	for range 3 {
		e.get(t, "/api/v1/search?near=37203&key="+url.QueryEscape(keys.plain))
	}
	e.get(t, "/api/v1/taxonomy?key="+url.QueryEscape(keys.nashville))
	e.get(t, "/api/v1/search?near=37203") // anonymous: not counted
	ctx := context.Background()
	if u, _ := e.store.PartnerUsage(ctx, "2000-01-01"); len(u) != 0 {
		t.Errorf("usage written before a flush: %v", u)
	}
	if err := e.server.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	e.get(t, "/api/v1/search?near=37203&key="+url.QueryEscape(keys.plain))
	if err := e.server.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.PartnerUsage(ctx, "2000-01-01")
	if err != nil {
		t.Fatal(err)
	}
	today := directory.UsageDay(time.Now())
	plainID, _, _ := directory.SplitPartnerKey(keys.plain)
	nashID, _, _ := directory.SplitPartnerKey(keys.nashville)
	want := []directory.Usage{{KeyID: plainID, Day: today, Requests: 4}, {KeyID: nashID, Day: today, Requests: 1}}
	slices.SortFunc(want, func(a, b directory.Usage) int { return strings.Compare(a.KeyID, b.KeyID) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

// The access log never shows a key, whether in the query or a header.
func TestAccessLogHidesKeys(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	_, secret, _ := directory.SplitPartnerKey(keys.plain)
	e.get(t, "/api/v1/search?near=37203&key="+url.QueryEscape(keys.plain))
	e.do(t, http.MethodGet, "/api/v1/search?near=37203", http.Header{"X-Carefinder-Key": {keys.plain}})
	e.get(t, "/api/v1/search?near=37203&key="+url.QueryEscape(keys.plain[:len(keys.plain)-2])) // refused
	e.get(t, "/embed?key="+url.QueryEscape(keys.plain))
	logs := e.logs.String()
	if !strings.Contains(logs, `"path":"/api/v1/search"`) {
		t.Fatalf("no access log:\n%s", logs)
	}
	for _, leak := range []string{secret, secret[:12], "key="} {
		if strings.Contains(logs, leak) {
			t.Errorf("the log shows %q:\n%s", leak, logs)
		}
	}
}

// A city named without its state, on a partner's site restricted to a
// region, is the city of the name inside it: the visitor of a
// Massachusetts site means Springfield, MA.
func TestPartnerRegionPlacesBareCity(t *testing.T) {
	e, keys := mustPartnerServer(t, 0)
	k := "&key=" + url.QueryEscape(keys.massachusetts)
	for _, tt := range []struct{ near, label string }{
		{"Springfield", "Springfield, MA"}, // no city owns the name: the one in the region
		{"Salem", "Salem, MA"},
		{"Lexington", "Lexington, MA"},         // the largest, in Kentucky, is outside it
		{"Worcester", "Worcester, MA"},         // the largest is already in it
		{"Springfield, IL", "Springfield, IL"}, // a state written is kept
	} {
		t.Run(tt.near, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?near="+url.QueryEscape(tt.near)+k, http.StatusOK, &got)
			if got.Query.Label == nil || *got.Query.Label != tt.label || *got.Query.Near != tt.near {
				t.Errorf("near=%s on the Massachusetts site: %v (near %v), want %s", tt.near, deref(got.Query.Label), deref(got.Query.Near), tt.label)
			}
			if tt.label != tt.near && tt.near != "Worcester" && !strings.Contains(got.Query.Note, "this site's area") {
				t.Errorf("note %q", got.Query.Note)
			}
		})
	}
	// A misspelling or a state written is not corrected into the region.
	for _, near := range []string{"Sprngfield", "Springfeld, MA"} {
		if r := e.get(t, "/api/v1/search?near="+url.QueryEscape(near)+k); r.status != http.StatusBadRequest {
			t.Errorf("near=%s on the Massachusetts site: %d, want 400 with suggestions", near, r.status)
		}
	}
	// Without the key, the name alone is still ambiguous.
	if r := e.get(t, "/api/v1/search?near=Springfield"); r.status != http.StatusBadRequest {
		t.Errorf("near=Springfield without a key: %d", r.status)
	}
}
