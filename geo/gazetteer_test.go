package geo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/paulmach/orb"
)

// mustGazetteer returns the Gazetteer of the embedded table.
func mustGazetteer(tb testing.TB) *Gazetteer {
	tb.Helper()
	g, err := NewGazetteer()
	if err != nil {
		tb.Fatalf("NewGazetteer: %v", err)
	}
	return g
}

// approx compares coordinates to about a kilometre: city centers are means
// of ZIP centroids, and the tests should not pin their last digits.
var approx = cmpopts.EquateApprox(0, 0.01)

// ignorePoint leaves Place.Point to be checked against Lat and Lon: orb.Point
// has an Equal method, so cmp cannot compare it approximately.
var ignorePoint = cmpopts.IgnoreFields(Place{}, "Point")

func TestZIPTable(t *testing.T) {
	g := mustGazetteer(t)
	zips := g.ZIPs()
	if len(zips) <= 33000 {
		t.Errorf("ZIP table has %d rows, want more than 33,000", len(zips))
	}
	if !slices.IsSortedFunc(zips, func(a, b ZIPPlace) int { return strings.Compare(a.ZIP, b.ZIP) }) {
		t.Error("ZIPs() is not sorted by ZIP")
	}
	var noCity []string
	states := map[string]bool{}
	for _, z := range zips {
		if !isZIP(z.ZIP) {
			t.Errorf("bad ZIP %q", z.ZIP)
		}
		if z.City == "" {
			noCity = append(noCity, z.ZIP)
		}
		states[z.State] = true
	}
	// The ZIPs zipcodes 8.0.0 has no city for (see zipdata/README.md).
	if diff := cmp.Diff([]string{"72405", "72713", "75036", "75072", "89437"}, noCity); diff != "" {
		t.Errorf("ZIPs without a city (-want +got):\n%s", diff)
	}
	for _, st := range []string{"TN", "NY", "DC", "PR", "AK", "HI", "VI", "GU", "AS", "MP"} {
		if !states[st] {
			t.Errorf("no ZIPs in %s", st)
		}
	}
}

