package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type errorJSON struct {
	Error struct {
		Code        string   `json:"code"`
		Message     string   `json:"message"`
		Param       string   `json:"param"`
		Suggestions []string `json:"suggestions"`
	} `json:"error"`
}

func mustDecodeStrict(tb testing.TB, body []byte, v any) {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
}

// Every kind of bad input gets a 4xx with a JSON body naming the
// parameter at fault, never a 500.
func TestBadInput(t *testing.T) {
	e := mustServer(t)
	long := strings.Repeat("a", 201)
	tests := []struct {
		name   string
		method string // GET if empty
		path   string
		status int
		code   string
		param  string
		// inMessage and suggestions, when set, must appear.
		inMessage   string
		suggestions []string
	}{
		// Filters.
		{name: "unknown slug", path: "/api/v1/search?care=detx", status: 400, code: "invalid_parameter", param: "care", inMessage: `did you mean "detox"`, suggestions: []string{"detox"}},
		{name: "slug of another group", path: "/api/v1/search?payment=detox", status: 400, code: "invalid_parameter", param: "payment"},
		{name: "unknown language", path: "/api/v1/search?language=english", status: 400, code: "invalid_parameter", param: "language"},
		{name: "second slug bad", path: "/api/v1/search?near=37203&medication=methadone,bupe", status: 400, code: "invalid_parameter", param: "medication"},
		{name: "too many filter terms", path: "/api/v1/search?language=" + strings.Repeat("en,", 70), status: 400, code: "invalid_parameter", param: "language"},

		// Radius.
		{name: "negative radius", path: "/api/v1/search?near=37203&radius=-5mi", status: 400, code: "invalid_parameter", param: "radius"},
		{name: "unknown unit", path: "/api/v1/search?near=37203&radius=10parsecs", status: 400, code: "invalid_parameter", param: "radius"},
		{name: "radius too large", path: "/api/v1/search?near=37203&radius=600mi", status: 400, code: "invalid_parameter", param: "radius", inMessage: "any"},
		{name: "radius too large in km", path: "/api/v1/search?near=37203&radius=805km", status: 400, code: "invalid_parameter", param: "radius"},
		{name: "radius zero", path: "/api/v1/search?near=37203&radius=0", status: 400, code: "invalid_parameter", param: "radius"},
		{name: "radius NaN", path: "/api/v1/search?near=37203&radius=NaN", status: 400, code: "invalid_parameter", param: "radius"},
		{name: "radius exponent", path: "/api/v1/search?near=37203&radius=1e3", status: 400, code: "invalid_parameter", param: "radius"},
		{name: "radius without location", path: "/api/v1/search?radius=10mi", status: 400, code: "invalid_parameter", param: "radius"},

		// Location.
		{name: "unparseable location", path: "/api/v1/search?near=Nowhereville,+ZZ", status: 400, code: "invalid_parameter", param: "near"},
		{name: "unknown city", path: "/api/v1/search?near=Nashvile,+TN", status: 400, code: "invalid_parameter", param: "near", suggestions: []string{"Nashville, TN"}},
		{name: "unknown ZIP", path: "/api/v1/search?near=00000", status: 400, code: "invalid_parameter", param: "near"},
		{name: "near lat,lon out of range", path: "/api/v1/search?near=91,10", status: 400, code: "invalid_parameter", param: "near"},
		{name: "near too long", path: "/api/v1/search?near=" + long, status: 400, code: "invalid_parameter", param: "near"},
		{name: "lat without lon", path: "/api/v1/search?lat=36.1", status: 400, code: "invalid_parameter", param: "lon"},
		{name: "lon without lat", path: "/api/v1/search?lon=-86.7", status: 400, code: "invalid_parameter", param: "lat"},
		{name: "lat out of range", path: "/api/v1/search?lat=91&lon=-86.7", status: 400, code: "invalid_parameter", param: "lat"},
		{name: "lon out of range", path: "/api/v1/search?lat=36&lon=-186.7", status: 400, code: "invalid_parameter", param: "lon"},
		{name: "lat not a number", path: "/api/v1/search?lat=north&lon=-86.7", status: 400, code: "invalid_parameter", param: "lat"},
		{name: "lat NaN", path: "/api/v1/search?lat=NaN&lon=-86.7", status: 400, code: "invalid_parameter", param: "lat"},
		{name: "lon infinite", path: "/api/v1/search?lat=36&lon=-Inf", status: 400, code: "invalid_parameter", param: "lon"},
		{name: "near and lat", path: "/api/v1/search?near=37203&lat=36.1&lon=-86.7", status: 400, code: "invalid_parameter", param: "lat"},
		{name: "near and lon", path: "/api/v1/search?near=37203&lon=-86.7", status: 400, code: "invalid_parameter", param: "lon"},
		{name: "near twice", path: "/api/v1/search?near=37203&near=02134", status: 400, code: "invalid_parameter", param: "near"},
		{name: "near swapped", path: "/api/v1/search?near=-86.78,36.16", status: 400, code: "invalid_parameter", param: "near",
			inMessage: "look swapped", suggestions: []string{"36.16,-86.78"}},
		{name: "near swapped, by space", path: "/api/v1/search?near=-86.78+36.16", status: 400, code: "invalid_parameter", param: "near",
			inMessage: "give the latitude first: 36.16,-86.78", suggestions: []string{"36.16,-86.78"}},
		{name: "lat and lon swapped", path: "/api/v1/search?lat=-86.78&lon=36.16", status: 400, code: "invalid_parameter", param: "lat",
			inMessage: "look swapped: lat=-86.78&lon=36.16 is outside the U.S., but lat=36.16&lon=-86.78 is inside it"},
		{name: "lat and lon swapped, lat out of range", path: "/api/v1/search?lat=-149.9&lon=61.22", status: 400, code: "invalid_parameter", param: "lat",
			inMessage: "lat=61.22&lon=-149.9"},
		{name: "geocode swapped", path: "/api/v1/geocode?q=-86.78,36.16", status: 400, code: "invalid_parameter", param: "q",
			inMessage: "look swapped", suggestions: []string{"36.16,-86.78"}},
		{name: "four digits, no ZIP with a zero", path: "/api/v1/search?near=3720", status: 400, code: "invalid_parameter", param: "near",
			inMessage: "03720 is not one either", suggestions: []string{"Nashville, TN 37201"}},
		{name: "unknown state", path: "/api/v1/search?near=Nashville,+ZZ", status: 400, code: "invalid_parameter", param: "near", inMessage: "not a U.S. state"},
		{name: "street in an unknown city", path: "/api/v1/search?near=123+Main+St,+Nashvile,+TN", status: 400, code: "invalid_parameter", param: "near",
			suggestions: []string{"Nashville, TN"}},

		// Paging, sorting, format.
		{name: "limit not a number", path: "/api/v1/search?limit=ten", status: 400, code: "invalid_parameter", param: "limit"},
		{name: "limit 0", path: "/api/v1/search?limit=0", status: 400, code: "invalid_parameter", param: "limit"},
		{name: "limit 101", path: "/api/v1/search?limit=101", status: 400, code: "invalid_parameter", param: "limit"},
		{name: "limit negative", path: "/api/v1/search?limit=-1", status: 400, code: "invalid_parameter", param: "limit"},
		{name: "limit fractional", path: "/api/v1/search?limit=2.5", status: 400, code: "invalid_parameter", param: "limit"},
		{name: "bad cursor", path: "/api/v1/search?cursor=garbage!", status: 400, code: "invalid_parameter", param: "cursor"},
		{name: "cursor of another search", path: "/api/v1/search?care=detox&cursor=eyJxIjoxLCJpIjoieCJ9", status: 400, code: "invalid_parameter", param: "cursor"},
		{name: "sort distance without location", path: "/api/v1/search?sort=distance", status: 400, code: "invalid_parameter", param: "sort"},
		{name: "unknown sort", path: "/api/v1/search?sort=closest", status: 400, code: "invalid_parameter", param: "sort"},
		{name: "unknown format", path: "/api/v1/search?format=xml", status: 400, code: "invalid_parameter", param: "format"},

		// Unknown and oversized parameters.
		{name: "parameter without a name", path: "/api/v1/search?near=37203&=x", status: 400, code: "invalid_parameter", inMessage: "a parameter has no name"},
		{name: "unknown parameter", path: "/api/v1/search?carr=detox", status: 400, code: "invalid_parameter", param: "carr", inMessage: `did you mean "care"`, suggestions: []string{"care"}},
		{name: "unknown parameter far from any", path: "/api/v1/search?zzzzzz=1", status: 400, code: "invalid_parameter", param: "zzzzzz"},
		{name: "q too long", path: "/api/v1/search?q=" + long, status: 400, code: "invalid_parameter", param: "q"},
		{name: "q not UTF-8", path: "/api/v1/search?q=%FF%FE", status: 400, code: "invalid_parameter", param: "q"},
		{name: "q only stop words", path: "/api/v1/search?q=the+of", status: 400, code: "invalid_parameter", param: "q"},
		{name: "q only stop words near", path: "/api/v1/search?q=the&near=37203", status: 400, code: "invalid_parameter", param: "q"},
		{name: "q a control character", path: "/api/v1/search?q=%00&near=37203", status: 400, code: "invalid_parameter", param: "q"},
		{name: "query string too long", path: "/api/v1/search?q=" + strings.Repeat("x", 2100), status: 414, code: "uri_too_long"},
		{name: "malformed query string", path: "/api/v1/search?care=%zz", status: 400, code: "invalid_parameter"},
		{name: "semicolon separator", path: "/api/v1/search?care=detox;near=37203", status: 400, code: "invalid_parameter"},

		// Other endpoints.
		{name: "unknown facility", path: "/api/v1/facilities/no-such-place", status: 404, code: "not_found", param: "id"},
		{name: "removed facility", path: "/api/v1/facilities/" + idRemoved, status: 404, code: "not_found", param: "id"},
		{name: "facility id too long", path: "/api/v1/facilities/" + strings.Repeat("x", 65), status: 404, code: "not_found", param: "id"},
		{name: "facility with a parameter", path: "/api/v1/facilities/" + idMusicCity + "?fields=name", status: 400, code: "invalid_parameter", param: "fields"},
		{name: "taxonomy with a parameter", path: "/api/v1/taxonomy?lang=es", status: 400, code: "invalid_parameter", param: "lang"},
		{name: "geocode without q", path: "/api/v1/geocode", status: 400, code: "invalid_parameter", param: "q"},
		{name: "geocode unknown place", path: "/api/v1/geocode?q=Bostn,+MA", status: 400, code: "invalid_parameter", param: "q", suggestions: []string{"Boston, MA"}},
		{name: "geocode typo in parameter", path: "/api/v1/geocode?query=37203", status: 400, code: "invalid_parameter", param: "query", suggestions: []string{"q"}},
		{name: "unknown path", path: "/api/v1/nothing", status: 404, code: "not_found"},
		{name: "trailing slash", path: "/api/v1/search/", status: 404, code: "not_found"},
		{name: "POST search", method: "POST", path: "/api/v1/search", status: 405, code: "method_not_allowed"},
		{name: "DELETE facility", method: "DELETE", path: "/api/v1/facilities/" + idMusicCity, status: 405, code: "method_not_allowed"},
		{name: "PUT healthz", method: "PUT", path: "/healthz", status: 405, code: "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := e.do(t, method, tt.path, nil)
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			var got errorJSON
			mustDecodeStrict(t, r.body, &got)
			type summary struct {
				Status      int
				Code, Param string
			}
			want := summary{tt.status, tt.code, tt.param}
			if diff := cmp.Diff(want, summary{r.status, got.Error.Code, got.Error.Param}); diff != "" {
				t.Errorf("(-want +got):\n%s\nbody: %s", diff, r.body)
			}
			if got.Error.Message == "" || got.Error.Message == "internal error" {
				t.Errorf("message %q does not say what is wrong", got.Error.Message)
			}
			if tt.inMessage != "" && !strings.Contains(got.Error.Message, tt.inMessage) {
				t.Errorf("message %q lacks %q", got.Error.Message, tt.inMessage)
			}
			if tt.suggestions != nil {
				if diff := cmp.Diff(tt.suggestions, got.Error.Suggestions[:min(len(got.Error.Suggestions), len(tt.suggestions))]); diff != "" {
					t.Errorf("suggestions (-want +got):\n%s", diff)
				}
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			if r.status == http.StatusMethodNotAllowed && r.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q, want GET, HEAD", r.header.Get("Allow"))
			}
		})
	}
	if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("bad input was logged as an internal error:\n%s", e.logs)
	}
}

