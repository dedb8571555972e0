package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/web"
)

// mustOpenAPI loads and validates the embedded OpenAPI document.
func mustOpenAPI(tb testing.TB) (*openapi3.T, routers.Router) {
	tb.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(web.OpenAPIDoc)
	if err != nil {
		tb.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		tb.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		tb.Fatalf("openapi.json is version %s, want 3.1", doc.OpenAPI)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return doc, router
}

// Real responses of the running server conform to the OpenAPI document:
// status documented, headers and body valid against their schemas.
func TestOpenAPIResponses(t *testing.T) {
	e := mustServer(t)
	doc, router := mustOpenAPI(t)
	tests := []struct {
		name   string
		path   string
		accept string
		status int
		// validRequest is false for requests that break the document on
		// purpose; their responses are still checked.
		badRequest bool
	}{
		{name: "search json", path: "/api/v1/search?near=37203&care=detox&limit=1", status: 200},
		{name: "search any radius, filters", path: "/api/v1/search?near=Nashville,+TN&radius=any&care=inpatient&payment=medicaid,self-pay", status: 200},
		{name: "search without location", path: "/api/v1/search?q=detox&language=es", status: 200},
		{name: "search lat lon", path: "/api/v1/search?lat=42.35&lon=-71.13&radius=40km", status: 200},
		{name: "search empty", path: "/api/v1/search?near=99501&care=detox&radius=1mi", status: 200},
		{name: "search geojson", path: "/api/v1/search?near=37203&format=geojson&limit=2", status: 200},
		{name: "search geojson by Accept", path: "/api/v1/search?near=02134", accept: "application/geo+json", status: 200},
		{name: "search error", path: "/api/v1/search?near=37203&radius=600mi", status: 400},
		{name: "search unknown slug", path: "/api/v1/search?care=detx", status: 400},
		{name: "search unknown parameter", path: "/api/v1/search?carr=detox", status: 400, badRequest: true},
		{name: "facility", path: "/api/v1/facilities/" + idMusicCity, status: 200},
		{name: "facility not found", path: "/api/v1/facilities/nope", status: 404},
		{name: "taxonomy", path: "/api/v1/taxonomy", status: 200},
		{name: "geocode", path: "/api/v1/geocode?q=37203", status: 200},
		{name: "geocode city", path: "/api/v1/geocode?q=Boston,+MA", status: 200},
		{name: "geocode error", path: "/api/v1/geocode?q=Bostn,+MA", status: 400},
		{name: "geocode repaired ZIP", path: "/api/v1/geocode?q=6040", status: 200},
		{name: "geocode address", path: "/api/v1/geocode?q=123+Main+St,+Nashville,+TN+37203", status: 200},
		{name: "geocode swapped", path: "/api/v1/geocode?q=-86.78,36.16", status: 400},
		{name: "search address", path: "/api/v1/search?near=123+Main+St,+Nashville,+TN&limit=1", status: 200},
		{name: "search city", path: "/api/v1/search?near=Anchorage,+AK&limit=1", status: 200},
		{name: "search repaired ZIP, geojson", path: "/api/v1/search?near=6040&format=geojson&limit=1", status: 200},
		{name: "search swapped", path: "/api/v1/search?lat=-86.78&lon=36.16", status: 400},
		{name: "geocode without q", path: "/api/v1/geocode", status: 400, badRequest: true},
		{name: "openapi", path: "/api/v1/openapi.json", status: 200},
		{name: "healthz", path: "/healthz", status: 200},
		{name: "readyz", path: "/readyz", status: 200},
		{name: "metrics", path: "/metrics", status: 200},
		{name: "root", path: "/", status: 200},
		{name: "search with a bad key", path: "/api/v1/search?near=37203&key=pk_nope.secret", status: 401},
		{name: "search in Spanish", path: "/api/v1/search?near=37203&lang=es&_=1700000000&utm_source=x", status: 200},
		{name: "widget", path: "/widget.js", status: 200},
		{name: "embed", path: "/embed?lang=es&near=37203", status: 200},
		{name: "embed with a bad key", path: "/embed?key=pk_nope.secret", status: 401},
		{name: "widget demo", path: "/widget/demo", status: 200},
		{name: "search csv", path: "/api/v1/search?near=37203&care=detox&format=csv", status: 200},
		{name: "hsds root", path: "/hsds/", status: 200},
		{name: "hsds services", path: "/hsds/services?per_page=2&page=2", status: 200},
		{name: "hsds services ndjson", path: "/hsds/services?format=ndjson", status: 200},
		{name: "hsds service", path: "/hsds/services/" + idMusicCity, status: 200},
		{name: "hsds service not found", path: "/hsds/services/nope", status: 404},
		{name: "hsds near", path: "/hsds/service_at_locations?postcode=37203&proximity=20000&taxonomy_term_id=care:detox", status: 200},
		{name: "hsds bad proximity", path: "/hsds/service_at_locations?postcode=37203&proximity=far", status: 400},
		{name: "hsds organizations", path: "/hsds/organizations?full=true", status: 200},
		{name: "hsds organization", path: "/hsds/organizations/" + idMusicCity, status: 200},
		{name: "hsds taxonomies", path: "/hsds/taxonomies", status: 200},
		{name: "hsds terms", path: "/hsds/taxonomy_terms?top_only=true&taxonomy_id=carefinder-care", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.accept != "" {
				h.Set("Accept", tt.accept)
			}
			r := e.do(t, http.MethodGet, tt.path, h)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			validate(t, router, tt.path, tt.accept, r, !tt.badRequest)
		})
	}

	// Errors outside any operation (unknown path, wrong method, URI too
	// long) still have the documented error shape.
	errSchema := doc.Components.Schemas["Error"].Value
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/nowhere"},
		{http.MethodPost, "/api/v1/search"},
		{http.MethodGet, "/api/v1/search?q=" + strings.Repeat("x", 3000)},
	} {
		r := e.do(t, req.method, req.path, nil)
		var v any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("%s %s: %v", req.method, req.path, err)
		}
		if err := errSchema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s %.40s: %d body does not match Error: %v", req.method, req.path, r.status, err)
		}
	}

	// With the server not ready, /readyz answers a documented 503.
	e.ready.Store(false)
	r := e.get(t, "/readyz")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz: %d", r.status)
	}
	validate(t, router, "/readyz", "", r, true)
}

