package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search/searchtest"
)

// The JSON a client sees, decoded strictly: a field the test does not
// know fails the decoding.
type searchJSON struct {
	Query      queryJSON                 `json:"query"`
	Total      int                       `json:"total"`
	Results    []resultJSON              `json:"results"`
	Facets     map[string]map[string]int `json:"facets"`
	NextCursor *string                   `json:"next_cursor"`
	Nearest    *nearestJSON              `json:"nearest"`
}

type nearestJSON struct {
	DistanceKm float64 `json:"distance_km"`
	DistanceMi float64 `json:"distance_mi"`
}

type queryJSON struct {
	Near      *string             `json:"near"`
	Label     *string             `json:"label"`
	Lat       *float64            `json:"lat"`
	Lon       *float64            `json:"lon"`
	Precision *string             `json:"precision"`
	Note      string              `json:"note"`
	Radius    *string             `json:"radius"`
	RadiusKm  *float64            `json:"radius_km"`
	RadiusMi  *float64            `json:"radius_mi"`
	Filters   map[string][]string `json:"filters"`
	Q         string              `json:"q"`
	Sort      string              `json:"sort"`
	Limit     int                 `json:"limit"`
	Cursor    string              `json:"cursor"`
	Lang      string              `json:"lang"`
}

type resultJSON struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	AlternateNames []string          `json:"alternate_names"`
	DistanceKm     *float64          `json:"distance_km"`
	DistanceMi     *float64          `json:"distance_mi"`
	Address        directory.Address `json:"address"`
	Lat            float64           `json:"lat"`
	Lon            float64           `json:"lon"`
	Phone          string            `json:"phone"`
	Phones         directory.Phones  `json:"phones"`
	Website        string            `json:"website"`
	DirectionsURL  string            `json:"directions_url"`
	Open247        *bool             `json:"open_24_7"`
	Care           []string          `json:"care"`
	Therapy        []string          `json:"therapy"`
	Medication     []string          `json:"medication"`
	Payment        []string          `json:"payment"`
	Population     []string          `json:"population"`
	Gender         []string          `json:"gender"`
	Language       []string          `json:"language"`
	Source         string            `json:"source"`
	SourceID       string            `json:"source_id"`
	LastVerified   string            `json:"last_verified"`
	// Labels: group, slug, label in the query's language.
	Labels map[string]map[string]string `json:"labels"`
}

func ptr[T any](v T) *T { return &v }