func TestLookupZIP(t *testing.T) {
	g := mustGazetteer(t)
	tests := []struct {
		zip    string
		want   ZIPPlace
		wantOK bool
	}{
		{"37203", ZIPPlace{ZIP: "37203", City: "Nashville", State: "TN", Point: orb.Point{-86.789146, 36.149775}}, true},
		{"02134", ZIPPlace{ZIP: "02134", City: "Allston", State: "MA", Point: orb.Point{-71.129581, 42.358786}}, true},
		{"00901", ZIPPlace{ZIP: "00901", City: "San Juan", State: "PR", Point: orb.Point{-66.107982, 18.466594}}, true},
		{"96799", ZIPPlace{ZIP: "96799", City: "Pago Pago", State: "AS", Point: orb.Point{-170.752349, -14.322923}}, true},
		{"72405", ZIPPlace{ZIP: "72405", Point: orb.Point{-90.650204, 35.902690}}, true}, // no city in zipcodes
		{"2134", ZIPPlace{}, false},
		{"99999", ZIPPlace{}, false},
		{"37203-1234", ZIPPlace{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.zip, func(t *testing.T) {
			got, ok := g.LookupZIP(tt.zip)
			if ok != tt.wantOK {
				t.Errorf("LookupZIP(%q) ok = %v, want %v", tt.zip, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LookupZIP(%q) mismatch (-want +got):\n%s", tt.zip, diff)
			}
		})
	}
}

func TestGeocode(t *testing.T) {
	g := mustGazetteer(t)
	nashville := Place{Kind: KindCity, Precision: PrecisionCity, Lat: 36.1659, Lon: -86.7844, Label: "Nashville, TN", City: "Nashville", State: "TN"}
	zip37203 := Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 36.149775, Lon: -86.789146, Label: "Nashville, TN 37203", ZIP: "37203", City: "Nashville", State: "TN"}
	city := func(label string, lat, lon float64) Place {
		name, state, _ := strings.Cut(label, ", ")
		return Place{Kind: KindCity, Precision: PrecisionCity, Lat: lat, Lon: lon, Label: label, City: name, State: state}
	}
	latLon := func(label string, lat, lon float64) Place {
		return Place{Kind: KindLatLon, Precision: PrecisionPoint, Lat: lat, Lon: lon, Label: label}
	}
	tests := []struct {
		query string
		want  Place // Query and Point are filled in from query, Lat and Lon
	}{
		{"37203", zip37203},
		{"  37203 ", zip37203},
		{"37203-1234", zip37203},
		{"Nashville, TN 37203", zip37203},
		{"Nashville TN 37203", zip37203},
		{"Nashville, TN, 37203", zip37203},
		{"Nashville, TN 37203, USA", zip37203},
		{"02134", Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 42.358786, Lon: -71.129581, Label: "Allston, MA 02134", ZIP: "02134", City: "Allston", State: "MA"}},
		{"72405", Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 35.90269, Lon: -90.650204, Label: "72405", ZIP: "72405"}},
		{"Nashville, TN", nashville},
		{"nashville, tennessee", nashville},
		{"NASHVILLE,TN", nashville},
		{"Nashville TN", nashville},
		{"  Nashville ,   Tennessee  ", nashville},
		{"Nashville, TN, USA", nashville},
		// Cities of the places table are placed at the place, named as
		// GeoNames names them; both spellings find them.
		{"Boston, MA", city("Boston, MA", 42.3584, -71.0598)},
		{"San Juan, PR", city("San Juan, PR", 18.4663, -66.1057)},
		{"San Juan, Puerto Rico", city("San Juan, PR", 18.4663, -66.1057)},
		{"Mayagüez, PR", city("Mayagüez, PR", 18.2011, -67.1396)},
		{"Mayaguez, PR", city("Mayagüez, PR", 18.2011, -67.1396)},
		{"Washington, D.C.", city("Washington, DC", 38.8951, -77.0364)},
		{"Washington, District of Columbia", city("Washington, DC", 38.8951, -77.0364)},
		{"washington dc", city("Washington, DC", 38.8951, -77.0364)},
		{"St. Louis, MO", city("St. Louis, MO", 38.6273, -90.1979)},
		{"Saint Louis Missouri", city("St. Louis, MO", 38.6273, -90.1979)},
		{"Port St Lucie, FL", city("Port Saint Lucie, FL", 27.2939, -80.3503)}, // GeoNames spells it out
		{"Winston-Salem, NC", city("Winston-Salem, NC", 36.0999, -80.2442)},
		{"Winston Salem, NC", city("Winston-Salem, NC", 36.0999, -80.2442)},
		{"McLean, VA", city("McLean, VA", 38.9343, -77.1775)},
		{"Mc Lean, VA", city("McLean, VA", 38.9343, -77.1775)},
		{"Charleston West Virginia", city("Charleston, WV", 38.3498, -81.6326)},
		{"Kansas City Missouri", city("Kansas City, MO", 39.0997, -94.5786)},
		{"Pago Pago, American Samoa", city("Pago Pago, AS", -14.2781, -170.7025)},
		{"Kihei, HI", city("Kīhei, HI", 20.7646, -156.4458)},
		{"Ewa Beach, HI", city("‘Ewa Beach, HI", 21.3156, -158.0072)},
		{"Hagatna, GU", city("Hagåtña, GU", 13.4728, 144.7580)},
		{"Yigo, Guam", city("Yigo, GU", 13.5360, 144.8886)}, // GeoNames: "Yigo Village"
		{"New York City, NY", city("New York City, NY", 40.7143, -74.0060)},
		{"Miramar, FL", city("Miramar, FL", 25.9873, -80.2323)}, // not a Postal Service city
		// Two Moreheads in Kentucky: the one of ZIP 40351, not the more
		// populous one 345 km away.
		{"Morehead, KY", city("Morehead, KY", 38.1840, -83.4327)},
		// Cities the places table lacks are at the mean of their ZIPs.
		{"New York, NY", city("New York, NY", 40.7618, -73.9760)},
		{"New York New York", city("New York, NY", 40.7618, -73.9760)},
		{"Allston, MA", city("Allston, MA", 42.3588, -71.1296)},
		{"36.16,-86.78", latLon("36.16,-86.78", 36.16, -86.78)},
		{"36.16, -86.78", latLon("36.16,-86.78", 36.16, -86.78)},
		{"36.16 -86.78", latLon("36.16,-86.78", 36.16, -86.78)},
		{"+36.1234567, -86.7", latLon("36.123457,-86.7", 36.1234567, -86.7)},
		{"0,0", latLon("0,0", 0, 0)},
		{"-0,-0.0", latLon("0,0", 0, 0)},
		{"-90,180", latLon("-90,180", -90, 180)},
		{"48.8566,2.3522", latLon("48.8566,2.3522", 48.8566, 2.3522)}, // Paris: valid, if far
		{"-33.87 151.21", latLon("-33.87,151.21", -33.87, 151.21)},    // Sydney, not swapped
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := g.Geocode(tt.query)
			if err != nil {
				t.Fatalf("Geocode(%q): %v", tt.query, err)
			}
			want := tt.want
			want.Query = strings.TrimSpace(tt.query)
			want.Point = orb.Point{want.Lon, want.Lat}
			if diff := cmp.Diff(want, got, approx, ignorePoint); diff != "" {
				t.Errorf("Geocode(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
			if got.Point != (orb.Point{got.Lon, got.Lat}) {
				t.Errorf("Geocode(%q): Point %v, but Lat %v, Lon %v", tt.query, got.Point, got.Lat, got.Lon)
			}
		})
	}
}

