package data

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/hsdstest"
)

var update = flag.Bool("update", false, "rewrite the golden files of HSDS and CSV output")

// hsdsFixture is a small directory with every field CareFinder keeps, so
// that a round trip through HSDS shows what would be lost.
func hsdsFixture() []*directory.Facility {
	mod := time.Date(2025, 3, 1, 12, 30, 0, 0, time.UTC)
	full := &directory.Facility{
		ID:             "fixture-full",
		Name:           "Cumberland Heights Recovery",
		AlternateNames: []string{"Adult Residential Program", "River Road Campus"},
		Description:    "Residential and outpatient treatment on the Cumberland River.",
		Address:        directory.Address{Lines: []string{"8283 River Road Pike", "Building 2", "Suite 100"}, City: "Nashville", State: "TN", ZIP: "37209"},
		Lat:            36.1734, Lon: -86.9402,
		Phones:  directory.Phones{Main: "(615) 555-0142", Intake: "(615) 555-0143 ext. 12", Hotline: "(800) 555-0199"},
		Website: "https://www.cumberlandheights.example/",
		Hours: []directory.OpeningHours{
			{Day: time.Monday, Opens: "08:00", Closes: "17:30"},
			{Day: time.Tuesday, Opens: "08:00", Closes: "12:00"},
			{Day: time.Tuesday, Opens: "13:00", Closes: "20:00"},
			{Day: time.Sunday, Opens: "00:00", Closes: "24:00"},
		},
		HoursNote:      "Closed on federal holidays",
		Open247:        directory.Known(false),
		Accreditations: []string{"Joint Commission", "CARF"},
		Licenses:       []string{"State substance abuse agency"},
		FacilityType:   "substance-use",
		OperatorType:   "private-nonprofit",
		Services: directory.Services{
			Care:       []string{"detox", "residential-short-term"},
			Therapy:    []string{"group-therapy"},
			Medication: []string{"buprenorphine", "naltrexone"},
			Payment:    []string{"medicaid", "self-pay"},
			Population: []string{"veterans"},
			Gender:     []string{"female", "male"},
			Language:   []string{"en", "es", "nv"},
		},
		RawCodes:   []string{"OTPA", "RSS:Employment counseling or training"},
		Note:       "Methadone clients only. Call first",
		Provenance: directory.Provenance{Source: "samhsa-2015", SourceID: "0001TN37209", LastVerified: "2015-01-01", UpdatedAt: mod},
		Active:     true,
	}
	bare := &directory.Facility{
		ID:   "fixture-bare",
		Name: "=HYPERLINK(\"http://evil.example\")",
		Lat:  42.3505, Lon: -71.1054,
		Address:    directory.Address{City: "Boston", State: "MA"},
		Provenance: directory.Provenance{Source: "samhsa-2015", UpdatedAt: mod},
		Active:     true,
	}
	open := &directory.Facility{
		ID:   "fixture-open",
		Name: "Peña & O'Brien Counseling, \"Adolescent\" Program",
		Lat:  35.99, Lon: -106.08,
		Address: directory.Address{Lines: []string{"22 Río Grande Boulevard"}, City: "Española", State: "NM", ZIP: "87532"},
		Phones:  directory.Phones{Main: "(505) 555-0107"},
		Website: "www.not a url.example",
		Open247: directory.Known(true),
		Services: directory.Services{
			Care: []string{"outpatient"}, Population: []string{"adolescents"}, Language: []string{"en", "es"},
		},
		Provenance: directory.Provenance{Source: "samhsa-2015", SourceID: "0007NM87532", LastVerified: "2015-01-01", UpdatedAt: mod},
		Active:     true,
	}
	removed := &directory.Facility{
		ID: "fixture-removed", Name: "Closed Clinic", Lat: 36, Lon: -86,
		Provenance: directory.Provenance{Source: "samhsa-2015", UpdatedAt: mod},
	}
	out := []*directory.Facility{full, bare, open, removed}
	for _, f := range out {
		f.Services.Normalize()
	}
	return out
}

// comparable strips what an import does not carry over: the store's
// timestamps, and the order of the groups (normalized).
func comparable(fs []directory.Facility) []directory.Facility {
	out := slices.Clone(fs)
	for i := range out {
		out[i].CreatedAt, out[i].UpdatedAt = time.Time{}, time.Time{}
		out[i].Services.Normalize()
	}
	slices.SortFunc(out, func(a, b directory.Facility) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func activeValues(fs []*directory.Facility) []directory.Facility {
	var out []directory.Facility
	for _, f := range fs {
		if f.Active {
			out = append(out, *f)
		}
	}
	return out
}

func records(rep *ParseReport) []directory.Facility {
	var out []directory.Facility
	for _, r := range rep.Records {
		out = append(out, r.Facility)
	}
	return out
}

// checkGolden compares the files of dir with testdata/golden, rewriting
// them with -update.
func checkGolden(t *testing.T, dir, golden string, files []string) {
	t.Helper()
	for _, name := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", golden, name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./data -run HSDS -update to write it)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s differs from %s (-want +got; -update rewrites it):\n%s", name, path, diff)
		}
	}
}