func resultIDs(rs []resultJSON) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// The example: detox near ZIP 37203, nearest first, with correct
// distances and everything a person needs to call or get there.
func TestSearchNearZIP(t *testing.T) {
	e := mustServer(t)
	var got searchJSON
	r := e.getJSON(t, "/api/v1/search?near=37203&care=detox", http.StatusOK, &got)

	p := e.place(t, "37203")
	center := orb.Point{p.Lon, p.Lat}
	want := e.oracle(oracleQuery{center: &center, radiusKm: geo.MiToKm(25),
		filters: map[directory.Group][]string{directory.GroupCare: {"detox"}}})
	if diff := cmp.Diff(ids(want), resultIDs(got.Results)); diff != "" {
		t.Fatalf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{idMusicCity, idFranklin}, resultIDs(got.Results)); diff != "" {
		t.Errorf("fixture sanity: ids (-want +got):\n%s", diff)
	}
	for i, res := range got.Results {
		if res.DistanceKm == nil || res.DistanceMi == nil {
			t.Fatalf("%s: no distance", res.ID)
		}
		if *res.DistanceKm != round3(want[i].dist) || *res.DistanceMi != round3(geo.KmToMi(want[i].dist)) {
			t.Errorf("%s: distance %v km, %v mi; want %v km, %v mi", res.ID, *res.DistanceKm, *res.DistanceMi,
				round3(want[i].dist), round3(geo.KmToMi(want[i].dist)))
		}
		wantURL := "https://www.google.com/maps/dir/?api=1&destination="
		if !strings.HasPrefix(res.DirectionsURL, wantURL) {
			t.Errorf("%s: directions_url %q", res.ID, res.DirectionsURL)
		}
	}
	first := got.Results[0]
	if first.Phone != "615-555-0199" || first.Open247 == nil || !*first.Open247 || first.Website == "" {
		t.Errorf("first result: phone %q (want the 24/7 hotline), open_24_7 %v, website %q", first.Phone, first.Open247, first.Website)
	}
	if first.DirectionsURL != "https://www.google.com/maps/dir/?api=1&destination=36.1627,-86.7816" {
		t.Errorf("directions_url = %q", first.DirectionsURL)
	}

	wantQuery := queryJSON{
		Near:      ptr("37203"),
		Label:     ptr(p.Label),
		Lat:       ptr(p.Lat),
		Lon:       ptr(p.Lon),
		Precision: ptr("zip"),
		Radius:    ptr("25mi"),
		RadiusKm:  ptr(40.234),
		RadiusMi:  ptr(25.0),
		Filters:   map[string][]string{"care": {"detox"}, "therapy": {}, "medication": {}, "payment": {}, "population": {}, "gender": {}, "language": {}},
		Sort:      "distance",
		Limit:     20,
		Lang:      "en",
	}
	if diff := cmp.Diff(wantQuery, got.Query); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	if got.Total != len(want) || got.NextCursor != nil {
		t.Errorf("total %d, next_cursor %v; want %d, null", got.Total, got.NextCursor, len(want))
	}
	for name, want := range map[string]string{
		"Cache-Control":               "public, max-age=60",
		"Access-Control-Allow-Origin": "*",
		"X-Content-Type-Options":      "nosniff",
		"Content-Type":                "application/json",
	} {
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// Each answer says how precise its center is, and how near was read.
func TestSearchLocationPrecision(t *testing.T) {
	e := mustServer(t)
	tests := []struct {
		query     string
		label     string
		precision string
		note      string
	}{
		{"near=37203", "Nashville, TN 37203", "zip", ""},
		{"near=Nashville,+TN", "Nashville, TN", "city", ""},
		{"near=Anchorage,+AK", "Anchorage, AK", "city", ""},
		{"near=36.16,-86.78", "36.16,-86.78", "point", ""},
		{"lat=36.16&lon=-86.78", "36.16,-86.78", "point", ""},
		{"near=123+Main+St,+Nashville,+TN+37203", "Nashville, TN 37203", "zip", "the street address is not used"},
		{"near=123+Main+St,+Nashville,+TN", "Nashville, TN", "city", "the street address is not used"},
		{"near=6040", "Manchester, CT 06040", "zip", "read 6040 as ZIP code 06040, with the leading zero it had lost"},
		{"near=372031234", "Nashville, TN 37203", "zip", "read 372031234 as the ZIP+4 code 37203-1234"},
		// Outside the U.S., not swapped: a valid point with nothing near.
		{"near=48.8566,2.3522", "48.8566,2.3522", "point", ""},
		{"lat=48.8566&lon=2.3522", "48.8566,2.3522", "point", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?"+tt.query, http.StatusOK, &got)
			q := got.Query
			if q.Label == nil || *q.Label != tt.label || q.Precision == nil || *q.Precision != tt.precision || q.Note != tt.note {
				t.Errorf("label %v, precision %v, note %q; want %q, %q, %q", deref(q.Label), deref(q.Precision), q.Note, tt.label, tt.precision, tt.note)
			}
			if q.Lat == nil || q.Lon == nil {
				t.Errorf("lat %v, lon %v; want the center", q.Lat, q.Lon)
			}
		})
	}
	var none searchJSON
	e.getJSON(t, "/api/v1/search?q=detox", http.StatusOK, &none)
	if none.Query.Precision != nil || none.Query.Note != "" {
		t.Errorf("without a location: precision %v, note %q; want null and none", deref(none.Query.Precision), none.Query.Note)
	}
	var far searchJSON
	e.getJSON(t, "/api/v1/search?near=48.8566,2.3522", http.StatusOK, &far)
	if far.Total != 0 {
		t.Errorf("near Paris, France: total %d, want 0", far.Total)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Searches compared with the brute-force oracle.
func TestSearchMatchesOracle(t *testing.T) {
	e := mustServer(t)
	nashville := e.place(t, "37203")
	nash := orb.Point{nashville.Lon, nashville.Lat}
	city := e.place(t, "Nashville, TN")
	cityPt := orb.Point{city.Lon, city.Lat}
	boston := e.place(t, "02134")
	bos := orb.Point{boston.Lon, boston.Lat}
	f := func(kv ...string) map[directory.Group][]string {
		m := map[directory.Group][]string{}
		for _, s := range kv {
			g, slug, _ := strings.Cut(s, ":")
			m[directory.Group(g)] = append(m[directory.Group(g)], slug)
		}
		return m
	}
	tests := []struct {
		name   string
		query  string
		oracle oracleQuery
		// wantIDs, when set, pins the fixture's answer too.
		wantIDs []string
	}{
		{"default radius", "near=37203", oracleQuery{center: &nash, radiusKm: geo.MiToKm(25)}, nil},
		{"radius any is nationwide, nearest first", "near=37203&care=detox&radius=any",
			oracleQuery{center: &nash, filters: f("care:detox")},
			[]string{idMusicCity, idFranklin, idMurfreesboro, idClarksville, idMemphis, idAllston, idVenice}},
		{"radius in km", "near=37203&radius=60km", oracleQuery{center: &nash, radiusKm: 60}, nil},
		{"bare radius is miles", "near=37203&radius=40", oracleQuery{center: &nash, radiusKm: geo.MiToKm(40)}, nil},
		{"radius 500mi", "near=37203&radius=500mi", oracleQuery{center: &nash, radiusKm: geo.MiToKm(500)}, nil},
		{"city and state", "near=Nashville,+TN&care=detox", oracleQuery{center: &cityPt, radiusKm: geo.MiToKm(25), filters: f("care:detox")}, nil},
		{"lat and lon", "lat=42.358786&lon=-71.129581&radius=10mi",
			oracleQuery{center: &orb.Point{-71.129581, 42.358786}, radiusKm: geo.MiToKm(10)},
			[]string{idAllston, idCambridge, idBrookline}},
		{"near as lat,lon", "near=42.358786,-71.129581&radius=10mi",
			oracleQuery{center: &orb.Point{-71.129581, 42.358786}, radiusKm: geo.MiToKm(10)}, nil},
		{"Boston ZIP", "near=02134&care=detox", oracleQuery{center: &bos, radiusKm: geo.MiToKm(25), filters: f("care:detox")},
			[]string{idAllston}},
		{"parent term matches children", "near=37203&care=inpatient&radius=any",
			oracleQuery{center: &nash, filters: f("care:inpatient")},
			[]string{idCumberland, idFranklin, idMurfreesboro, idBrookline}},
		{"OR within a group", "near=37203&radius=any&care=hospital-inpatient,residential-long-term",
			oracleQuery{center: &nash, filters: f("care:hospital-inpatient", "care:residential-long-term")},
			[]string{idFranklin, idMurfreesboro}},
		{"AND across groups", "near=37203&radius=any&care=detox&payment=medicaid",
			oracleQuery{center: &nash, filters: f("care:detox", "payment:medicaid")},
			[]string{idMusicCity, idFranklin, idMurfreesboro, idAllston}},
		{"three groups", "near=37203&radius=any&care=detox&payment=medicaid&language=es",
			oracleQuery{center: &nash, filters: f("care:detox", "payment:medicaid", "language:es")},
			[]string{idFranklin}},
		{"no location sorts by name", "care=outpatient", oracleQuery{filters: f("care:outpatient")},
			[]string{idCambridge, idClarksville, idKnoxville, idMidtown}},
		{"slugs are case-insensitive", "care=DETOX&near=37203", oracleQuery{center: &nash, radiusKm: geo.MiToKm(25), filters: f("care:detox")}, nil},
		{"empty parameters are ignored", "near=37203&care=&q=&radius=&sort=&limit=&cursor=&format=",
			oracleQuery{center: &nash, radiusKm: geo.MiToKm(25)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?"+tt.query+"&limit=100", http.StatusOK, &got)
			want := e.oracle(tt.oracle)
			if diff := cmp.Diff(ids(want), resultIDs(got.Results)); diff != "" {
				t.Fatalf("ids (-want +got):\n%s", diff)
			}
			if tt.wantIDs != nil {
				if diff := cmp.Diff(tt.wantIDs, resultIDs(got.Results)); diff != "" {
					t.Errorf("fixture: ids (-want +got):\n%s", diff)
				}
			}
			if got.Total != len(want) {
				t.Errorf("total %d, want %d", got.Total, len(want))
			}
			for i, r := range got.Results {
				if tt.oracle.center == nil {
					if r.DistanceKm != nil || r.DistanceMi != nil {
						t.Errorf("%s: distance without a location", r.ID)
					}
					continue
				}
				if r.DistanceKm == nil || *r.DistanceKm != round3(want[i].dist) {
					t.Errorf("%s: distance_km %v, want %v", r.ID, r.DistanceKm, round3(want[i].dist))
				}
			}
		})
	}
}

func TestSearchRadiusAnyEcho(t *testing.T) {
	e := mustServer(t)
	var got searchJSON
	e.getJSON(t, "/api/v1/search?near=37203&radius=ANY", http.StatusOK, &got)
	if got.Query.Radius == nil || *got.Query.Radius != "any" || got.Query.RadiusKm != nil || got.Query.RadiusMi != nil {
		t.Errorf("query radius %v, radius_km %v, radius_mi %v; want any, null, null", got.Query.Radius, got.Query.RadiusKm, got.Query.RadiusMi)
	}
	if got.Total != len(e.active) {
		t.Errorf("total %d, want every active facility (%d)", got.Total, len(e.active))
	}
	var km searchJSON
	e.getJSON(t, "/api/v1/search?near=37203&radius=40km", http.StatusOK, &km)
	if diff := cmp.Diff([]any{ptr("40km"), ptr(40.0), ptr(24.855)}, []any{km.Query.Radius, km.Query.RadiusKm, km.Query.RadiusMi}); diff != "" {
		t.Errorf("radius echo (-want +got):\n%s", diff)
	}
}

// Repeating a parameter and separating its values by commas mean the same.
func TestSearchRepeatedEqualsComma(t *testing.T) {
	e := mustServer(t)
	pairs := [][2]string{
		{"near=37203&radius=any&care=detox,residential", "near=37203&radius=any&care=detox&care=residential"},
		{"radius=any&near=37203&payment=medicaid,+self-pay&care=detox", "near=37203&radius=any&care=detox&payment=self-pay&payment=medicaid"},
		{"care=outpatient,telehealth&language=es,en", "language=en&care=telehealth&language=es&care=outpatient"},
	}
	for _, p := range pairs {
		a, b := e.get(t, "/api/v1/search?"+p[0]), e.get(t, "/api/v1/search?"+p[1])
		if a.status != http.StatusOK || b.status != http.StatusOK {
			t.Fatalf("statuses %d, %d: %s %s", a.status, b.status, a.body, b.body)
		}
		if !bytes.Equal(a.body, b.body) {
			t.Errorf("%s and %s differ:\n%s\n%s", p[0], p[1], a.body, b.body)
		}
	}
}

// Facets count, for every term, the matching facilities that offer it or a
// term below it, disjunctively: a group with a filter is counted without
// its own filter.
func TestSearchFacets(t *testing.T) {
	e := mustServer(t)
	tax := directory.DefaultTaxonomy()
	p := e.place(t, "37203")
	center := orb.Point{p.Lon, p.Lat}
	for _, tt := range []struct {
		query   string
		filters map[directory.Group][]string
	}{
		{"payment=medicaid", map[directory.Group][]string{"payment": {"medicaid"}}},
		{"payment=medicaid&care=detox", map[directory.Group][]string{"payment": {"medicaid"}, "care": {"detox"}}},
		{"language=es,en&care=inpatient", map[directory.Group][]string{"language": {"es", "en"}, "care": {"inpatient"}}},
	} {
		t.Run(tt.query, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?near=37203&radius=100mi&"+tt.query, http.StatusOK, &got)
			want := map[string]map[string]int{}
			for _, g := range directory.Groups() {
				// g is counted with every filter but its own.
				others := map[directory.Group][]string{}
				for og, slugs := range tt.filters {
					if og != g {
						others[og] = slugs
					}
				}
				hits := e.oracle(oracleQuery{center: &center, radiusKm: geo.MiToKm(100), filters: others})
				want[string(g)] = map[string]int{}
				for _, term := range tax.Terms(g) {
					n := 0
					for _, h := range hits {
						if len(searchtest.Failed(tax, e.byID(h.id), map[directory.Group][]string{g: {term.Slug}})) == 0 {
							n++
						}
					}
					want[string(g)][term.Slug] = n
				}
			}
			if diff := cmp.Diff(want, got.Facets); diff != "" {
				t.Errorf("facets (-want +got):\n%s", diff)
			}
		})
	}
	// Spot checks that do not depend on the oracle: within 100 miles of
	// 37203, 3 of 5 facilities take Medicaid; with that filter, the
	// payment counts still show the other 2 (self-pay 1, private
	// insurance 1), while care counts only the Medicaid ones.
	var got searchJSON
	e.getJSON(t, "/api/v1/search?near=37203&radius=100mi&payment=medicaid", http.StatusOK, &got)
	if got.Total != 3 || got.Facets["care"]["detox"] != 3 || got.Facets["care"]["inpatient"] != 2 || got.Facets["payment"]["medicaid"] != 3 ||
		got.Facets["payment"]["private-insurance"] != 1 || got.Facets["care"]["residential"] != 1 {
		t.Errorf("total %d; facets: detox %d, inpatient %d, medicaid %d, private-insurance %d, residential %d; want 3, 3, 2, 3, 1, 1",
			got.Total, got.Facets["care"]["detox"], got.Facets["care"]["inpatient"], got.Facets["payment"]["medicaid"],
			got.Facets["payment"]["private-insurance"], got.Facets["care"]["residential"])
	}
}

// An empty answer says how far the nearest match is, anywhere: in JSON
// and GeoJSON, only when there is a location and nothing was found.
func TestSearchNearest(t *testing.T) {
	e := mustServer(t)
	anchorage := e.place(t, "99501")
	center := orb.Point{anchorage.Lon, anchorage.Lat}
	nearest := func(filters map[directory.Group][]string) *nearestJSON {
		hits := e.oracle(oracleQuery{center: &center, filters: filters})
		if len(hits) == 0 {
			return nil
		}
		return &nearestJSON{round3(hits[0].dist), round3(geo.KmToMi(hits[0].dist))}
	}
	tests := []struct {
		query string
		want  *nearestJSON
	}{
		{"near=99501&care=detox&radius=1mi", nearest(map[directory.Group][]string{"care": {"detox"}})},
		{"near=99501&medication=methadone&radius=50mi", nearest(map[directory.Group][]string{"medication": {"methadone"}})},
		{"near=99501&population=veterans&language=es", nil},                                                        // nothing anywhere
		{"near=99501&care=detox&radius=any", nil},                                                                  // found: no nearest
		{"near=37203&care=detox", nil},                                                                             // found
		{"care=telehealth", nil},                                                                                   // no location
		{"near=99501&q=knoxville&radius=10mi", nearest(map[directory.Group][]string{"medication": {"methadone"}})}, // text: Knoxville Outpatient
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got searchJSON
			e.getJSON(t, "/api/v1/search?"+tt.query, http.StatusOK, &got)
			if diff := cmp.Diff(tt.want, got.Nearest); diff != "" {
				t.Errorf("nearest (-want +got):\n%s", diff)
			}
			var gj map[string]any
			r := e.get(t, "/api/v1/search?format=geojson&"+tt.query)
			if err := json.Unmarshal(r.body, &gj); err != nil {
				t.Fatal(err)
			}
			if _, has := gj["nearest"]; has != (tt.want != nil) {
				t.Errorf("GeoJSON nearest present %v, want %v", has, tt.want != nil)
			}
		})
	}
	if tests[0].want == nil || tests[1].want == nil {
		t.Fatal("the fixture has no detox or methadone facility")
	}
}

