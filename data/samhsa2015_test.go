package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/carefinder/carefinder/directory"
)

const samhsaHeader = "Name1,Name2,Name3,Address1,Address2,Address3,City,State,ZIP_Code,Contact,Note,Keys,loc_ID,Longitude,Latitude,Match Score\n"

// trickyCSV holds one row of each kind of trouble the real file has, and a
// few it might. Its line numbers are in the comments of the expectations.
const trickyCSV = samhsaHeader +
	/* 2 */ "Hartford Recovery Center,Outpatient,,100 Main Street,Suite 2,,Hartford,CT,6103,(860)555-0100 Intake: (860)555-0101x12,,SAF/SA/OP/ORT/SF/MD/SP/F70/,0001CT06103,-72.6734,41.7658,100.0\n" +
	/* 3 */ "Bad Latitude Clinic,,,1 Elm Street,,,Dover,DE,19901,(302)555-0102,,SAF/SA/OP/,0002DE19901,-75.52,abc,100.0\n" +
	/* 4 */ "Short Row,,,1 Oak Street,,,Dover,DE,19901,(302)555-0103,,SAF/SA/OP/,0003DE19901,-75.52,39.15\n" +
	/* 5 */ "Codes Clinic,,,5 Pine Road,,,Albany,NY,12207,(518)555-0104,,MHSAF/SA/DT/OTPA/BC/ZZZ9/FEM/MALE/OTPA/,0005NY12207,-73.75,42.65,85.5\n" +
	/* 6 */ "Miami Methadone Program,,,10 Bay Street,,,Miami,FL,33130,(305)572-7129 Intakes: (305)825-0300x41006 (305)825-,0300,Methadone/and/Buprenorphine/Clients/Only/SAF/SA/MM/BU/OTPA/OP/OMB/,0006FL33130,-80.2,25.77,100.0\n" +
	/* 7 */ "\"Peña, Sánchez & O'Brien Counseling\",\"Adolescent\n" +
	/* 8 */ "Program\",,22 Río Grande Boulevard,,,Española,NM,87532,(505)555-0107,,SAF/SA/OP/AD/SP/N23/,0007NM87532,-106.08,35.99,100.0\n" +
	/* 9 */ "Hartford Recovery Center,Outpatient,,100 Main Street,Suite 2,,Hartford,CT,6103,(860)555-0100 Intake: (860)555-0101x12,,SAF/SA/OP/ORT/SF/MD/SP/F70/,0001CT06103,-72.6734,41.7658,100.0\n" +
	/* 10 */ "Hartford Recovery Center,Outpatient,,100 Main Street,Suite 2,,Hartford,CT,6103,(860)555-0199,,SAF/SA/OP/ORT/SF/MD/SP/F70/,0001CT06103,-72.6734,41.7658,100.0\n" +
	/* 11 */ "Null Island Clinic,,,1 Zero Road,,,Nowhere,KS,66002,(913)555-0111,,SAF/SA/OP/,0011KS66002,0,0,100.0\n" +
	/* 12 */ "Long ZIP Clinic,,,1 A Street,,,Topeka,KS,666031,(785)555-0112,,SAF/SA/OP/,0012KS66603,-95.67,39.05,100.0\n" +
	/* 13 */ "Bad \"Quote\" Clinic,,,1 Q Street,,,Topeka,KS,66603,(785)555-0113,,SAF/SA/OP/,0013KS66603,-95.67,39.05,100.0\n" +
	/* 14 */ ",Orphan Program,,1 B Street,,,Topeka,KS,66603,(785)555-0114,,SAF/SA/OP/,0014KS66603,-95.67,39.05,100.0\n" +
	/* 15 */ "Hogar Crea Cayey,,,Carretera 14 Km 71.6,Avenida Antonio R BarcÃ©lo,,Cayey,PR,736,(787)555-0115 Hotline: (800)555-0123,,GHF/SA/DT/HID/IHS/VAMC/MI/,0015PR00736,-66.16,18.11,100.0\n" +
	/* 16 */ "Call Ahead Clinic,,,3 C Street,,,Santa Fe,NM,87501,(505)555-0116 ask for Maria,Walk-ins welcome,SAF/SA/OP/,,-105.94,35.69,\n" +
	/* 17 */ "Texas Clinic,,,4 D Street,,,Austin,Texas,78701,(512)555-0117,,SAF/SA/OP/,0017TX78701,-97.74,30.27,100.0\n" +
	/* 18 */ "Far Away Clinic,,,5 E Street,,,Austin,TX,78701,(512)555-0118,,SAF/SA/OP/,0018TX78701,-200.5,30.27,100.0\n" +
	/* 19 */ "3230 Warning Court,,,Suite A,,,Oceanside,CA,92056,(760)555-0119,,SAF/SA/OP/,0019CA92056,-117.29,33.18,100.0\n" +
	/* 20 */ "Twin Clinic,,,6 F Street,,,Reno,NV,89501,(775)555-0120,,SAF/SA/OP/,0020NV89501,-119.81,39.53,100.0\n" +
	/* 21 */ "Twin Clinic,,,6 F Street,,,Reno,NV,89501,(775)555-0120,,SAF/SA/DT/,0020NV89501,-119.81,39.53,100.0\n"