// TestGeocodeBareCity checks names written without a state: a person in
// a hurry types "Los Angeles" or "Nashville", and is answered, the other
// cities of the name in the note, unless the name is truly shared.
func TestGeocodeBareCity(t *testing.T) {
	g := mustGazetteer(t)
	tests := []struct {
		query, label string
		note         string // a part of the note; "" for none
	}{
		{"Los Angeles", "Los Angeles, CA", ""}, // the only one
		{"Winston-Salem", "Winston-Salem, NC", ""},
		{"Ft Worth", "Fort Worth, TX", ""},
		{"Nashville", "Nashville, TN", "also Nashville, NC, Nashville, GA"}, // the largest by far
		{"nashville", "Nashville, TN", "add the state to choose"},
		{"Portland", "Portland, OR", "Portland, ME"},
		{"Brooklyn", "Brooklyn, NY", "Brooklyn, OH"},
		{"St. Louis", "St. Louis, MO", "Saint Louis, MI"},
		{"NYC", "New York City, NY", ""},
		{"New York", "New York City, NY", "elsewhere in New York State"},
		{"DC", "Washington, DC", ""},
		{"Philly", "Philadelphia, PA", ""},
		{"SF", "San Francisco, CA", ""},
		{"LA", "Los Angeles, CA", "for Louisiana, enter a city and state"}, // not the state alone
		{"ATL", "Atlanta, GA", ""},
		{"KC", "Kansas City, MO", "for Kansas City, KS, add the state"},
		{"st pete", "St. Petersburg, FL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := g.Geocode(tt.query)
			if err != nil {
				t.Fatalf("Geocode(%q): %v", tt.query, err)
			}
			if p.Label != tt.label || p.Precision != PrecisionCity || p.Query != tt.query {
				t.Errorf("Geocode(%q) = %q (%s, query %q), want %q", tt.query, p.Label, p.Precision, p.Query, tt.label)
			}
			if tt.note == "" && p.Note != "" || !strings.Contains(p.Note, tt.note) {
				t.Errorf("Geocode(%q): note %q, want one with %q", tt.query, p.Note, tt.note)
			}
			// The same place as with the state written.
			withState, err := g.Geocode(tt.label)
			if err != nil || withState.Point != p.Point {
				t.Errorf("Geocode(%q) at %v; Geocode(%q) at %v, %v", tt.query, p.Point, tt.label, withState.Point, err)
			}
		})
	}
}