// sameFiles checks that two exports wrote the same bytes.
func sameFiles(t *testing.T, a, b string, files []string) {
	t.Helper()
	for _, name := range files {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(x), string(y)); diff != "" {
			t.Errorf("%s: the second export differs (-first +second):\n%s", name, diff)
		}
	}
}

func TestHSDSJSONRoundTrip(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	fs := hsdsFixture()
	dir := t.TempDir()
	counts, err := WriteHSDSJSON(dir, fs, tax)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Services != 3 {
		t.Errorf("%d services, want 3 (the removed facility is not exported)", counts.Services)
	}
	checkGolden(t, dir, "hsds-json", counts.Files)

	f, err := os.Open(filepath.Join(dir, HSDSServicesFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := ParseHSDSJSON(context.Background(), f, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) > 0 || len(rep.Warnings) != 1 {
		t.Errorf("rejected %v, warnings %v; want only the bare facility's missing phone", rep.Rejected, rep.Warnings)
	}
	if rep.Source != "samhsa-2015" {
		t.Errorf("Source %q, want samhsa-2015", rep.Source)
	}
	if diff := cmp.Diff(comparable(activeValues(fs)), comparable(records(rep))); diff != "" {
		t.Errorf("facilities after the round trip (-exported +imported):\n%s", diff)
	}

	// Exported again, the imported facilities give the same documents.
	again := t.TempDir()
	var back []*directory.Facility
	for i := range rep.Records {
		r := rep.Records[i].Facility
		r.UpdatedAt = fs[0].UpdatedAt // the store's write time, which the file does not set
		back = append(back, &r)
	}
	if _, err := WriteHSDSJSON(again, back, tax); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, dir, again, counts.Files)
}

func TestHSDSCSVRoundTrip(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	fs := hsdsFixture()
	dir := t.TempDir()
	counts, err := WriteHSDSCSV(dir, fs, tax)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, dir, "hsds-csv", counts.Files)
	rep, err := ParseHSDSCSV(context.Background(), os.DirFS(dir), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rejected) > 0 {
		t.Errorf("rejected %v", rep.Rejected)
	}
	if diff := cmp.Diff(comparable(activeValues(fs)), comparable(records(rep))); diff != "" {
		t.Errorf("facilities after the round trip (-exported +imported):\n%s", diff)
	}
	again := t.TempDir()
	var back []*directory.Facility
	for i := range rep.Records {
		r := rep.Records[i].Facility
		r.UpdatedAt = fs[0].UpdatedAt
		back = append(back, &r)
	}
	if _, err := WriteHSDSCSV(again, back, tax); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, dir, again, counts.Files)
}

// Every document of an export validates against Open Referral's compiled
// schemas, formats asserted.
func TestHSDSSchemas(t *testing.T) {
	schemas := hsdstest.Load(t)
	tax := directory.DefaultTaxonomy()
	fs := hsdsFixture()
	dir := t.TempDir()
	if _, err := WriteHSDSJSON(dir, fs, tax); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ file, schema string }{
		{HSDSServicesFile, hsdstest.Service},
		{HSDSOrganizationsFile, hsdstest.Organization},
		{HSDSTaxonomiesFile, hsdstest.Taxonomy},
		{HSDSTermsFile, hsdstest.TaxonomyTerm},
	} {
		raw, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		var docs []json.RawMessage
		if err := json.Unmarshal(raw, &docs); err != nil {
			t.Fatal(err)
		}
		if len(docs) == 0 {
			t.Fatalf("%s is empty", tt.file)
		}
		for i, d := range docs {
			if err := schemas.Validate(tt.schema, d); err != nil {
				t.Errorf("%s[%d] is not valid against %s: %v", tt.file, i, tt.schema, err)
			}
		}
	}

	csvDir := t.TempDir()
	if _, err := WriteHSDSCSV(csvDir, fs, tax); err != nil {
		t.Fatal(err)
	}
	required, err := schemas.TabularRequired()
	if err != nil {
		t.Fatal(err)
	}
	doc := tabularDocument(t, csvDir, required)
	if err := schemas.ValidateValue(hsdstest.Tabular, doc); err != nil {
		t.Errorf("the CSV tables are not valid against %s: %v", hsdstest.Tabular, err)
	}
}