func TestParseSAMHSA2015Tricky(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	rep := mustParse(t, trickyCSV, ParseOptions{Now: now})

	wantRejected := []Rejection{
		{3, `Latitude "abc" is not a number`},
		{4, "has 15 columns, want 16 like the header"},
		{9, "is a duplicate of line 2: every column is the same"},
		{11, "Longitude and Latitude are both 0: the location is missing"},
		{12, `ZIP_Code "666031" is not a ZIP code of 1 to 5 digits`},
		{13, `is not valid CSV: bare " in non-quoted-field at line 13, column 5`},
		{14, "Name1 is empty: a facility needs a name"},
		{17, `State "Texas" is not a two-letter state code`},
		{18, "Longitude -200.5 is out of range (-180 to 180)"},
	}
	if diff := cmp.Diff(wantRejected, rep.Rejected); diff != "" {
		t.Errorf("Rejected mismatch (-want +got):\n%s", diff)
	}

	wantWarnings := []Rejection{
		{2, `ZIP_Code "6103" has 4 digits; padded it to 06103`},
		{2, "shares name and address with line 10; told apart by Keys and Contact"},
		{5, "approximate location: the geocoder's Match Score is 85.5, below 90"},
		{6, `Note "0300" is the end of the last phone number in Contact; joined them`},
		{6, `Keys has words that are not codes ("Methadone and Buprenorphine Clients Only"); kept them as the Note`},
		{10, `ZIP_Code "6103" has 4 digits; padded it to 06103`},
		{10, "shares name and address with line 2; told apart by Keys and Contact"},
		{15, `Address2 "Avenida Antonio R BarcÃ©lo" was UTF-8 read as Latin-1; repaired it to "Avenida Antonio R Barcélo"`},
		{15, `ZIP_Code "736" has 3 digits; padded it to 00736`},
		{16, "Match Score is empty: the location may be approximate"},
		{16, "loc_ID is empty"},
		{16, `Contact "(505)555-0116 ask for Maria" has text that is not a phone number ("ask for Maria"); kept it in the Note`},
		{19, `Name1 "3230 Warning Court" looks like a street address and Address1 has none (the source lost the name); used it as the first address line too`},
		{20, "shares name and address with line 21; told apart by Keys"},
		{21, "shares name and address with line 20; told apart by Keys"},
	}
	if diff := cmp.Diff(wantWarnings, warningReasons(rep.Warnings)); diff != "" {
		t.Errorf("Warnings mismatch (-want +got):\n%s", diff)
	}
	wantKinds := []KindCount{
		{WarningKindInfo: kindInfo(WarnApproximateLocation), Count: 2, Lines: []int{5, 16}},
		{WarningKindInfo: kindInfo(WarnLostName), Count: 1, Lines: []int{19}},
		{WarningKindInfo: kindInfo(WarnStrayWords), Count: 1, Lines: []int{6}},
		{WarningKindInfo: kindInfo(WarnContactText), Count: 1, Lines: []int{16}},
		{WarningKindInfo: kindInfo(WarnSourceID), Count: 1, Lines: []int{16}},
		{WarningKindInfo: kindInfo(WarnSharedSite), Count: 4, Lines: []int{2, 10, 20, 21}},
		{WarningKindInfo: kindInfo(WarnRepaired), Count: 5, Lines: []int{2, 6, 10, 15}},
	}
	if diff := cmp.Diff(wantKinds, CountWarnings(rep.Warnings)); diff != "" {
		t.Errorf("CountWarnings mismatch (-want +got):\n%s", diff)
	}

	// BC, FEM and MALE have terms; OTPA's meaning is not known for sure.
	wantUnmapped := map[string]int{"OTPA": 2, "ZZZ9": 1}
	if diff := cmp.Diff(wantUnmapped, rep.UnmappedCodes); diff != "" {
		t.Errorf("UnmappedCodes mismatch (-want +got):\n%s", diff)
	}

	prov := func(locID string) directory.Provenance {
		return directory.Provenance{Source: "samhsa-2015", SourceID: locID, LastVerified: "2015-01-01", CreatedAt: now, UpdatedAt: now}
	}
	services := func(s directory.Services) directory.Services {
		s.Language = append(s.Language, "en")
		s.Normalize()
		return s
	}
	hartford := directory.Facility{
		Name:           "Hartford Recovery Center",
		AlternateNames: []string{"Outpatient"},
		Address:        directory.Address{Lines: []string{"100 Main Street", "Suite 2"}, City: "Hartford", State: "CT", ZIP: "06103"},
		Lon:            -72.6734, Lat: 41.7658,
		Phones:       directory.Phones{Main: "(860) 555-0100", Intake: "(860) 555-0101 ext. 12"},
		FacilityType: "substance-use",
		Services: services(directory.Services{
			Care:     []string{"outpatient", "standard-outpatient"},
			Payment:  []string{"self-pay", "medicaid"},
			Language: []string{"es", "ru"},
		}),
		Provenance: prov("0001CT06103"),
		Active:     true,
	}
	twin := directory.Facility{
		Name:    "Twin Clinic",
		Address: directory.Address{Lines: []string{"6 F Street"}, City: "Reno", State: "NV", ZIP: "89501"},
		Lon:     -119.81, Lat: 39.53,
		Phones:       directory.Phones{Main: "(775) 555-0120"},
		FacilityType: "substance-use",
		Services:     services(directory.Services{Care: []string{"outpatient"}}),
		Provenance:   prov("0020NV89501"),
		Active:       true,
	}
	twinDetox := twin
	twinDetox.Services = services(directory.Services{Care: []string{"detox"}})
	hartford2 := hartford
	hartford2.Phones = directory.Phones{Main: "(860) 555-0199"}
	wantRecords := []ImportRecord{
		{2, hartford},
		{5, directory.Facility{
			Name:    "Codes Clinic",
			Address: directory.Address{Lines: []string{"5 Pine Road"}, City: "Albany", State: "NY", ZIP: "12207"},
			Lon:     -73.75, Lat: 42.65,
			Phones:       directory.Phones{Main: "(518) 555-0104"},
			FacilityType: "mixed",
			Services: services(directory.Services{
				Care:       []string{"detox"},
				Population: []string{"beds-for-children"},
				Gender:     []string{"female", "male"},
			}),
			RawCodes:   []string{"OTPA", "ZZZ9"},
			Provenance: prov("0005NY12207"),
			Active:     true,
		}},
		{6, directory.Facility{
			Name:    "Miami Methadone Program",
			Address: directory.Address{Lines: []string{"10 Bay Street"}, City: "Miami", State: "FL", ZIP: "33130"},
			Lon:     -80.2, Lat: 25.77,
			Phones:       directory.Phones{Main: "(305) 572-7129", Intake: "(305) 825-0300 ext. 41006"},
			FacilityType: "substance-use",
			Services: services(directory.Services{
				Care:       []string{"outpatient"},
				Medication: []string{"methadone", "buprenorphine"},
			}),
			RawCodes:   []string{"OTPA"},
			Note:       "Methadone and Buprenorphine Clients Only. Other intake numbers: (305) 825-0300",
			Provenance: prov("0006FL33130"),
			Active:     true,
		}},
		{7, directory.Facility{
			Name:           "Peña, Sánchez & O'Brien Counseling",
			AlternateNames: []string{"Adolescent Program"},
			Address:        directory.Address{Lines: []string{"22 Río Grande Boulevard"}, City: "Española", State: "NM", ZIP: "87532"},
			Lon:            -106.08, Lat: 35.99,
			Phones:       directory.Phones{Main: "(505) 555-0107"},
			FacilityType: "substance-use",
			Services: services(directory.Services{
				Care:       []string{"outpatient"},
				Population: []string{"adolescents"},
				Language:   []string{"es", "nv"},
			}),
			Provenance: prov("0007NM87532"),
			Active:     true,
		}},
		{10, hartford2},
		{15, directory.Facility{
			Name:    "Hogar Crea Cayey",
			Address: directory.Address{Lines: []string{"Carretera 14 Km 71.6", "Avenida Antonio R Barcélo"}, City: "Cayey", State: "PR", ZIP: "00736"},
			Lon:     -66.16, Lat: 18.11,
			Phones:       directory.Phones{Main: "(787) 555-0115", Hotline: "(800) 555-0123"},
			FacilityType: "general-hospital",
			OperatorType: "federal-va",
			Services: services(directory.Services{
				Care:    []string{"detox", "hospital-inpatient"},
				Payment: []string{"ihs-tribal", "military-insurance"},
			}),
			Provenance: prov("0015PR00736"),
			Active:     true,
		}},
		{16, directory.Facility{
			Name:    "Call Ahead Clinic",
			Address: directory.Address{Lines: []string{"3 C Street"}, City: "Santa Fe", State: "NM", ZIP: "87501"},
			Lon:     -105.94, Lat: 35.69,
			Phones:       directory.Phones{Main: "(505) 555-0116"},
			FacilityType: "substance-use",
			Services:     services(directory.Services{Care: []string{"outpatient"}}),
			Note:         "Walk-ins welcome. Contact: (505)555-0116 ask for Maria",
			Provenance:   prov(""),
			Active:       true,
		}},
		{19, directory.Facility{
			Name:    "3230 Warning Court",
			Address: directory.Address{Lines: []string{"3230 Warning Court", "Suite A"}, City: "Oceanside", State: "CA", ZIP: "92056"},
			Lon:     -117.29, Lat: 33.18,
			Phones:       directory.Phones{Main: "(760) 555-0119"},
			FacilityType: "substance-use",
			Services:     services(directory.Services{Care: []string{"outpatient"}}),
			Provenance:   prov("0019CA92056"),
			Active:       true,
		}},
		{20, twin},
		{21, twinDetox},
	}
	ignoreID := cmpopts.IgnoreFields(directory.Facility{}, "ID")
	if diff := cmp.Diff(wantRecords, rep.Records, ignoreID); diff != "" {
		t.Errorf("Records mismatch (-want +got):\n%s", diff)
	}

	// IDs: the documented hash of the address, with the names, then Keys,
	// then Contact added for rows that share it (the duplicate on line 9
	// changes nothing). The literal pins the scheme: changing it gives new
	// facilities other ids (stored ones keep theirs: Store.Import matches
	// them by site).
	hartfordKey := "100 main street|suite 2||hartford|ct|06103\x1fhartford recovery center|outpatient|\x1fsaf/sa/op/ort/sf/md/sp/f70/"
	wantIDs := map[int]string{
		2:  samhsaTestID(hartfordKey + "\x1f" + "(860)555-0100 intake: (860)555-0101x12"),
		7:  "s15-89e91f4b88753985",
		10: samhsaTestID(hartfordKey + "\x1f" + "(860)555-0199"),
		21: samhsaTestID("6 f street|||reno|nv|89501\x1ftwin clinic||\x1fsaf/sa/dt/"),
	}
	if got := samhsaTestID("22 río grande boulevard|||española|nm|87532"); got != wantIDs[7] {
		t.Errorf("samhsaTestID = %s, want %s", got, wantIDs[7])
	}
	gotIDs := map[int]string{}
	for _, r := range rep.Records {
		if _, ok := wantIDs[r.Line]; ok {
			gotIDs[r.Line] = r.Facility.ID
		}
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("IDs mismatch (-want +got):\n%s", diff)
	}
}