// TestGeocodeFindsTheTown checks that cities are placed at their towns, not
// at the mean of their ZIP areas' centroids, which put Anchorage 46 miles
// from its facilities. The expected points are the towns' centers as
// published (Wikipedia's coordinates), not the places table's.
func TestGeocodeFindsTheTown(t *testing.T) {
	g := mustGazetteer(t)
	zipsOnly, err := parseGazetteer(zipTableGz, nil)
	if err != nil {
		t.Fatal(err)
	}
	const toleranceMi = 3
	tests := []struct {
		query    string
		lat, lon float64
		// zipMeanMi is at least how far the mean of the city's ZIPs is
		// from the town: what the places table fixes.
		zipMeanMi float64
	}{
		{"Anchorage, AK", 61.2181, -149.9003, 40},
		{"Fairbanks, AK", 64.8436, -147.7231, 15},
		{"Kenai, AK", 60.5500, -151.2500, 15},
		{"Rock Springs, WY", 41.5872, -109.2028, 15},
		{"Prineville, OR", 44.3000, -120.8333, 15},
		{"Auburn, CA", 38.8964, -121.0767, 15},
		{"Craig, CO", 40.5156, -107.5464, 15},
		{"Nashville, TN", 36.1622, -86.7744, 0},
		{"Boston, MA", 42.3601, -71.0589, 0},
		{"St. Louis, MO", 38.6270, -90.1994, 0},
		{"Honolulu, HI", 21.3069, -157.8583, 0},
		{"San Juan, PR", 18.4655, -66.1057, 0},
		{"Juneau, AK", 58.3019, -134.4197, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := g.Geocode(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			town := orb.Point{tt.lon, tt.lat}
			if d := KmToMi(DistanceKm(p.Point, town)); d > toleranceMi {
				t.Errorf("Geocode(%q) = %.4f,%.4f, %.1f mi from the town at %.4f,%.4f; want at most %d",
					tt.query, p.Lat, p.Lon, d, tt.lat, tt.lon, toleranceMi)
			}
			if p.Precision != PrecisionCity {
				t.Errorf("Geocode(%q) precision %q, want %q", tt.query, p.Precision, PrecisionCity)
			}
			old, err := zipsOnly.Geocode(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if d := KmToMi(DistanceKm(old.Point, town)); d < tt.zipMeanMi {
				t.Errorf("the mean of the ZIPs of %s is %.1f mi from the town; the test expects at least %.0f", tt.query, d, tt.zipMeanMi)
			}
		})
	}
}

func TestGeocodeNashvilleSpellingsAgree(t *testing.T) {
	g := mustGazetteer(t)
	want, err := g.Geocode("Nashville, TN")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"nashville, tennessee", "Nashville TN", "NASHVILLE  ,  tn", "Nashville, Tenn.", "Nashville Tennessee USA"} {
		got, err := g.Geocode(q)
		if err != nil {
			t.Fatalf("Geocode(%q): %v", q, err)
		}
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Place{}, "Query")); diff != "" {
			t.Errorf("Geocode(%q) differs from Geocode(%q) (-want +got):\n%s", q, "Nashville, TN", diff)
		}
	}
	// The city center is near the ZIP code downtown.
	z, _ := g.Geocode("37203")
	if d := DistanceKm(want.Point, z.Point); d > 5 {
		t.Errorf("Nashville, TN is %.1f km from 37203, want under 5", d)
	}
	// The ZIP table's spelling finds the places table's city.
	for _, pair := range [][2]string{{"Saint Louis, MO", "St. Louis, MO"}, {"Mc Lean, VA", "McLean, VA"}, {"Winston Salem, NC", "Winston-Salem, NC"}} {
		a, errA := g.Geocode(pair[0])
		b, errB := g.Geocode(pair[1])
		if errA != nil || errB != nil || a.Point != b.Point || a.Label != b.Label {
			t.Errorf("Geocode(%q) = %+v, %v; Geocode(%q) = %+v, %v; want the same place", pair[0], a, errA, pair[1], b, errB)
		}
	}
}

