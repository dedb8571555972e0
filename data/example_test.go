package data_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/carefinder/carefinder/data"
)

func ExampleParseSAMHSA2015() {
	const csv = `Name1,Name2,Name3,Address1,Address2,Address3,City,State,ZIP_Code,Contact,Note,Keys,loc_ID,Longitude,Latitude,Match Score
SpectraCare,Henry County/IOP,,219 Dothan Road,,,Abbeville,AL,36310,(334)673-2143 Intake: (334)673-2100x5,,MHF/SA/OP/ORT/MD/SP/FEM/OTPA/,7363AL36310,-85.2529,31.5534,100.0
Hartford Clinic,,,1 Main Street,,,Hartford,CT,6103,(860)555-0100,,SAF/SA/OP/,0001CT06103,-72.67,41.77,72.5
Nowhere Clinic,,,1 Main Street,,,Hartford,CT,06103,(860)555-0101,,SAF/SA/OP/,0002CT06103,0,0,100.0
`
	rep, err := data.ParseSAMHSA2015(context.Background(), strings.NewReader(csv), data.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Records {
		f := r.Facility
		fmt.Printf("line %d: %s %q, %s, %+v\n", r.Line, f.ID, f.Name, f.Address, f.Phones)
		fmt.Printf("  care %v, payment %v, gender %v, language %v, raw %v\n", f.Services.Care, f.Services.Payment, f.Services.Gender, f.Services.Language, f.RawCodes)
	}
	for _, w := range rep.Warnings {
		fmt.Printf("warning, line %d: %s\n", w.Line, w.Reason)
	}
	for _, r := range rep.Rejected {
		fmt.Printf("rejected, line %d: %s\n", r.Line, r.Reason)
	}
	// Output:
	// line 2: s15-569e377ff83012ad "SpectraCare", 219 Dothan Road, Abbeville, AL 36310, {Intake:(334) 673-2100 ext. 5 Main:(334) 673-2143 Hotline:}
	//   care [outpatient standard-outpatient], payment [medicaid], gender [female], language [en es], raw [OTPA]
	// line 3: s15-8a6831bee7451eb1 "Hartford Clinic", 1 Main Street, Hartford, CT 06103, {Intake: Main:(860) 555-0100 Hotline:}
	//   care [outpatient], payment [], gender [], language [en], raw []
	// warning, line 3: ZIP_Code "6103" has 4 digits; padded it to 06103
	// warning, line 3: approximate location: the geocoder's Match Score is 72.5, below 90
	// rejected, line 4: Longitude and Latitude are both 0: the location is missing
}

func ExampleGenerateDemo() {
	// Without a ZIP table the demo stays in the downtowns of large metros;
	// pass geo.Gazetteer.ZIPs() to spread it over the country.
	for _, f := range data.GenerateDemo(data.DemoOptions{Seed: 42, N: 3}) {
		fmt.Printf("%s %s, %s, %s: %v\n", f.ID, f.Name, f.Address.City, f.Address.State, f.Services.Care)
	}
	// Output:
	// demo-00001 Blue Sky Recovery Center, Cincinnati, OH: [outpatient standard-outpatient]
	// demo-00002 Providence Medical Center – Addiction Medicine, Miami, FL: [detox hospital-inpatient outpatient standard-outpatient telehealth]
	// demo-00003 Horizon Outpatient Services, Orlando, FL: [intensive-outpatient outpatient standard-outpatient]
}