func samhsaTestID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "s15-" + hex.EncodeToString(sum[:8])
}

// TestParseSAMHSA2015OrderFree checks that IDs depend on content only: the
// same rows in reverse order get the same IDs.
func TestParseSAMHSA2015OrderFree(t *testing.T) {
	// trickyCSV without its multi-line row, whose lines cannot be reversed
	// one by one.
	lines := strings.Split(strings.TrimSuffix(trickyCSV, "\n"), "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, "Adolescent") || strings.HasPrefix(l, "Program") })
	body := slices.Clone(lines[1:])
	slices.Reverse(body)
	forward := mustParse(t, strings.Join(lines, "\n")+"\n", ParseOptions{})
	backward := mustParse(t, lines[0]+"\n"+strings.Join(body, "\n")+"\n", ParseOptions{})
	if diff := cmp.Diff(idsByContent(forward), idsByContent(backward)); diff != "" {
		t.Errorf("IDs by content mismatch (-forward +backward):\n%s", diff)
	}
}

// idsByContent maps a summary of each record's content to its ID.
func idsByContent(rep *ParseReport) map[string]string {
	m := map[string]string{}
	for _, r := range rep.Records {
		f := r.Facility
		m[fmt.Sprint(f.Name, f.Address, f.Phones, f.Services)] = f.ID
	}
	return m
}

func TestParseSAMHSA2015Header(t *testing.T) {
	row := "SpectraCare,Henry County/IOP,,219 Dothan Road,,,Abbeville,AL,36310,(334)673-2143,,MHF/SA/OP/,7363AL36310,-85.25,31.55,100.0\r\n"
	tests := []struct {
		name    string
		input   string
		wantErr string // "" for success
		wantN   int
	}{
		{"plain", samhsaHeader + row, "", 1},
		{"BOM and CRLF", "\uFEFF" + strings.ReplaceAll(samhsaHeader, "\n", "\r\n") + row, "", 1},
		{"BOM before a quoted header", "\uFEFF\"Name1\"" + strings.TrimPrefix(samhsaHeader, "Name1") + row, "", 1},
		{"columns in another order", "Keys,Name1,Name2,Name3,Address1,Address2,Address3,City,State,ZIP_Code,Contact,Note,loc_ID,Longitude,Latitude,Match Score\n" +
			"MHF/SA/OP/,SpectraCare,Henry County/IOP,,219 Dothan Road,,,Abbeville,AL,36310,(334)673-2143,,7363AL36310,-85.25,31.55,100.0\n", "", 1},
		{"header only", samhsaHeader, "", 0},
		{"empty", "", "not a SAMHSA 2015 directory file: it is empty", 0},
		{"other CSV", "id,name,lat,lon\n1,x,2,3\n",
			`not a SAMHSA 2015 directory file: the header lacks column "Name1", "Name2", "Name3", "Address1", "Address2", "Address3", "City", "State", "ZIP_Code", "Contact", "Note", "Keys", "loc_ID", "Longitude", "Latitude", "Match Score" (it has "id", "name", "lat", "lon")`, 0},
		{"missing two", strings.Replace(strings.Replace(samhsaHeader, ",Keys", ",Codes", 1), ",Match Score", ",Score", 1) + row,
			`not a SAMHSA 2015 directory file: the header lacks column "Keys", "Match Score" (it has "Name1", "Name2", "Name3", "Address1", "Address2", "Address3", "City", "State", "ZIP_Code", "Contact", "Note", "Codes", "loc_ID", "Longitude", "Latitude", "Score")`, 0},
		{"not CSV", "\"Name1,Name2\n", `not a SAMHSA 2015 directory file: the header is not valid CSV: parse error on line 1, column 14: extraneous or missing " in quoted-field`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseSAMHSA2015(context.Background(), strings.NewReader(tt.input), ParseOptions{})
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("got no error, want %q", tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantErr, err.Error()); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				if code := directory.ErrorCode(err); code != directory.EINVALID {
					t.Errorf("error code = %q, want %q", code, directory.EINVALID)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Records) != tt.wantN || len(rep.Rejected) != 0 {
				t.Fatalf("got %d records and rejections %v, want %d records", len(rep.Records), rep.Rejected, tt.wantN)
			}
			if tt.wantN > 0 {
				f := rep.Records[0].Facility
				want := []string{"SpectraCare", "Henry County/IOP", "(334) 673-2143", "mental-health"}
				got := []string{f.Name, strings.Join(f.AlternateNames, ";"), f.Phones.Main, f.FacilityType}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("record mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestParseSAMHSA2015Canceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ParseSAMHSA2015(ctx, strings.NewReader(trickyCSV), ParseOptions{}); err != context.Canceled {
		t.Errorf("got error %v, want context.Canceled", err)
	}
}

func TestParseContact(t *testing.T) {
	tests := []struct {
		in   string
		want contact
	}{
		{"(334)428-5050 Intake: (334)428-5040",
			contact{phones: directory.Phones{Main: "(334) 428-5050", Intake: "(334) 428-5040"}}},
		{"(205)923-6552x12 Intakes: (205)923-6552x10 (205)923- 6552x13",
			contact{phones: directory.Phones{Main: "(205) 923-6552 ext. 12", Intake: "(205) 923-6552 ext. 10"}, moreIntake: []string{"(205) 923-6552 ext. 13"}}},
		{"(800)555-0100", contact{phones: directory.Phones{Main: "(800) 555-0100"}}},
		{"(213)739-1627 Intakes: (213)744-0724 (213)342-3114 (213) 381-0510",
			contact{phones: directory.Phones{Main: "(213) 739-1627", Intake: "(213) 744-0724"}, moreIntake: []string{"(213) 342-3114", "(213) 381-0510"}}},
		{"(505)555-0100 Hotline: (800)555-0123 Intake: (505)555-0101",
			contact{phones: directory.Phones{Main: "(505) 555-0100", Intake: "(505) 555-0101", Hotline: "(800) 555-0123"}}},
		{"(505)555-0100 (505)555-0102", contact{phones: directory.Phones{Main: "(505) 555-0100"}, more: []string{"(505) 555-0102"}}},
		{"", contact{}},
		{"call the front desk", contact{leftover: "call the front desk"}},
		{"(213)739-1627 Intakes: (213)", contact{phones: directory.Phones{Main: "(213) 739-1627"}, leftover: "(213)"}},
		{"(213)739-1627 Intake:", contact{phones: directory.Phones{Main: "(213) 739-1627"}, leftover: "intake:"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := parseContact(tt.in)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(contact{})); diff != "" {
				t.Errorf("parseContact(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestRejoinContact(t *testing.T) {
	tests := []struct {
		contact, note string
		want          string
		wantOK        bool
	}{
		{"(213)739-1627 Intakes: (213)744-0724 (213)", "381-0510", "(213)739-1627 Intakes: (213)744-0724 (213)381-0510", true},
		{"(305)572-7129 Intakes: (305)825-", "0300", "(305)572-7129 Intakes: (305)825-0300", true},
		{"(206)721-5170 Intakes: (206)", "466-5112x2319", "(206)721-5170 Intakes: (206)466-5112x2319", true},
		{"(305)572-7129 Intakes: (305)825-", "381-0510", "(305)572-7129 Intakes: (305)825-", false},
		{"(213)739-1627 Intakes: (213)", "0300", "(213)739-1627 Intakes: (213)", false},
		{"(213)739-1627", "381-0510", "(213)739-1627", false},
		{"(213)739-1627 (213)", "Methadone Clients Only", "(213)739-1627 (213)", false},
	}
	for _, tt := range tests {
		got, ok := rejoinContact(tt.contact, tt.note)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("rejoinContact(%q, %q) = %q, %v; want %q, %v", tt.contact, tt.note, got, ok, tt.want, tt.wantOK)
		}
	}
}

func mustParse(tb testing.TB, input string, opts ParseOptions) *ParseReport {
	tb.Helper()
	rep, err := ParseSAMHSA2015(context.Background(), strings.NewReader(input), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func mustReadShared(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(sharedFile(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

const samhsa2015File = "data/samhsa-directory-2015.csv"

func TestParseSAMHSA2015RealFile(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the 11,928-row national directory; skipped under -short")
	}
	raw := mustReadShared(t, samhsa2015File)
	tax := directory.DefaultTaxonomy()
	rep, err := ParseSAMHSA2015(context.Background(), bytes.NewReader(raw), ParseOptions{Taxonomy: tax})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rep.Records); n < 11900 {
		t.Errorf("got %d records, want at least 11,900; rejections: %v", n, rep.Rejected)
	}

	ids := map[string]int{}
	for _, r := range rep.Records {
		if first, dup := ids[r.Facility.ID]; dup {
			t.Errorf("line %d has the id %s of line %d", r.Line, r.Facility.ID, first)
		}
		ids[r.Facility.ID] = r.Line
		if err := r.Facility.Validate(tax); err != nil {
			t.Errorf("line %d: %v", r.Line, err)
		}
	}

	again, err := ParseSAMHSA2015(context.Background(), bytes.NewReader(raw), ParseOptions{Taxonomy: tax})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recordIDs(rep), recordIDs(again)); diff != "" {
		t.Errorf("second parse gave other IDs (-first +second):\n%s", diff)
	}

	// Reversed rows: the same IDs (the real file has no multi-line fields).
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\n")
	body := slices.Clone(lines[1:])
	slices.Reverse(body)
	reversed := mustParse(t, lines[0]+"\n"+strings.Join(body, "\n")+"\n", ParseOptions{Taxonomy: tax})
	fwd, bwd := recordIDs(rep), recordIDs(reversed)
	slices.Sort(fwd)
	slices.Sort(bwd)
	if diff := cmp.Diff(fwd, bwd); diff != "" {
		t.Errorf("reversed file gave other IDs (-forward +reversed):\n%s", diff)
	}

	t.Run("known facilities", func(t *testing.T) {
		find := func(name, alt, zip string) directory.Facility {
			t.Helper()
			for _, r := range rep.Records {
				f := r.Facility
				if f.Name == name && f.Address.ZIP == zip && (alt == "" || slices.Contains(f.AlternateNames, alt)) {
					return f
				}
			}
			t.Fatalf("no %s %s at %s", name, alt, zip)
			return directory.Facility{}
		}
		spectra := find("SpectraCare", "Henry County/IOP", "36310")
		want := []string{"AL", "(334) 673-2143", "mental-health", "true", "true", "true"}
		got := []string{spectra.Address.State, spectra.Phones.Main, spectra.FacilityType,
			yes(slices.Contains(spectra.Services.Care, "outpatient")),
			yes(slices.Contains(spectra.Services.Care, "standard-outpatient")),
			yes(slices.Contains(spectra.Services.Payment, "medicaid"))}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("SpectraCare Henry County/IOP mismatch (-want +got):\n%s", diff)
		}
		shelby := find("Shelby County Treatment Center", "", "35007")
		if diff := cmp.Diff([]string{"buprenorphine", "methadone", "naltrexone"}, shelby.Services.Medication); diff != "" {
			t.Errorf("Shelby County Treatment Center medications mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("padded ZIP codes", func(t *testing.T) {
		got := map[string]int{}
		re := regexp.MustCompile(`^ZIP_Code "[0-9]+" has ([34]) digits`)
		for _, w := range rep.Warnings {
			if m := re.FindStringSubmatch(w.Reason); m != nil {
				got[m[1]]++
			}
		}
		if diff := cmp.Diff(map[string]int{"4": 1099, "3": 111}, got); diff != "" {
			t.Errorf("padded ZIP codes by digits mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("unmapped codes", func(t *testing.T) {
		for _, code := range []string{"OTPA", "F65", "N33"} {
			if rep.UnmappedCodes[code] == 0 {
				t.Errorf("UnmappedCodes lacks %s: %v", code, rep.UnmappedCodes)
			}
		}
		for _, code := range []string{"SA", "SAF", "MHSAF", "VAMC", "OP", "IHS", "Methadone", "BC", "FEM", "MALE", "FX", "NX", "F66", "F19", "N23", "N40"} {
			if n := rep.UnmappedCodes[code]; n != 0 {
				t.Errorf("UnmappedCodes[%s] = %d, want none", code, n)
			}
		}
	})
}

// TestParseSAMHSA2015RealFidelity checks that what the real directory says
// reaches the records: whole names, every legend code the taxonomy has a
// term for, and no fact the file does not give.
func TestParseSAMHSA2015RealFidelity(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the 11,928-row national directory; skipped under -short")
	}
	raw := mustReadShared(t, samhsa2015File)
	tax := directory.DefaultTaxonomy()
	rep, err := ParseSAMHSA2015(context.Background(), bytes.NewReader(raw), ParseOptions{Taxonomy: tax})
	if err != nil {
		t.Fatal(err)
	}
	// Count the rows carrying each code, reading the file independently.
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	keysCol := slices.Index(rows[0], "Keys")
	rowsWith := map[string]int{}
	for _, r := range rows[1:] {
		seen := map[string]bool{}
		for k := range strings.SplitSeq(r[keysCol], "/") {
			if k = strings.TrimSpace(k); k != "" && !seen[k] {
				seen[k] = true
				rowsWith[k]++
			}
		}
	}
	if len(rep.Records) != len(rows)-1 {
		t.Fatalf("%d records from %d rows", len(rep.Records), len(rows)-1)
	}
	legend, _ := tax.Legend(directory.LegendSAMHSA2015)
	got := map[directory.TermRef]int{}
	for _, r := range rep.Records {
		for _, g := range directory.Groups() {
			for _, slug := range r.Facility.Services.Get(g) {
				got[directory.TermRef{Group: g, Slug: slug}]++
			}
		}
	}
	// Each code of the legend that names a term alone: the records with
	// the term are the rows with the code.
	for _, c := range []struct {
		code string
		g    directory.Group
		slug string
	}{
		{"F4", directory.GroupLanguage, "ar"}, {"F17", directory.GroupLanguage, "zh"}, {"F19", directory.GroupLanguage, "ht"},
		{"F25", directory.GroupLanguage, "fa"}, {"F28", directory.GroupLanguage, "fr"}, {"F30", directory.GroupLanguage, "de"},
		{"F31", directory.GroupLanguage, "el"}, {"F35", directory.GroupLanguage, "he"}, {"F36", directory.GroupLanguage, "hi"},
		{"F37", directory.GroupLanguage, "hmn"}, {"F42", directory.GroupLanguage, "it"}, {"F43", directory.GroupLanguage, "ja"},
		{"F47", directory.GroupLanguage, "ko"}, {"F66", directory.GroupLanguage, "pl"}, {"F67", directory.GroupLanguage, "pt"},
		{"F70", directory.GroupLanguage, "ru"}, {"F81", directory.GroupLanguage, "tl"}, {"F92", directory.GroupLanguage, "vi"},
		{"N13", directory.GroupLanguage, "hop"}, {"N18", directory.GroupLanguage, "lkt"}, {"N23", directory.GroupLanguage, "nv"},
		{"N24", directory.GroupLanguage, "oj"}, {"N40", directory.GroupLanguage, "ypk"}, {"FX", directory.GroupLanguage, "other"},
		{"NX", directory.GroupLanguage, "nai"}, {"SP", directory.GroupLanguage, "es"}, {"AH", directory.GroupLanguage, "ase"},
		{"FEM", directory.GroupGender, "female"}, {"MALE", directory.GroupGender, "male"},
		{"BC", directory.GroupPopulation, "beds-for-children"},
	} {
		refs := legend.Terms(c.code)
		if !slices.Contains(refs, directory.TermRef{Group: c.g, Slug: c.slug}) {
			t.Errorf("the 2015 legend maps %s onto %v, want %s/%s", c.code, refs, c.g, c.slug)
		}
		if ref := (directory.TermRef{Group: c.g, Slug: c.slug}); got[ref] != rowsWith[c.code] || got[ref] == 0 {
			t.Errorf("%s=%s: %d records, %d rows carry %s", c.g, c.slug, got[ref], rowsWith[c.code], c.code)
		}
	}
	if rowsWith["F66"] != 116 {
		t.Errorf("%d rows carry F66 (Polish), the issue counted 116", rowsWith["F66"])
	}

	// Names: none is a cut-off first line, and the wrapped ones were joined.
	if rep.NamesJoined < 200 {
		t.Errorf("%d names joined, want the ~200 the file wraps", rep.NamesJoined)
	}
	for _, r := range rep.Records {
		f := r.Facility
		if endsInConnector(f.Name) {
			t.Errorf("line %d: name %q is cut off", r.Line, f.Name)
		}
		if f.Open247 != nil {
			t.Errorf("line %d: open_24_7 = %v, but the file says nothing about hours", r.Line, *f.Open247)
		}
	}
	for _, want := range []string{
		"Department of Veterans Affairs Medical Center", "Cahaba Center for Substance Abuse Services",
		"Safe Harbor Treatment Center for Women Inc",
	} {
		if !slices.ContainsFunc(rep.Records, func(r ImportRecord) bool { return r.Facility.Name == want }) {
			t.Errorf("no facility named %q", want)
		}
	}
	t.Logf("names joined: %d; codes kept raw: %v", rep.NamesJoined, rep.UnmappedCodes)
}

func yes(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func recordIDs(rep *ParseReport) []string {
	ids := make([]string, len(rep.Records))
	for i, r := range rep.Records {
		ids[i] = r.Facility.ID
	}
	return ids
}

func BenchmarkParseSAMHSA2015(b *testing.B) {
	raw := mustReadShared(b, samhsa2015File)
	tax := directory.DefaultTaxonomy()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSAMHSA2015(context.Background(), bytes.NewReader(raw), ParseOptions{Taxonomy: tax}); err != nil {
			b.Fatal(err)
		}
	}
}

// warningReasons drops the kinds of ws, to compare them as text.
func warningReasons(ws []Warning) []Rejection {
	out := make([]Rejection, len(ws))
	for i, w := range ws {
		out[i] = Rejection{w.Line, w.Reason}
	}
	return out
}

func kindInfo(k WarningKind) WarningKindInfo {
	for _, info := range WarningKinds() {
		if info.Kind == k {
			return info
		}
	}
	panic("no warning kind " + k)
}

// TestParseSAMHSA2015ControlCharacters: NUL bytes and other control
// characters, which PostgreSQL refuses, are removed at the edge with a
// warning; the row is kept.
func TestParseSAMHSA2015ControlCharacters(t *testing.T) {
	csv := samhsaHeader +
		"Nul\x00 Clinic,,,1 Main\x00 Street,,,Dover,DE,19901,(302)555-0102\x07,,SAF/SA/OP/,0002DE19901,-75.52,39.15,100.0\n"
	rep := mustParse(t, csv, ParseOptions{})
	if len(rep.Records) != 1 {
		t.Fatalf("records %d, rejected %v", len(rep.Records), rep.Rejected)
	}
	f := rep.Records[0].Facility
	if f.Name != "Nul Clinic" || f.Address.Lines[0] != "1 Main Street" || f.Phones.Main != "(302) 555-0102" {
		t.Errorf("cleaned record: %q %q %q", f.Name, f.Address.Lines, f.Phones.Main)
	}
	if err := f.Validate(directory.DefaultTaxonomy()); err != nil {
		t.Errorf("cleaned record is invalid: %v", err)
	}
	n := 0
	for _, w := range rep.Warnings {
		if strings.Contains(w.Reason, "control characters") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d control-character warnings, want 3 (Name1, Address1, Contact): %v", n, rep.Warnings)
	}
}
