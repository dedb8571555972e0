package geo

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

// TestGeocodeAddresses checks street addresses: the ZIP code when there is
// one, else the city; the street is left out, and the note says so.
func TestGeocodeAddresses(t *testing.T) {
	g := mustGazetteer(t)
	zip37203 := Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 36.149775, Lon: -86.789146, Label: "Nashville, TN 37203", ZIP: "37203", City: "Nashville", State: "TN"}
	nashville := Place{Kind: KindCity, Precision: PrecisionCity, Lat: 36.1659, Lon: -86.7844, Label: "Nashville, TN", City: "Nashville", State: "TN"}
	with := func(p Place, note string) Place {
		p.Note = note
		return p
	}
	tests := []struct {
		query string
		want  Place // Query and Point are filled in from query, Lat and Lon
	}{
		{"123 Main St, Nashville, TN 37203", with(zip37203, "the street address is not used")},
		{"123 Main St., Nashville, Tennessee 37203-1234", with(zip37203, "the street address is not used")},
		{"123 Main St Nashville TN 37203", with(zip37203, "the street address is not used")},
		{"123 Main St, Nashville, TN", with(nashville, "the street address is not used")},
		{"123 Main St, Nashville TN", with(nashville, "the street address is not used")},
		{"123 Main St Nashville TN", with(nashville, "the street address is not used")},
		{"123 Main St, Nashville, TN, USA", with(nashville, "the street address is not used")},
		{"Main Street, Nashville, TN", with(nashville, "the street address is not used")},
		{"1st Avenue, Nashville, TN", with(nashville, "the street address is not used")},
		{"PO Box 12, Nashville, TN", with(nashville, "the street address is not used")},
		{"123 Main St, Suite 200, Nashville, TN", with(nashville, "the street address is not used")},
		{"Highway 70 South, Nashville, TN", with(nashville, "the street address is not used")},
		{"12-34 Main St, Nashville, TN", with(nashville, "the street address is not used")},
		// The White House has a ZIP code of its own, with no area: the
		// city is used.
		{"1600 Pennsylvania Ave NW, Washington, DC 20500", Place{
			Kind: KindCity, Precision: PrecisionCity, Lat: 38.8951, Lon: -77.0364, Label: "Washington, DC", City: "Washington", State: "DC",
			Note: "no ZIP code 20500 in the U.S. ZIP table; placed at the city; the street address is not used",
		}},
		{"Nashville, TN 99999", with(nashville, "no ZIP code 99999 in the U.S. ZIP table; placed at the city")},
		// Towns with street words in their names are no street lines.
		{"Pike Road, AL", Place{Kind: KindCity, Precision: PrecisionCity, Lat: 32.2843, Lon: -86.1030, Label: "Pike Road, AL", City: "Pike Road", State: "AL"}},
		{"Pike Road, AL 36064", Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 32.3042, Lon: -86.0899, Label: "Pike Road, AL 36064", ZIP: "36064", City: "Pike Road", State: "AL"}},
		{"Ste. Genevieve, MO", Place{Kind: KindCity, Precision: PrecisionCity, Lat: 37.9814, Lon: -90.0418, Label: "Sainte Genevieve, MO", City: "Sainte Genevieve", State: "MO"}},
		{"St. Louis, MO", Place{Kind: KindCity, Precision: PrecisionCity, Lat: 38.6273, Lon: -90.1979, Label: "St. Louis, MO", City: "St. Louis", State: "MO"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := g.Geocode(tt.query)
			if err != nil {
				t.Fatalf("Geocode(%q): %v", tt.query, err)
			}
			want := tt.want
			want.Query = tt.query
			want.Point = orb.Point{want.Lon, want.Lat}
			if diff := cmp.Diff(want, got, approx, ignorePoint); diff != "" {
				t.Errorf("Geocode(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

// TestGeocodeAroundCity checks what people write around a city's name:
// a ZIP code first, a part of the city, or its surroundings. The city is
// used, and the note says what was not.
func TestGeocodeAroundCity(t *testing.T) {
	g := mustGazetteer(t)
	tests := []struct {
		query, label string
		precision    string
		note         string // a part of the note; "" for none
	}{
		{"37203 Nashville", "Nashville, TN 37203", PrecisionZIP, ""},
		{"37203 Nashville TN", "Nashville, TN 37203", PrecisionZIP, ""},
		{"37203-1234 Nashville, TN", "Nashville, TN 37203", PrecisionZIP, ""},
		{"65802 Springfield", "Springfield, MO 65802", PrecisionZIP, ""}, // the ZIP code tells which
		{"37203 Nashvile", "Nashville, TN 37203", PrecisionZIP, ""},      // the ZIP code's own city, misspelled
		{"37203 ,", "Nashville, TN 37203", PrecisionZIP, ""},
		// Nicknames with their own state.
		{"SF CA", "San Francisco, CA", PrecisionCity, ""},
		{"LA, CA", "Los Angeles, CA", PrecisionCity, ""},
		{"cerca de Nueva York", "New York City, NY", PrecisionCity, `"cerca de" is not used`},
		// A house number of five digits is no ZIP code.
		{"10200 Broadway, New York, NY", "New York, NY", PrecisionCity, noteStreet},
		{"12345 Main St Nashville TN", "Nashville, TN", PrecisionCity, noteStreet},
		{"Midtown Atlanta", "Atlanta, GA", PrecisionCity, `"Midtown" is not used; placed at Atlanta, GA, the largest of the name`},
		{"Midtown Atlanta GA", "Atlanta, GA", PrecisionCity, `"Midtown" is not used; placed at the city`},
		{"Midtown, Atlanta, GA", "Atlanta, GA", PrecisionCity, `"Midtown" is not used`},
		{"East Nashville", "Nashville, TN", PrecisionCity, `"East" is not used`},
		{"North Nashville, TN", "Nashville, TN", PrecisionCity, `"North" is not used`},
		{"near Nashville", "Nashville, TN", PrecisionCity, `"near" is not used`},
		{"Nashville TN area", "Nashville, TN", PrecisionCity, `"area" is not used`},
		{"Atlanta metro area", "Atlanta, GA", PrecisionCity, `"metro area" is not used`},
		{"City of Chicago", "Chicago, IL", PrecisionCity, `"City of" is not used`},
		{"South Side Chicago", "Chicago, IL", PrecisionCity, `"South Side" is not used`},
		{"South Side, Chicago", "Chicago, IL", PrecisionCity, `"South Side" is not used`},
		{"Westside Atlanta GA", "Atlanta, GA", PrecisionCity, `"Westside" is not used`},
		{"Utqiagvik, AK", "Barrow, AK", PrecisionCity, ""}, // renamed in 2016; the tables say Barrow
		{"cerca de Los Angeles", "Los Angeles, CA", PrecisionCity, `"cerca de" is not used`},
		{"Downtown LA", "Los Angeles, CA", PrecisionCity, `"Downtown" is not used; placed at Los Angeles`},
		// Cities whose names begin so are themselves.
		{"North Las Vegas", "North Las Vegas, NV", PrecisionCity, ""},
		{"West Palm Beach, FL", "West Palm Beach, FL", PrecisionCity, ""},
		{"East St. Louis, IL", "East Saint Louis, IL", PrecisionCity, ""},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := g.Geocode(tt.query)
			if err != nil {
				t.Fatalf("Geocode(%q): %v", tt.query, err)
			}
			if p.Label != tt.label || p.Precision != tt.precision {
				t.Errorf("Geocode(%q) = %q (%s), want %q (%s)", tt.query, p.Label, p.Precision, tt.label, tt.precision)
			}
			if tt.note == "" && p.Note != "" || !strings.Contains(p.Note, tt.note) {
				t.Errorf("Geocode(%q): note %q, want one with %q", tt.query, p.Note, tt.note)
			}
			// At the same point as the city or ZIP code written plainly.
			plain, err := g.Geocode(tt.label)
			if err != nil || plain.Point != p.Point {
				t.Errorf("Geocode(%q) at %v; Geocode(%q) at %v, %v", tt.query, p.Point, tt.label, plain.Point, err)
			}
		})
	}
}

// TestGeocodeZIPRepairs checks ZIP codes that lost their leading zero or
// the dash of their ZIP+4.
func TestGeocodeZIPRepairs(t *testing.T) {
	g := mustGazetteer(t)
	manchester := Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 41.761415, Lon: -72.525608, Label: "Manchester, CT 06040",
		Note: "read 6040 as ZIP code 06040, with the leading zero it had lost", ZIP: "06040", City: "Manchester", State: "CT"}
	zip37203 := Place{Kind: KindZIP, Precision: PrecisionZIP, Lat: 36.149775, Lon: -86.789146, Label: "Nashville, TN 37203",
		Note: "read 372031234 as the ZIP+4 code 37203-1234", ZIP: "37203", City: "Nashville", State: "TN"}
	tests := []struct {
		query string
		want  Place
	}{
		{"6040", manchester},
		{"6040-1234", manchester},
		{"Manchester, CT 6040", manchester},
		{"Manchester CT 6040", manchester},
		{"372031234", zip37203},
		{"Nashville, TN 372031234", zip37203},
		// 03824 is a ZIP code of New Hampshire, not of Tennessee.
		{"Paris, TN 3824", Place{Kind: KindCity, Precision: PrecisionCity, Lat: 36.3020, Lon: -88.3267, Label: "Paris, TN", City: "Paris", State: "TN",
			Note: "3824 is not a ZIP code of Tennessee; placed at the city"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := g.Geocode(tt.query)
			if err != nil {
				t.Fatalf("Geocode(%q): %v", tt.query, err)
			}
			want := tt.want
			want.Query = tt.query
			want.Point = orb.Point{want.Lon, want.Lat}
			if diff := cmp.Diff(want, got, approx, ignorePoint); diff != "" {
				t.Errorf("Geocode(%q) mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}

	errTests := []struct {
		query string
		want  GeocodeError
	}{
		{"0000", GeocodeError{Reason: "0000 is not a ZIP code: a ZIP code has 5 digits, and 00000 is not one either",
			Suggestions: []string{"Adjuntas, PR 00601", "Aguada, PR 00602", "Aguadilla, PR 00603"}}},
		{"Foo, TN 3824", GeocodeError{Reason: "3824 is not a ZIP code: a ZIP code has 5 digits, and 03824 is not one either",
			Suggestions: []string{"Obion, TN 38240", "Palmersville, TN 38241", "Paris, TN 38242"}}},
		{"999999999", GeocodeError{Reason: "no ZIP code 99999 in the U.S. ZIP table; nearest: 99929",
			Suggestions: []string{"Wrangell, AK 99929", "Point Baker, AK 99927", "Metlakatla, AK 99926"}}},
	}
	for _, tt := range errTests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := g.Geocode(tt.query)
			var got *GeocodeError
			if !errors.As(err, &got) {
				t.Fatalf("Geocode(%q) error = %v, want a *GeocodeError", tt.query, err)
			}
			want := tt.want
			want.Query = tt.query
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("Geocode(%q) error mismatch (-want +got):\n%s", tt.query, diff)
			}
		})
	}
}

// TestGeocodeSwapped checks that coordinates outside the U.S. that would be
// inside it swapped are refused, with the order corrected, and that other
// coordinates outside it are not.
func TestGeocodeSwapped(t *testing.T) {
	g := mustGazetteer(t)
	tests := []struct {
		query   string
		swapped string // "" if the query is a valid point
	}{
		{"-86.78,36.16", "36.16,-86.78"},  // Nashville
		{"-86.78 36.16", "36.16,-86.78"},  // separated by space
		{"-149.9, 61.22", "61.22,-149.9"}, // Anchorage: latitude out of range
		{"-157.86,21.31", "21.31,-157.86"},
		{"-66.11,18.47", "18.47,-66.11"},   // San Juan
		{"144.75,13.47", "13.47,144.75"},   // Guam
		{"-170.7,-14.28", "-14.28,-170.7"}, // Pago Pago
		{"-120.5, 45", "45,-120.5"},        // Oregon
		{"-71.06,42.36", "42.36,-71.06"},   // Boston
		{"36.16,-86.78", ""},               // the right way round
		{"61.22,-149.9", ""},               // Anchorage
		{"48.8566,2.3522", ""},             // Paris, France
		{"-33.87,151.21", ""},              // Sydney
		{"-80,100", ""},                    // Antarctica; swapped, off the globe
		{"-75,-40", ""},                    // Antarctica; swapped, the South Atlantic
		{"0,0", ""},                        //
		{"-90,180", ""},                    //
		{"51.5,-0.12", ""},                 // London
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p, err := g.Geocode(tt.query)
			if tt.swapped == "" {
				if err != nil || p.Kind != KindLatLon || p.Precision != PrecisionPoint {
					t.Errorf("Geocode(%q) = %+v, %v; want the point", tt.query, p, err)
				}
				return
			}
			var ge *GeocodeError
			if !errors.As(err, &ge) {
				t.Fatalf("Geocode(%q) = %+v, %v; want a *GeocodeError", tt.query, p, err)
			}
			if !strings.Contains(ge.Reason, "look swapped") || !strings.Contains(ge.Reason, "give the latitude first: "+tt.swapped) {
				t.Errorf("Geocode(%q) reason %q; want it to say they look swapped and give %s", tt.query, ge.Reason, tt.swapped)
			}
			if diff := cmp.Diff([]string{tt.swapped}, ge.Suggestions); diff != "" {
				t.Errorf("Geocode(%q) suggestions (-want +got):\n%s", tt.query, diff)
			}
			// The suggestion geocodes, into the U.S.
			if fixed, err := g.Geocode(tt.swapped); err != nil || !inUS(fixed.Lat, fixed.Lon) {
				t.Errorf("Geocode(%q) = %+v, %v; want a point in the U.S.", tt.swapped, fixed, err)
			}
		})
	}
}

