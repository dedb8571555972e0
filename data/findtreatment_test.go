package data

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
)

// mustParseFindTreatment parses the export in s.
func mustParseFindTreatment(tb testing.TB, s string) *ParseReport {
	tb.Helper()
	rep, err := ParseFindTreatment(context.Background(), strings.NewReader(s), ParseOptions{})
	if err != nil {
		tb.Fatalf("ParseFindTreatment: %v", err)
	}
	return rep
}

// The sample holds three pages, one of them on a single line, with the
// troubles a real export has: null services, "http://" websites, string
// coordinates (and numbers), short ZIP codes, a repeated frid, bad rows.
func TestParseFindTreatmentSample(t *testing.T) {
	raw, err := os.ReadFile("testdata/findtreatment/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	rep := mustParseFindTreatment(t, string(raw))

	wantRejected := []Rejection{
		{93, `rows[3].latitude "not-a-number" is not a number`},
		{151, "page 2: rows[2].frid: is empty: a row needs the locator's id"},
		{171, "page 2: rows[3]: latitude and longitude are both 0: the location is missing"},
		{177, `page 3: rows[1].frid: "MjIyMDAx" repeats the row on line 105`},
		{177, `page 3: rows[2].state: "Texas" is not a two-letter state code`},
		{177, "page 3: rows[3].services: want a list of categories {f1, f2, f3}, found a string"},
	}
	if diff := cmp.Diff(wantRejected, rep.Rejected); diff != "" {
		t.Errorf("Rejected (-want +got):\n%s", diff)
	}
	wantWarnings := []Warning{
		{114, WarnRepaired, `page 2: rows[0].zip: "2134" has 4 digits; padded it to 02134`},
	}
	if diff := cmp.Diff(wantWarnings, rep.Warnings); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
	wantUnmapped := map[string]int{
		"CLF": 1, "ACM": 1, "PED": 1, "OTP": 1,
		"SL:Cape Verdean Creole": 1, "RSS:Employment counseling or training": 1,
	}
	if diff := cmp.Diff(wantUnmapped, rep.UnmappedCodes); diff != "" {
		t.Errorf("UnmappedCodes (-want +got):\n%s", diff)
	}
	if rep.Partial {
		t.Error("Partial: the file holds every page")
	}

	byName := map[string]directory.Facility{}
	var lines []int
	for _, r := range rep.Records {
		byName[r.Facility.Name] = r.Facility
		lines = append(lines, r.Line)
	}
	if diff := cmp.Diff([]int{6, 38, 65, 105, 132, 177}, lines); diff != "" {
		t.Errorf("record lines (-want +got):\n%s", diff)
	}
	svc := func(s directory.Services) directory.Services { s.Normalize(); return s }
	tests := []directory.Facility{{
		ID:             ftID("MTExMDAy"),
		Name:           "Cumberland Heights Recovery",
		AlternateNames: []string{"Adult Residential Program"},
		Address:        directory.Address{Lines: []string{"8283 River Road Pike"}, City: "Nashville", State: "TN", ZIP: "37209"},
		Lat:            36.1734, Lon: -86.9402,
		Phones:         directory.Phones{Main: "(615) 555-0142", Intake: "(615) 555-0143"},
		Website:        "https://www.cumberlandheights.example",
		Accreditations: []string{"Joint Commission", "CARF"},
		Licenses:       []string{"State substance abuse agency"},
		FacilityType:   "substance-use",
		OperatorType:   "private-nonprofit",
		Services: svc(directory.Services{
			Care:       []string{"detox", "intensive-outpatient", "outpatient", "residential", "residential-short-term"},
			Therapy:    []string{"family-therapy", "group-therapy", "individual-therapy"},
			Medication: []string{"buprenorphine", "naltrexone"},
			Payment:    []string{"military-insurance", "payment-assistance", "private-insurance", "self-pay"},
			Population: []string{"adults", "seniors", "trauma", "veterans", "young-adults"},
			Gender:     []string{"female", "male"},
			Language:   []string{"ase", "en", "es"},
		}),
		RawCodes:   []string{"CLF", "ACM", "PED"},
		Provenance: directory.Provenance{Source: FindTreatmentSource, SourceID: "MTExMDAy"},
		Active:     true,
	}, {
		// services null: unknown, so every group but the listing's
		// language is empty; a website without a scheme gets one.
		ID:      ftID("MTExMDEy"),
		Name:    "Crossroads Campus",
		Address: directory.Address{Lines: []string{"707 Oak Street"}, City: "Franklin", State: "TN", ZIP: "37064"},
		Lat:     35.9251, Lon: -86.8689,
		Phones:       directory.Phones{Main: "(615) 555-0120"},
		Website:      "http://www.crossroads-campus.example",
		FacilityType: "mental-health",
		Services:     svc(directory.Services{Language: []string{"en"}}),
		Provenance:   directory.Provenance{Source: FindTreatmentSource, SourceID: "MTExMDEy"},
		Active:       true,
	}, {
		// "http://" is no website; ZIP+4 keeps five digits; OTP has no term.
		ID:      ftID("MTExMDA5"),
		Name:    "Music City Methadone Clinic",
		Address: directory.Address{Lines: []string{"1200 Church Street", "Suite 300"}, City: "Nashville", State: "TN", ZIP: "37203"},
		Lat:     36.1553, Lon: -86.7898,
		Phones:       directory.Phones{Main: "(615) 555-0171", Hotline: "(615) 555-0199"},
		FacilityType: "substance-use",
		Services: svc(directory.Services{
			Care:       []string{"outpatient", "standard-outpatient"},
			Medication: []string{"methadone"},
			Payment:    []string{"ihs-tribal", "medicaid", "medicare", "self-pay", "sliding-scale"},
			Gender:     []string{"female", "male"},
			Language:   []string{"ar", "en", "es", "nv"},
		}),
		RawCodes:   []string{"OTP"},
		Provenance: directory.Provenance{Source: FindTreatmentSource, SourceID: "MTExMDA5"},
		Active:     true,
	}}
	for _, want := range tests {
		t.Run(want.Name, func(t *testing.T) {
			if diff := cmp.Diff(want, byName[want.Name]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFindTreatmentFile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string // "" for no error
		partial bool
		records int
	}{
		{"empty", "", "not a FindTreatment.gov export: the file is empty", false, 0},
		{"an array", "[1, 2]", "not a FindTreatment.gov export: line 1: want a page", false, 0},
		{"not JSON", "{\n\"rows\": [\n{\"frid\": \"x\",,}\n]}", "not valid JSON: line 3: invalid character ','", false, 0},
		{"cut short", "{\"rows\": [{\"frid\": \"x\"", "not valid JSON: line 1: the JSON ends too soon", false, 0},
		{"rows not an array", `{"rows": {"frid": "x"}}`, "line 1: rows is not an array of rows", false, 0},
		{"rows null", `{"page": 1, "totalPages": 1, "rows": null}`, "", false, 0},
		{"a page missing", `{"page": 1, "totalPages": 2, "rows": []}`, "", true, 0},
		{"a page twice", `{"page": 1, "totalPages": 2, "rows": []} {"page": 1, "totalPages": 2, "rows": []}`, "", true, 0},
		{"one row, unknown fields", `{"rows": [{"frid": "a", "name1": "A", "state": "TN", "zip": 37203, "latitude": "36.1", "longitude": "-86.7", "extra": {"x": [1]}}]}`, "", false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseFindTreatment(context.Background(), strings.NewReader(tt.in), ParseOptions{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if directory.ErrorCode(err) != directory.EINVALID {
					t.Errorf("error code %s, want %s", directory.ErrorCode(err), directory.EINVALID)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.Partial != tt.partial || len(rep.Records) != tt.records {
				t.Errorf("Partial %v, %d records; want %v, %d (rejected: %v)", rep.Partial, len(rep.Records), tt.partial, tt.records, rep.Rejected)
			}
		})
	}
}

// Pages saved one per file read as one export.
func TestParseFindTreatmentDir(t *testing.T) {
	raw, err := os.ReadFile("testdata/findtreatment/sample.json")
	if err != nil {
		t.Fatal(err)
	}
	// The sample's three pages, split where each page object starts.
	text := string(raw)
	second := strings.Index(text, "}\n{") + 2
	third := strings.LastIndex(text, "\n{") + 1
	fsys := fstest.MapFS{
		"page-1.json": {Data: []byte(text[:second])},
		"page-2.json": {Data: []byte(text[second:third])},
		"page-3.json": {Data: []byte(text[third:])},
		"notes.txt":   {Data: []byte("not a page")},
	}
	rep, err := ParseFindTreatmentDir(context.Background(), fsys, ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	whole := mustParseFindTreatment(t, text)
	if len(rep.Records) != len(whole.Records) || rep.Partial {
		t.Errorf("%d records (want %d), partial %v", len(rep.Records), len(whole.Records), rep.Partial)
	}
	wantRejected := []Rejection{
		{93, `page-1.json: rows[3].latitude "not-a-number" is not a number`},
		{52, "page-2.json: rows[2].frid: is empty: a row needs the locator's id"},
		{72, "page-2.json: rows[3]: latitude and longitude are both 0: the location is missing"},
		{1, `page-3.json: rows[1].frid: "MjIyMDAx" repeats the row on page-2.json line 6`},
		{1, `page-3.json: rows[2].state: "Texas" is not a two-letter state code`},
		{1, "page-3.json: rows[3].services: want a list of categories {f1, f2, f3}, found a string"},
	}
	if diff := cmp.Diff(wantRejected, rep.Rejected); diff != "" {
		t.Errorf("Rejected (-want +got):\n%s", diff)
	}
	// Without the last page the export is partial.
	delete(fsys, "page-3.json")
	if rep, err := ParseFindTreatmentDir(context.Background(), fsys, ParseOptions{}); err != nil || !rep.Partial {
		t.Errorf("two pages of three: partial %v, %v", rep != nil && rep.Partial, err)
	}
	if _, err := ParseFindTreatmentDir(context.Background(), fstest.MapFS{}, ParseOptions{}); err == nil {
		t.Error("an empty directory is no export")
	}
}