func TestGeocodeErrors(t *testing.T) {
	g := mustGazetteer(t)
	long := strings.Repeat("a", 201)
	tests := []struct {
		query string
		want  *GeocodeError
	}{
		{"", &GeocodeError{Reason: "enter a ZIP code, a city and state, or a latitude and longitude"}},
		{"   ", &GeocodeError{Reason: "enter a ZIP code, a city and state, or a latitude and longitude"}},
		{long, &GeocodeError{Query: long[:200], Reason: "the location is too long; use at most 200 characters"}},
		{"99999", &GeocodeError{
			Reason:      "no ZIP code 99999 in the U.S. ZIP table; nearest: 99929",
			Suggestions: []string{"Wrangell, AK 99929", "Point Baker, AK 99927", "Metlakatla, AK 99926"},
		}},
		{"00000", &GeocodeError{
			Reason:      "no ZIP code 00000 in the U.S. ZIP table; nearest: 00601",
			Suggestions: []string{"Adjuntas, PR 00601", "Aguada, PR 00602", "Aguadilla, PR 00603"},
		}},
		{"99999-1234", &GeocodeError{
			Reason:      "no ZIP code 99999 in the U.S. ZIP table; nearest: 99929",
			Suggestions: []string{"Wrangell, AK 99929", "Point Baker, AK 99927", "Metlakatla, AK 99926"},
		}},
		{"3720", &GeocodeError{
			Reason:      "3720 is not a ZIP code: a ZIP code has 5 digits, and 03720 is not one either",
			Suggestions: []string{"Nashville, TN 37201", "Nashville, TN 37203", "Nashville, TN 37204"},
		}},
		{"372031", &GeocodeError{Reason: "372031 is not a ZIP code; a ZIP code has 5 digits"}},
		{"37203123", &GeocodeError{Reason: "37203123 is not a ZIP code; a ZIP code has 5 digits"}},
		{"3720312345", &GeocodeError{Reason: "3720312345 is not a ZIP code; a ZIP code has 5 digits"}},
		{"Nashvile, TN", &GeocodeError{
			Reason:      `no city named "Nashvile" in Tennessee; did you mean Nashville, TN?`,
			Suggestions: []string{"Nashville, TN"},
		}},
		{"Nashvile TN", &GeocodeError{
			Reason:      `no city named "Nashvile" in Tennessee; did you mean Nashville, TN?`,
			Suggestions: []string{"Nashville, TN"},
		}},
		{"New York Town, NY", &GeocodeError{
			Reason:      `no city named "New York Town" in New York; did you mean New York, NY?`,
			Suggestions: []string{"New York, NY"},
		}},
		{"New York Cty, NY", &GeocodeError{
			Reason:      `no city named "New York Cty" in New York; did you mean New York City, NY?`,
			Suggestions: []string{"New York City, NY", "New York, NY"},
		}},
		{"Nashville, TX", &GeocodeError{
			Reason:      `no city named "Nashville" in Texas; did you mean Nashville, TN?`,
			Suggestions: []string{"Nashville, TN", "Nashville, NC", "Nashville, GA", "Nashville, AR", "Nashville, IL"},
		}},
		// Suggestions come from the places table too: Coral Springs is no
		// Postal Service city.
		{"Corral Springs, FL", &GeocodeError{
			Reason:      `no city named "Corral Springs" in Florida; did you mean Coral Springs, FL?`,
			Suggestions: []string{"Coral Springs, FL"},
		}},
		{"Ancorage, AK", &GeocodeError{
			Reason:      `no city named "Ancorage" in Alaska; did you mean Anchorage, AK?`,
			Suggestions: []string{"Anchorage, AK"},
		}},
		{"Nowhereville, TN", &GeocodeError{Reason: `no city named "Nowhereville" in Tennessee`}},
		{"123 Main St, Nashvile, TN", &GeocodeError{
			Reason:      `no city named "Nashvile" in Tennessee; did you mean Nashville, TN?`,
			Suggestions: []string{"Nashville, TN"},
		}},
		{"Foo, TN 99999", &GeocodeError{
			Reason:      "no ZIP code 99999 in the U.S. ZIP table; nearest: 99929",
			Suggestions: []string{"Wrangell, AK 99929", "Point Baker, AK 99927", "Metlakatla, AK 99926"},
		}},
		{"Springfeld, IL", &GeocodeError{
			Reason:      `no city named "Springfeld" in Illinois; did you mean Springfield, IL?`,
			Suggestions: []string{"Springfield, IL"},
		}},
		{"Nashville, XX", &GeocodeError{
			Reason: `"XX" is not a U.S. state; use a two-letter code such as TN or a name such as Tennessee`,
		}},
		{"Nashville, Tennesee", &GeocodeError{
			Reason:      `"Tennesee" is not a U.S. state; use a two-letter code such as TN or a name such as Tennessee; did you mean Nashville, TN?`,
			Suggestions: []string{"Nashville, TN"},
		}},
		// A name without a state that no one city owns.
		{"Kansas City", &GeocodeError{
			Reason:      `add the state, such as "Kansas City, MO", or enter a ZIP code`,
			Suggestions: []string{"Kansas City, MO", "Kansas City, KS"},
			Why:         WhySharedName,
		}},
		{"Springfield", &GeocodeError{
			Reason:      `add the state, such as "Springfield, MO", or enter a ZIP code`,
			Suggestions: []string{"Springfield, MO", "Springfield, MA", "Springfield, IL", "Springfield, OR", "Springfield, OH"},
			Why:         WhySharedName,
		}},
		// Misspelled, without a state: the names a typo away.
		{"Nashvile", &GeocodeError{
			Reason:      `add the state, such as "Nashville, TN", or enter a ZIP code`,
			Suggestions: []string{"Nashville, TN", "Nashville, NC", "Nashville, GA", "Nashville, AR", "Nashville, IL"},
		}},
		{"Cincinatti", &GeocodeError{
			Reason:      `add the state, such as "Cincinnati, OH", or enter a ZIP code`,
			Suggestions: []string{"Cincinnati, OH", "Cincinnati, IA"},
		}},
		{"Nashville, ZZ", &GeocodeError{
			Reason: `"ZZ" is not a U.S. state; use a two-letter code such as TN or a name such as Tennessee`,
		}},
		// A state alone: its largest cities, after a big city of the very
		// name elsewhere.
		{"Tennessee", &GeocodeError{
			Reason:      "Tennessee is a whole state; enter a city and state or a ZIP code",
			Suggestions: []string{"Memphis, TN", "Nashville, TN", "Knoxville, TN", "Chattanooga, TN", "East Chattanooga, TN"},
			Why:         WhyWholeState,
		}},
		{"Washington", &GeocodeError{
			Reason:      "Washington is a whole state; enter a city and state or a ZIP code",
			Suggestions: []string{"Washington, DC", "Seattle, WA", "Spokane, WA", "Tacoma, WA", "Vancouver, WA"},
			Why:         WhyWholeState,
		}},
		{"West Virginia", &GeocodeError{ // not a city "West" in Virginia
			Reason:      "West Virginia is a whole state; enter a city and state or a ZIP code",
			Suggestions: []string{"Charleston, WV", "Huntington, WV", "Parkersburg, WV", "Morgantown, WV", "Wheeling, WV"},
			Why:         WhyWholeState,
		}},
		{"California area", &GeocodeError{
			Reason:      "California is a whole state; enter a city and state or a ZIP code",
			Suggestions: []string{"Los Angeles, CA", "San Diego, CA", "San Jose, CA", "San Francisco, CA", "Fresno, CA"},
			Why:         WhyWholeState,
		}},
		// A qualifier before a misspelled name: the name's suggestions.
		{"East Nashvile", &GeocodeError{
			Reason:      `add the state, such as "Nashville, TN", or enter a ZIP code`,
			Suggestions: []string{"Nashville, TN", "Nashville, NC", "Nashville, GA", "Nashville, AR", "Nashville, IL"},
		}},
		// A nickname of another state's city is no city of this one.
		{"LA LA", &GeocodeError{Reason: `no city named "LA" in Louisiana`}},
		// Five digits before a city of another state are no ZIP code of it.
		{"90210 Nashville", &GeocodeError{Reason: `add the state, such as "Nashville, TN", or enter a ZIP code`}},
		{", TN", &GeocodeError{Reason: `enter a city before the state, such as "Nashville, TN"`}},
		{"91,0", &GeocodeError{Reason: "latitude 91 is out of range; it must be between -90 and 90"}},
		{"0, -180.5", &GeocodeError{Reason: "longitude -180.5 is out of range; it must be between -180 and 180"}},
		{"NaN,5", &GeocodeError{Reason: "latitude and longitude must be finite numbers"}},
		{"5, -Inf", &GeocodeError{Reason: "latitude and longitude must be finite numbers"}},
		{"1e400, 5", &GeocodeError{Reason: "latitude and longitude must be finite numbers"}},
		{"qwertyuiop", &GeocodeError{Reason: `add the state, such as "Nashville, TN", or enter a ZIP code`}},
		{"!@#$%^&*()", &GeocodeError{Reason: `add the state, such as "Nashville, TN", or enter a ZIP code`}},
		{",,,", &GeocodeError{Reason: `add the state, such as "Nashville, TN", or enter a ZIP code`}},
		{"-", &GeocodeError{Reason: `add the state, such as "Nashville, TN", or enter a ZIP code`}},
		{strings.Repeat("é", 201), &GeocodeError{Query: strings.Repeat("é", 200), Reason: "the location is too long; use at most 200 characters"}},
		{"Nashville\xff, TN", &GeocodeError{Query: "Nashville\uFFFD, TN", Reason: "the location is not valid text"}},
	}
	for _, tt := range tests {
		name := tt.query
		if len(name) > 20 {
			name = name[:20] + "..."
		}
		t.Run(name, func(t *testing.T) {
			_, err := g.Geocode(tt.query)
			var got *GeocodeError
			if !errors.As(err, &got) {
				t.Fatalf("Geocode(%q) error = %v, want a *GeocodeError", tt.query, err)
			}
			want := *tt.want
			if want.Query == "" {
				want.Query = strings.TrimSpace(tt.query)
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("Geocode(%q) error mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

func TestGeocodeErrorMessage(t *testing.T) {
	err := error(&GeocodeError{Query: "99999", Reason: "no ZIP code 99999 in the U.S. ZIP table; nearest: 99929"})
	if got, want := err.Error(), `geocode "99999": no ZIP code 99999 in the U.S. ZIP table; nearest: 99929`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestPlaceJSON(t *testing.T) {
	g := mustGazetteer(t)
	tests := []struct {
		query string
		want  string
	}{
		{"37203", `{"query":"37203","kind":"zip","lat":36.149775,"lon":-86.789146,"precision":"zip","label":"Nashville, TN 37203","zip":"37203","city":"Nashville","state":"TN"}`},
		{"36.16,-86.78", `{"query":"36.16,-86.78","kind":"latlon","lat":36.16,"lon":-86.78,"precision":"point","label":"36.16,-86.78"}`},
		{"Anchorage, AK", `{"query":"Anchorage, AK","kind":"city","lat":61.21806,"lon":-149.90028,"precision":"city","label":"Anchorage, AK","city":"Anchorage","state":"AK"}`},
		{"6040", `{"query":"6040","kind":"zip","lat":41.761415,"lon":-72.525608,"precision":"zip","label":"Manchester, CT 06040","note":"read 6040 as ZIP code 06040, with the leading zero it had lost","zip":"06040","city":"Manchester","state":"CT"}`},
	}
	for _, tt := range tests {
		p, err := g.Geocode(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(b)); diff != "" {
			t.Errorf("JSON of Geocode(%q) (-want +got):\n%s", tt.query, diff)
		}
	}
}

// TestEveryCityGeocodes checks that each city of the table geocodes by its
// own label, to the city itself.
func TestEveryCityGeocodes(t *testing.T) {
	g := mustGazetteer(t)
	for i := range g.cities {
		c := &g.cities[i]
		p, err := g.Geocode(c.label())
		if err != nil {
			t.Errorf("Geocode(%q): %v", c.label(), err)
			continue
		}
		if p.Kind != KindCity || p.City != c.name || p.State != c.state || p.Point != c.point {
			t.Errorf("Geocode(%q) = %+v, want the city itself", c.label(), p)
		}
	}
}

func TestGeocodeConcurrent(t *testing.T) {
	g := mustGazetteer(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for _, q := range []string{"37203", "Nashville, TN", "Nashvile, TN", "36.16,-86.78"} {
				g.Geocode(q)
			}
		})
	}
	wg.Wait()
	if g2 := mustGazetteer(t); g2 != g {
		t.Error("NewGazetteer returned a different Gazetteer on the second call")
	}
}

func TestParseGazetteerRejectsBadTables(t *testing.T) {
	tests := []struct {
		name, table, wantErr string
	}{
		{"empty", "", "header"},
		{"bad header", "zip\tlat\tlon\n", "header"},
		{"no rows", zipTableHeader + "\n", "no rows"},
		{"short row", zipTableHeader + "\n37203\t36.1\t-86.7\tNashville\n", "4 fields"},
		{"long row", zipTableHeader + "\n37203\t36.1\t-86.7\tNashville\tTN\tx\n", "more than 5"},
		{"bad ZIP", zipTableHeader + "\n3720\t36.1\t-86.7\tNashville\tTN\n", "bad ZIP"},
		{"bad lat", zipTableHeader + "\n37203\t96.1\t-86.7\tNashville\tTN\n", "bad coordinates"},
		{"bad lon", zipTableHeader + "\n37203\t36.1\tx\tNashville\tTN\n", "bad coordinates"},
		{"city without state", zipTableHeader + "\n37203\t36.1\t-86.7\tNashville\t\n", "without state"},
		{"unknown state", zipTableHeader + "\n37203\t36.1\t-86.7\tNashville\tXX\n", "unknown state"},
		{"out of order", zipTableHeader + "\n37203\t36.1\t-86.7\tNashville\tTN\n37201\t36.1\t-86.7\tNashville\tTN\n", "out of order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseGazetteer(gzipString(t, tt.table), nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseGazetteer error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
	if _, err := parseGazetteer([]byte("not gzip"), nil); err == nil {
		t.Error("parseGazetteer accepted data that is not gzipped")
	}
}

// TestCityCenterAcrossAntimeridian checks that a city whose ZIPs straddle
// ±180° is placed between them, not on the far side of the globe.
func TestCityCenterAcrossAntimeridian(t *testing.T) {
	table := zipTableHeader + "\n" +
		"99501\t51.0\t179.9\tSomewhere\tAK\n" +
		"99502\t51.2\t-179.7\tSomewhere\tAK\n"
	g, err := parseGazetteer(gzipString(t, table), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := g.Geocode("Somewhere, AK")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([2]float64{-179.9, 51.1}, [2]float64(p.Point), approx); diff != "" {
		t.Errorf("center (-want +got):\n%s", diff)
	}
}

func gzipString(tb testing.TB, s string) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func BenchmarkParseGazetteer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseGazetteer(zipTableGz, placeTableGz); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGeocodeCity(b *testing.B) {
	g := mustGazetteer(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Geocode("Nashville, TN"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGeocodeMisspelledBareCity measures the slowest answer the
// geocoder gives: a name without a state that no city has, searched a
// typo away among every city's name.
//
//	go test -run '^$' -bench MisspelledBareCity ./geo
func BenchmarkGeocodeMisspelledBareCity(b *testing.B) {
	g := mustGazetteer(b)
	b.ReportAllocs()
	for range b.N {
		if _, err := g.Geocode("Nashvile"); err == nil {
			b.Fatal("Nashvile placed")
		}
	}
}