// validate checks one exchange against the document.
func validate(t *testing.T, router routers.Router, path, accept string, r response, checkRequest bool) {
	t.Helper()
	ctx := context.Background()
	req, err := http.NewRequest(http.MethodGet, "http://carefinder.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s is not in the document: %v", path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{MultiError: true}}
	if checkRequest {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("request does not conform: %v", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if ct := r.header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/javascript") ||
		strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, "application/x-ndjson") {
		// kin-openapi cannot decode HTML, JavaScript, CSV or NDJSON; the status and
		// headers are checked.
		out.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("response does not conform: %v\nbody: %.600s", err, r.body)
	}
}

// pageRoutes are routes for people, not the API: HTML pages, their form
// and their static files, which the OpenAPI document leaves out ("/" is in
// it, as the API's front door).
var pageRoutes = map[string]bool{
	"/search": true, "/facilities/{id}": true, "/facilities/{id}/report": true, "/static/{path:.+}": true,
}

// Every route of the router is documented with its methods, and every
// documented GET path answers.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := mustServer(t)
	doc, _ := mustOpenAPI(t)
	routed := map[string][]string{}
	for _, r := range e.server.Routes() {
		if pageRoutes[r.Path] {
			continue
		}
		for _, m := range r.Methods {
			if m != http.MethodHead {
				routed[r.Path] = append(routed[r.Path], m)
			}
		}
	}
	documented := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[path] = append(documented[path], method)
		}
		if item.Get == nil {
			continue
		}
		r := e.get(t, strings.ReplaceAll(path, "{id}", idMusicCity))
		if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
			t.Errorf("documented %s answers %d", path, r.status)
		}
	}
	for _, m := range []map[string][]string{routed, documented} {
		for _, methods := range m {
			slices.Sort(methods)
		}
	}
	if diff := cmp.Diff(documented, routed); diff != "" {
		t.Errorf("paths and methods (-documented +routed):\n%s", diff)
	}

	// The search parameters documented are the ones accepted.
	var params []string
	for _, p := range doc.Paths.Value("/api/v1/search").Get.Parameters {
		if p.Value.In == "query" {
			params = append(params, p.Value.Name)
		}
	}
	want := slices.Clone(web.SearchParamNames)
	slices.Sort(want)
	slices.Sort(params)
	if diff := cmp.Diff(want, params); diff != "" {
		t.Errorf("search parameters (-accepted +documented):\n%s", diff)
	}
}
