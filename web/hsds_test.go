package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/hsdstest"
)

// hsdsPage is HSDS's paging envelope with raw items.
type hsdsPage struct {
	TotalItems int               `json:"total_items"`
	TotalPages int               `json:"total_pages"`
	PageNumber int               `json:"page_number"`
	Size       int               `json:"size"`
	FirstPage  bool              `json:"first_page"`
	LastPage   bool              `json:"last_page"`
	Empty      bool              `json:"empty"`
	Contents   []json.RawMessage `json:"contents"`
}

// externalIDs returns the CareFinder facility ids of service-at-location
// list items, in order.
func externalIDs(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	out := []string{}
	for _, it := range items {
		var sal struct {
			Location struct {
				ExternalIdentifier string `json:"external_identifier"`
			} `json:"location"`
		}
		if err := json.Unmarshal(it, &sal); err != nil {
			t.Fatal(err)
		}
		out = append(out, sal.Location.ExternalIdentifier)
	}
	return out
}

func TestHSDSServiceAtLocations(t *testing.T) {
	e := mustServer(t)
	nash := e.place(t, "37203").Point
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"everything by name", "", ids(e.oracle(oracleQuery{}))},
		{"within 10 km of 37203", "postcode=37203&proximity=10000", ids(e.oracle(oracleQuery{center: &nash, radiusKm: 10}))},
		{"within 100 km, detox", "postcode=37203&proximity=100000&taxonomy_term_id=" + data.HSDSTermID(directory.GroupCare, "detox"),
			ids(e.oracle(oracleQuery{center: &nash, radiusKm: 100, filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}}))},
		{"a parent term finds its children", "taxonomy_term_id=" + data.HSDSTermID(directory.GroupCare, "inpatient"),
			ids(e.oracle(oracleQuery{filters: map[directory.Group][]string{directory.GroupCare: {"inpatient"}}}))},
		{"a taxonomy", "taxonomy_id=" + data.HSDSTaxonomyID("carefinder-medication"),
			ids(e.oracle(oracleQuery{filters: map[directory.Group][]string{directory.GroupMedication: {"methadone", "buprenorphine", "naltrexone"}}}))},
		{"term and taxonomy of another group: AND", "taxonomy_term_id=" + data.HSDSTermID(directory.GroupCare, "detox") + "&taxonomy_id=carefinder-payment",
			ids(e.oracle(oracleQuery{filters: map[directory.Group][]string{directory.GroupCare: {"detox"}, directory.GroupPayment: {"medicaid", "self-pay", "private-insurance", "sliding-scale", "free", "military-insurance", "state-insurance", "payment-assistance", "ihs-tribal", "medicare"}}}))},
		{"text", "search=detox&postcode=02134&proximity=50000", []string{idAllston}},
		{"an organization", "organization_id=" + data.HSDSID("organization", idMemphis), []string{idMemphis}},
		{"an organization AND a filter it lacks", "organization_id=" + data.HSDSID("organization", idMemphis) + "&taxonomy_term_id=care:outpatient", []string{}},
		{"modified after now", "modified_after=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339), []string{}},
		{"modified after 2020", "modified_after=2020-01-01&taxonomy_term_id=care:detox", ids(e.oracle(oracleQuery{filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page hsdsPage
			e.getJSON(t, "/hsds/service_at_locations?per_page=100&"+tt.query, http.StatusOK, &page)
			if diff := cmp.Diff(tt.want, externalIDs(t, page.Contents)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if page.TotalItems != len(tt.want) || page.Empty != (len(tt.want) == 0) || page.Size != len(page.Contents) {
				t.Errorf("envelope %+v for %d items", page, len(tt.want))
			}
		})
	}

	// Paging walks the same order.
	all := ids(e.oracle(oracleQuery{}))
	var got []string
	for n := 1; ; n++ {
		var page hsdsPage
		e.getJSON(t, "/hsds/service_at_locations?per_page=5&page="+string(rune('0'+n)), http.StatusOK, &page)
		if page.PageNumber != n || page.FirstPage != (n == 1) || page.TotalPages != (len(all)+4)/5 {
			t.Fatalf("page %d: envelope %+v", n, page)
		}
		got = append(got, externalIDs(t, page.Contents)...)
		if page.LastPage {
			break
		}
	}
	if diff := cmp.Diff(all, got); diff != "" {
		t.Errorf("pages (-all +paged):\n%s", diff)
	}
}

// Every answer of the HSDS API validates against Open Referral's compiled
// schemas.
func TestHSDSSchemas(t *testing.T) {
	schemas := hsdstest.Load(t)
	e := mustServer(t)
	tests := []struct {
		path   string
		schema string // of the document, or of each item of a page
		page   bool
	}{
		{"/hsds/services", hsdstest.ServiceList, true},
		{"/hsds/services?full=true&per_page=3", hsdstest.Service, true},
		{"/hsds/services/" + data.HSDSID("service", idMusicCity), hsdstest.Service, false},
		{"/hsds/services/" + idMusicCity, hsdstest.Service, false},
		{"/hsds/service_at_locations?postcode=37203&proximity=40000", hsdstest.ServiceAtLocationList, true},
		{"/hsds/organizations", hsdstest.OrganizationList, true},
		{"/hsds/organizations?full_service=true", hsdstest.Organization, true},
		{"/hsds/organizations/" + data.HSDSID("organization", idCambridge), hsdstest.Organization, false},
		{"/hsds/taxonomies", hsdstest.Taxonomy, true},
		{"/hsds/taxonomy_terms?per_page=100", hsdstest.TaxonomyTerm, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.get(t, tt.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if !tt.page {
				if err := schemas.Validate(tt.schema, r.body); err != nil {
					t.Errorf("not valid against %s: %v", tt.schema, err)
				}
				return
			}
			var page hsdsPage
			if err := json.Unmarshal(r.body, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Contents) == 0 {
				t.Fatal("an empty page checks nothing")
			}
			for i, it := range page.Contents {
				if err := schemas.Validate(tt.schema, it); err != nil {
					t.Errorf("contents[%d] is not valid against %s: %v", i, tt.schema, err)
				}
			}
		})
	}

	var root map[string]string
	e.getJSON(t, "/hsds/", http.StatusOK, &root)
	if root["version"] != "3.0" || !strings.HasSuffix(root["openapi_url"], "/api/v1/openapi.json") || root["profile"] == "" {
		t.Errorf("root: %v", root)
	}

	// format=ndjson streams every service, each a valid document.
	r := e.get(t, "/hsds/services?format=ndjson&per_page=1")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ndjson: %d %s", r.status, r.header.Get("Content-Type"))
	}
	lines := bytes.Split(bytes.TrimSpace(r.body), []byte("\n"))
	if len(lines) != len(e.active) {
		t.Errorf("ndjson: %d lines, want every active facility (%d)", len(lines), len(e.active))
	}
	for i, l := range lines {
		if err := schemas.Validate(hsdstest.Service, l); err != nil {
			t.Errorf("ndjson line %d: %v", i+1, err)
		}
	}
	// ... and reads back as the directory.
	rep, err := data.ParseHSDSJSON(context.Background(), bytes.NewReader(r.body), data.ParseOptions{})
	if err != nil || len(rep.Records) != len(e.active) || len(rep.Rejected) > 0 {
		t.Errorf("the ndjson stream does not read back: %v, %d records, rejected %v", err, len(rep.Records), rep.Rejected)
	}
}

func TestHSDSErrors(t *testing.T) {
	e := mustServer(t)
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{"/hsds/services?per_page=0", 400, "per_page"},
		{"/hsds/services?per_page=1000", 400, "per_page"},
		{"/hsds/services?page=x", 400, "page"},
		{"/hsds/services?format=xml", 400, "format"},
		{"/hsds/services?taxonomy_term_id=nope", 400, "taxonomy_term_id"},
		{"/hsds/services?taxonomy_id=nope", 400, "taxonomy_id"},
		{"/hsds/services?organization_id=nope", 400, "organization_id"},
		{"/hsds/services?modified_after=yesterday", 400, "modified_after"},
		{"/hsds/services?full=maybe", 400, "full"},
		{"/hsds/services?postcode=37203", 400, "postcode"},
		{"/hsds/service_at_locations?proximity=1000", 400, "proximity"},
		{"/hsds/service_at_locations?postcode=99999&proximity=1000", 400, "postcode"},
		{"/hsds/service_at_locations?postcode=37203&proximity=-5", 400, "proximity"},
		{"/hsds/service_at_locations?postcode=37203&proximity=1e9", 400, "proximity"},
		{"/hsds/service_at_locations?search=" + strings.Repeat("x", 300), 400, "search"},
		{"/hsds/services/" + data.HSDSID("service", "nope"), 404, "id"},
		{"/hsds/services/" + idRemoved, 404, "id"},
		{"/hsds/organizations/x%2Fy", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.get(t, tt.path)
			var body struct {
				Error struct{ Code, Message, Param string } `json:"error"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || r.status != tt.status || body.Error.Param != tt.param || body.Error.Message == "" {
				t.Errorf("status %d (want %d), body %s (want param %q)", r.status, tt.status, r.body, tt.param)
			}
		})
	}
}

func TestSearchCSV(t *testing.T) {
	e := mustServer(t)
	ctx := context.Background()
	evil := directory.Facility{ID: "evil", Name: "=HYPERLINK(\"http://evil.example\",\"Call\")", Lat: 36.16, Lon: -86.78,
		Address:    directory.Address{Lines: []string{"+1 Main St, Suite \"B\""}, City: "Nashville", State: "TN", ZIP: "37203"},
		Phones:     directory.Phones{Main: "@615-555-0100"},
		Services:   directory.Services{Care: []string{"detox"}, Payment: []string{"medicaid"}},
		Provenance: directory.Provenance{Source: "test"}}
	if err := e.store.Create(ctx, &evil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.get(t, "/api/v1/search?near=37203&radius=10mi&care=detox&format=csv&limit=1")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for k, want := range map[string]string{
		"Content-Type":           "text/csv; charset=utf-8",
		"Content-Disposition":    `attachment; filename="carefinder-37203-detox.csv"`,
		"X-Carefinder-Truncated": "false",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if !bytes.HasPrefix(r.body, []byte("\xEF\xBB\xBF")) {
		t.Error("no UTF-8 byte order mark: Excel would misread é")
	}
	if bytes.Count(r.body, []byte("\r\n")) != bytes.Count(r.body, []byte("\n")) {
		t.Error("line ends are not all CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	nash := e.place(t, "37203").Point
	want := ids(e.oracle(oracleQuery{center: &nash, radiusKm: 16.09344, filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}}))
	want = append([]string{"evil"}, slices.DeleteFunc(want, func(s string) bool { return s == "evil" })...)
	if diff := cmp.Diff([]string{"Name", "Address", "Phone", "Distance (mi)", "Distance (km)", "Care", "Payment", "Link"}, recs[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if len(recs)-1 != len(want) {
		t.Fatalf("%d rows, want every match (%d), whatever limit says", len(recs)-1, len(want))
	}
	row := recs[1]
	if diff := cmp.Diff([]string{`'=HYPERLINK("http://evil.example","Call")`, `'+1 Main St, Suite "B", Nashville, TN 37203`, "'@615-555-0100",
		"0.9", "1.4", "Detox", "Medicaid", e.srv.URL + "/facilities/evil"}, row[:8]); diff != "" {
		t.Errorf("the formula-looking row (-want +got):\n%s", diff)
	}

	// A bad query is still a JSON 400.
	if r := e.get(t, "/api/v1/search?format=csv&care=detx"); r.status != 400 || !strings.Contains(string(r.body), `"param":"care"`) {
		t.Errorf("bad csv query: %d %s", r.status, r.body)
	}
}