func (e *env) byID(id string) directory.Facility {
	for _, f := range e.active {
		if f.ID == id {
			return f
		}
	}
	panic("no fixture facility " + id)
}

// Following next_cursor through small pages gives the same results as one
// big page, for every sort.
func TestSearchCursorPaging(t *testing.T) {
	e := mustServer(t)
	for _, query := range []string{
		"near=37203&radius=any",
		"near=37203&radius=any&care=detox",
		"care=detox",
		"sort=name&near=02134&radius=any",
		"q=detox&near=37203&radius=any",
		"q=recovery&near=37203&radius=any&sort=relevance",
		"q=detox",
	} {
		t.Run(query, func(t *testing.T) {
			var all searchJSON
			e.getJSON(t, "/api/v1/search?"+query+"&limit=100", http.StatusOK, &all)
			if all.NextCursor != nil {
				t.Fatalf("one big page has a next_cursor")
			}
			if len(all.Results) < 2 {
				t.Fatalf("only %d results; the test needs several pages", len(all.Results))
			}
			var paged []resultJSON
			cursor := ""
			for page := 0; ; page++ {
				if page > len(all.Results) {
					t.Fatalf("more pages than results")
				}
				u := "/api/v1/search?" + query + "&limit=2"
				if cursor != "" {
					u += "&cursor=" + url.QueryEscape(cursor)
				}
				var got searchJSON
				e.getJSON(t, u, http.StatusOK, &got)
				if got.Total != all.Total {
					t.Errorf("page %d: total %d, want %d", page, got.Total, all.Total)
				}
				paged = append(paged, got.Results...)
				if got.NextCursor == nil {
					break
				}
				cursor = *got.NextCursor
			}
			if diff := cmp.Diff(resultIDs(all.Results), resultIDs(paged)); diff != "" {
				t.Errorf("paged ids (-one page +paged):\n%s", diff)
			}
		})
	}
}