// tabularDocument reads the CSV tables of dir into the document the HSDS
// tabular schema describes: for each table, its rows as objects, number
// columns as numbers, empty cells left out, except in required columns:
// a CSV cannot tell an empty string from a missing value, and the JSON
// documents give required text that a facility lacks as "".
func tabularDocument(t *testing.T, dir string, required map[string][]string) map[string]any {
	t.Helper()
	doc := map[string]any{}
	numbers := HSDSNumberColumns()
	for table, file := range HSDSTableFiles() {
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		rows := []any{}
		for _, rec := range recs[1:] {
			row := map[string]any{}
			for i, col := range recs[0] {
				if rec[i] == "" {
					if slices.Contains(required[table], col) {
						row[col] = ""
					}
					continue
				}
				if slices.Contains(numbers[table], col) {
					v, err := strconv.ParseFloat(rec[i], 64)
					if err != nil {
						t.Fatalf("%s: %s %q: %v", file, col, rec[i], err)
					}
					row[col] = v
				} else {
					row[col] = rec[i]
				}
			}
			rows = append(rows, row)
		}
		doc[table] = rows
	}
	return doc
}

func TestParseHSDSJSONBad(t *testing.T) {
	svc := func(extra string) string {
		return `{"id": "s1", "name": "A", "status": "active"` + extra + `}`
	}
	loc := `"service_at_locations": [{"id": "sal1", "location": {"id": "l1", "location_type": "physical", "latitude": 36.1, "longitude": -86.7%s}}]`
	tests := []struct {
		name     string
		in       string
		wantErr  string
		rejected []Rejection
		records  int
	}{
		{name: "empty", in: " \n", wantErr: "not HSDS JSON: the file is empty"},
		{name: "a string", in: `"x"`, wantErr: "not HSDS JSON: want an array of services or a service object"},
		{name: "broken", in: "[\n" + svc("") + ",\n{\"id\": }\n]", wantErr: "not valid JSON: line 3"},
		{name: "cut short", in: "[" + svc(""), wantErr: "not valid JSON: line 1: the JSON ends too soon"},
		{name: "no location", in: "[\n" + svc("") + "\n]", rejected: []Rejection{{2, "[0].service_at_locations: is empty: a facility needs a place"}}},
		{name: "latitude a string", in: "[\n" + svc(", "+strings.Replace(strings.Replace(loc, "%s", "", 1), "36.1", `"36.1"`, 1)) + "\n]",
			rejected: []Rejection{{2, "[0].service_at_locations.location.latitude: want a number, found string"}}},
		{name: "inactive", in: "[" + svc(`, "status": "defunct"`) + "]", rejected: []Rejection{{1, `[0].status: is "defunct": only active services are imported`}}},
		{name: "not an object", in: `[1, ` + svc(", "+strings.Replace(loc, "%s", "", 1)) + `]`,
			rejected: []Rejection{{1, "[0]: want a service object, found number"}}, records: 1},
		{name: "a page", in: `{"total_items": 1, "contents": [` + svc(", "+strings.Replace(loc, "%s", "", 1)) + `]}`, records: 1},
		{name: "ndjson", in: svc(", "+strings.Replace(loc, "%s", "", 1)) + "\n" + strings.Replace(svc(", "+strings.Replace(loc, "%s", "", 1)), `"s1"`, `"s2"`, 1) + "\n", records: 2},
		{name: "bad state", in: "[" + svc(", "+strings.Replace(loc, "%s", `, "addresses": [{"id": "a", "address_1": "1 Main", "city": "X", "state_province": "Tennessee", "postal_code": "37203", "country": "US", "address_type": "physical"}]`, 1)) + "]",
			rejected: []Rejection{{1, `[0].service_at_locations[0].location.addresses: state_province "Tennessee" is not a two-letter state code`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseHSDSJSON(context.Background(), strings.NewReader(tt.in), ParseOptions{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.rejected, rep.Rejected); diff != "" {
				t.Errorf("Rejected (-want +got):\n%s", diff)
			}
			if len(rep.Records) != tt.records {
				t.Errorf("%d records, want %d", len(rep.Records), tt.records)
			}
			for _, r := range rep.Records {
				if !strings.HasPrefix(r.Facility.ID, HSDSIDPrefix) || r.Facility.Source != HSDSSource {
					t.Errorf("another system's record: id %q, source %q", r.Facility.ID, r.Facility.Source)
				}
			}
		})
	}
}