// With the directory store gone, a facility the search index holds is
// served from the index's summary of it, marked partial; one it does not
// hold is a 503 with Retry-After that says only that the directory cannot be
// reached. Either way the cause is logged with the request id, not shown.
func TestStoreDown(t *testing.T) {
	e := mustServer(t)
	e.store.Close() // the database is gone
	r := e.do(t, http.MethodGet, "/api/v1/facilities/"+idMusicCity, http.Header{"X-Request-Id": {"req-41"}})
	if r.status != http.StatusOK || r.header.Get("X-CareFinder-Partial") == "" {
		t.Fatalf("status %d, X-CareFinder-Partial %q; want 200 from the index: %s", r.status, r.header.Get("X-CareFinder-Partial"), r.body)
	}
	var f struct {
		Name   string `json:"name"`
		Phones struct {
			Hotline string `json:"hotline_24_7"`
		} `json:"phones"`
	}
	if err := json.Unmarshal(r.body, &f); err != nil || f.Name != "Music City Detox" || f.Phones.Hotline == "" {
		t.Errorf("summary %+v, %v; want the name and the hotline", f, err)
	}

	r = e.do(t, http.MethodGet, "/api/v1/facilities/"+idRemoved, http.Header{"X-Request-Id": {"req-42"}})
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After: %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	var got errorJSON
	mustDecodeStrict(t, r.body, &got)
	if got.Error.Code != "unavailable" || got.Error.Param != "" {
		t.Errorf("error %+v; want code unavailable", got.Error)
	}
	if strings.Contains(string(r.body), "sql") || strings.Contains(string(r.body), "closed") {
		t.Errorf("body leaks the cause: %s", r.body)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"request_id":"req-42"`) || !strings.Contains(logs, "closed") {
		t.Errorf("log lacks the error with its request id:\n%s", logs)
	}
}

// A panic becomes a 500 with a JSON body, logged with the request id.
func TestPanicRecovered(t *testing.T) {
	e := mustServer(t)
	h := e.server.WithChain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))
	srv := newTestServer(t, h)
	res, err := http.Get(srv + "/api/v1/search")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got errorJSON
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 500 || got.Error.Code != "internal" || got.Error.Message != "internal error" {
		t.Errorf("status %d, error %+v", res.StatusCode, got.Error)
	}
	id := res.Header.Get("X-Request-Id")
	logs := e.logs.String()
	if id == "" || !strings.Contains(logs, `"msg":"panic serving request"`) || !strings.Contains(logs, `"request_id":"`+id+`"`) {
		t.Errorf("X-Request-Id %q; log:\n%s", id, logs)
	}
}

// Parameter names in error messages are quoted, never echoed raw.
func TestUnknownParameterQuoted(t *testing.T) {
	e := mustServer(t)
	r := e.get(t, "/api/v1/search?"+url.QueryEscape("<script>")+"=1")
	var got errorJSON
	mustDecodeStrict(t, r.body, &got)
	if got.Error.Param != "<script>" || !strings.Contains(got.Error.Message, `"<script>"`) {
		t.Errorf("error %+v", got.Error)
	}
	if bytes.Contains(r.body, []byte("<script>")) {
		t.Errorf("body has raw HTML: %s", r.body)
	}
}

// Odd but harmless input is answered, never with a 5xx.
func TestOddInputNeverFails(t *testing.T) {
	e := mustServer(t)
	for _, q := range []string{
		"q=***", "q=%22", "q=a+AND+", "q=%F0%9F%99%82", "q=:", "q=%2B-", "q=%00", "q=~1", "q=" + strings.Repeat("%C3%A9", 101),
		"q=title:detox", "q=detox^5", "q=/regex.*/", "q=detox&near=37203&sort=name", "q=[a+TO+z]",
		"near=%00", "near=+,+", "near=,", "near=0,0", "near=-90,180&radius=any", "near=90,-180&radius=500mi", "near=Nashville",
		"near=TN", "near=37203-1234", "near=12345678", "near=%F0%9F%99%82,+TN", "near=St.+Louis,+MO&radius=1mi",
		"lat=0&lon=0", "lat=-0&lon=-0&radius=any", "lat=1e-300&lon=1e-300", "lat=89.9999&lon=179.9999&radius=500mi",
		"radius=.5&near=37203", "radius=500.0000000001mi&near=37203", "radius=%20any%20&near=37203", "radius=25+mi&near=37203",
		"limit=+5", "limit=00100", "limit=99999999999999999999999", "cursor=" + strings.Repeat("A", 1500),
		"care=detox,,,,", "care=%2C", "sort=NAME", "format=GeoJSON", "care=detox&care=detox",
	} {
		r := e.get(t, "/api/v1/search?"+q)
		if r.status >= 500 {
			t.Errorf("%s: status %d: %s", q, r.status, r.body)
		}
		var v map[string]any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Errorf("%s: body is not JSON: %s", q, r.body)
		}
	}
	for _, p := range []string{"/api/v1/facilities/%00", "/api/v1/facilities/..%2F..%2Fetc", "/api/v1/facilities/%F0%9F%99%82", "/api/v1/geocode?q=%00"} {
		if r := e.get(t, p); r.status >= 500 {
			t.Errorf("%s: status %d: %s", p, r.status, r.body)
		}
	}
	if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("odd input logged an internal error:\n%s", e.logs)
	}
}