func TestLooksSwapped(t *testing.T) {
	tests := []struct {
		lat, lon float64
		want     bool
	}{
		{36.16, -86.78, false},
		{-86.78, 36.16, true},
		{-149.9, 61.22, true},
		{61.22, -149.9, false},
		{52.0, 178.0, false}, // the Aleutians west of 180°
		{178.0, 52.0, true},
		{0, 0, false},
		{48.85, 2.35, false},
		{2.35, 48.85, false},
		{-80, 40, true}, // Pennsylvania swapped
		{-80, 100, false},
		{90, -180, false},
	}
	for _, tt := range tests {
		if got := LooksSwapped(tt.lat, tt.lon); got != tt.want {
			t.Errorf("LooksSwapped(%v, %v) = %v, want %v", tt.lat, tt.lon, got, tt.want)
		}
	}
	// Every ZIP centroid is in the U.S. and none looks swapped.
	g := mustGazetteer(t)
	for _, z := range g.ZIPs() {
		if !inUS(z.Point[1], z.Point[0]) || LooksSwapped(z.Point[1], z.Point[0]) {
			t.Errorf("ZIP %s at %v: inUS %v, LooksSwapped %v", z.ZIP, z.Point, inUS(z.Point[1], z.Point[0]), LooksSwapped(z.Point[1], z.Point[0]))
		}
	}
}