type featureCollectionJSON struct {
	Type       string                    `json:"type"`
	Features   []featureJSON             `json:"features"`
	Total      int                       `json:"total"`
	NextCursor *string                   `json:"next_cursor"`
	Query      queryJSON                 `json:"query"`
	Facets     map[string]map[string]int `json:"facets"`
}

type featureJSON struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties resultJSON `json:"properties"`
}

// GeoJSON answers carry the same results as JSON, as Point features with
// [lon, lat] coordinates.
func TestSearchGeoJSON(t *testing.T) {
	e := mustServer(t)
	var plain searchJSON
	e.getJSON(t, "/api/v1/search?near=37203&radius=any&care=detox&limit=3", http.StatusOK, &plain)

	for _, tc := range []struct {
		name   string
		path   string
		accept string
	}{
		{"format", "/api/v1/search?near=37203&radius=any&care=detox&limit=3&format=geojson", ""},
		{"Accept", "/api/v1/search?near=37203&radius=any&care=detox&limit=3", "application/geo+json"},
		{"Accept preferred", "/api/v1/search?near=37203&radius=any&care=detox&limit=3", "application/json;q=0.5, application/geo+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.accept != "" {
				h.Set("Accept", tc.accept)
			}
			r := e.do(t, http.MethodGet, tc.path, h)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
				t.Errorf("Content-Type %q", ct)
			}
			if v := r.header.Values("Vary"); !slices.Contains(v, "Accept") {
				t.Errorf("Vary %q, want Accept among them", v)
			}
			var fc featureCollectionJSON
			mustDecodeStrict(t, r.body, &fc)
			if fc.Type != "FeatureCollection" || fc.Total != plain.Total || fc.NextCursor == nil || *fc.NextCursor != *plain.NextCursor {
				t.Errorf("type %q, total %d, next_cursor %v; want FeatureCollection, %d, %v", fc.Type, fc.Total, fc.NextCursor, plain.Total, *plain.NextCursor)
			}
			if diff := cmp.Diff(plain.Query, fc.Query); diff != "" {
				t.Errorf("query (-json +geojson):\n%s", diff)
			}
			var props []resultJSON
			for _, f := range fc.Features {
				if f.Type != "Feature" || f.Geometry.Type != "Point" || f.ID != f.Properties.ID {
					t.Errorf("feature %s: type %q, geometry %q, properties.id %q", f.ID, f.Type, f.Geometry.Type, f.Properties.ID)
				}
				want := []float64{f.Properties.Lon, f.Properties.Lat}
				if diff := cmp.Diff(want, f.Geometry.Coordinates); diff != "" {
					t.Errorf("feature %s: coordinates must be [lon, lat] (-want +got):\n%s", f.ID, diff)
				}
				props = append(props, f.Properties)
			}
			if diff := cmp.Diff(plain.Results, props); diff != "" {
				t.Errorf("properties (-json results +geojson):\n%s", diff)
			}
		})
	}
	// format=json wins over Accept.
	h := http.Header{"Accept": {"application/geo+json"}}
	if r := e.do(t, http.MethodGet, "/api/v1/search?care=detox&format=json", h); r.header.Get("Content-Type") != "application/json" {
		t.Errorf("format=json with Accept geo+json: Content-Type %q", r.header.Get("Content-Type"))
	}
	// Coordinates in Nashville: longitude first, negative; latitude second.
	var fc featureCollectionJSON
	mustDecodeStrict(t, e.get(t, "/api/v1/search?near=37203&care=detox&format=geojson&limit=1").body, &fc)
	if got := fc.Features[0].Geometry.Coordinates; got[0] != -86.7816 || got[1] != 36.1627 {
		t.Errorf("coordinates %v, want [-86.7816 36.1627]", got)
	}
}

// Text search finds by name, typo-tolerant.
func TestSearchText(t *testing.T) {
	e := mustServer(t)
	var got searchJSON
	e.getJSON(t, "/api/v1/search?q=++Cumberland+++residental++&near=37203", http.StatusOK, &got)
	if ids := resultIDs(got.Results); !slices.Contains(ids, idCumberland) {
		t.Errorf("ids %v lack %s", ids, idCumberland)
	}
	if got.Query.Q != "Cumberland residental" || got.Query.Sort != "distance" {
		t.Errorf("query q %q, sort %q", got.Query.Q, got.Query.Sort)
	}
	e.getJSON(t, "/api/v1/search?q=detox", http.StatusOK, &got)
	if got.Query.Sort != "relevance" {
		t.Errorf("text without location: sort %q, want relevance", got.Query.Sort)
	}
}

func TestSearchHEAD(t *testing.T) {
	e := mustServer(t)
	r := e.do(t, http.MethodHead, "/api/v1/search?near=37203", nil)
	if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("HEAD: status %d, %d bytes, Content-Type %q", r.status, len(r.body), r.header.Get("Content-Type"))
	}
}