func TestIsStreetLine(t *testing.T) {
	tests := []struct {
		part string
		want bool
	}{
		{"123 Main St", true},
		{"123 Main St.", true},
		{"123A Main", true},
		{"12-34 31st Avenue", true},
		{"Main Street", true},
		{"1st Avenue", true},
		{"PO Box 12", true},
		{"P.O. Box 12", true},
		{"Suite 200", true},
		{"Highway 31 South", true},
		{"Route 66", true},
		{"Nashville", false},
		{"St. Louis", false},
		{"Ste. Genevieve", false},
		{"Saint Paul", false},
		{"Fort Worth", false},
		{"Pike Road", true}, // a town too; Geocode tries it whole
		{"Twentynine Palms", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isStreetLine(tt.part); got != tt.want {
			t.Errorf("isStreetLine(%q) = %v, want %v", tt.part, got, tt.want)
		}
	}
}

// TestPlaceTable checks the embedded places table as parsed.
func TestPlaceTable(t *testing.T) {
	text, err := gunzipTable(placeTableGz, placeTableHeader)
	if err != nil {
		t.Fatal(err)
	}
	perState := map[string]int{}
	n := 0
	for line := range strings.Lines(text) {
		p, err := parsePlaceLine(strings.TrimSuffix(line, "\n"))
		if err != nil {
			t.Fatalf("line %d: %v", n+2, err)
		}
		perState[p.state]++
		n++
	}
	// zipdata/README.md gives the counts.
	if n != 16741 {
		t.Errorf("places table has %d rows, want 16,741", n)
	}
	for code := range stateNames {
		if perState[code] == 0 {
			t.Errorf("no places in %s", code)
		}
	}
	g := mustGazetteer(t)
	placed := 0
	for _, c := range g.cities {
		if c.placed {
			placed++
		}
	}
	if placed < 16000 {
		t.Errorf("%d cities placed at a place of the places table, want over 16,000", placed)
	}
}

// TestIndexCitiesChoosesThePlace checks which place of a name a city is
// placed at: the most populous that is the ZIP table's town.
func TestIndexCitiesChoosesThePlace(t *testing.T) {
	zips := zipTableHeader + "\n" +
		"40351\t38.204266\t-83.428079\tMorehead\tKY\n" +
		"40356\t37.86\t-84.56\tNicholasville\tKY\n" +
		"42431\t37.33\t-87.50\tMadisonville\tKY\n" +
		"99611\t60.60\t-150.90\tKenai\tAK\n" +
		"99669\t60.45\t-150.90\tSoldotna\tAK\n" +
		"99801\t58.30\t-134.40\tJuneau\tAK\n" +
		"99802\t58.40\t-134.60\tJuneau\tAK\n"
	places := placeTableHeader + "\n" +
		// Morehead: the more populous is another town, by Madisonville.
		"Morehead\tKY\t37.27115\t-87.17638\t7622\n" +
		"Morehead\tKY\t38.18397\t-83.43268\t7045\n" +
		// Kenai: far from its ZIP's centroid, but so is every other ZIP.
		"Kenai\tAK\t60.55444\t-151.25833\t7661\n" +
		// Two Springfields and no ZIP: the most populous.
		"Springfield\tKY\t37.68534\t-85.22218\t2500\n" +
		"Springfield\tKY\t38.00000\t-84.00000\t3000\n" +
		// Nicholasville: only another town, so the mean of the ZIPs.
		"Nicholasville\tKY\t37.27\t-87.20\t30000\n"
	g, err := parseGazetteer(gzipString(t, zips), gzipString(t, places))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query    string
		lat, lon float64
	}{
		{"Morehead, KY", 38.18397, -83.43268},
		{"Kenai, AK", 60.55444, -151.25833},
		{"Springfield, KY", 38, -84},
		{"Nicholasville, KY", 37.86, -84.56},
		{"Juneau, AK", 58.35, -134.5},
	}
	for _, tt := range tests {
		p, err := g.Geocode(tt.query)
		if err != nil {
			t.Errorf("Geocode(%q): %v", tt.query, err)
			continue
		}
		if diff := cmp.Diff([2]float64{tt.lon, tt.lat}, [2]float64(p.Point), approx); diff != "" {
			t.Errorf("Geocode(%q) point (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestParseGazetteerRejectsBadPlaceTables(t *testing.T) {
	zips := gzipString(t, zipTableHeader+"\n37203\t36.1\t-86.7\tNashville\tTN\n")
	tests := []struct {
		name, table, wantErr string
	}{
		{"empty", "", "header"},
		{"ZIP table header", zipTableHeader + "\n", "header"},
		{"no rows", placeTableHeader + "\n", "no rows"},
		{"short row", placeTableHeader + "\nNashville\tTN\t36.1\t-86.7\n", "4 fields"},
		{"long row", placeTableHeader + "\nNashville\tTN\t36.1\t-86.7\t5\tx\n", "more than 5"},
		{"no name", placeTableHeader + "\n\tTN\t36.1\t-86.7\t5\n", "no name"},
		{"unknown state", placeTableHeader + "\nNashville\tXX\t36.1\t-86.7\t5\n", "unknown state"},
		{"bad lat", placeTableHeader + "\nNashville\tTN\t96.1\t-86.7\t5\n", "bad coordinates"},
		{"bad lon", placeTableHeader + "\nNashville\tTN\t36.1\t-186.7\t5\n", "bad coordinates"},
		{"bad population", placeTableHeader + "\nNashville\tTN\t36.1\t-86.7\t-5\n", "bad population"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseGazetteer(zips, gzipString(t, tt.table))
			if err == nil || !strings.Contains(err.Error(), "places table") || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseGazetteer error = %v, want one about the places table mentioning %q", err, tt.wantErr)
			}
		})
	}
	if _, err := parseGazetteer(zips, []byte("not gzip")); err == nil {
		t.Error("parseGazetteer accepted a places table that is not gzipped")
	}
}
