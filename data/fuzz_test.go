package data

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/carefinder/carefinder/directory"
)

// The parsers never panic, whatever the input, and every record they keep
// is a valid facility with a unique id. The seed corpora are in
// testdata/fuzz; run one for real with
//
//	go test -run '^$' -fuzz FuzzParseFindTreatment -fuzztime 10m -parallel 1 ./data/

// checkReport checks what every parser promises of its report.
func checkReport(t *testing.T, rep *ParseReport, err error) {
	t.Helper()
	if err != nil {
		if rep != nil {
			t.Fatalf("a report with an error: %v", err)
		}
		return
	}
	tax := directory.DefaultTaxonomy()
	ids := map[string]bool{}
	for _, r := range rep.Records {
		f := r.Facility
		if err := f.Validate(tax); err != nil {
			t.Fatalf("line %d: kept an invalid facility: %v", r.Line, err)
		}
		if ids[f.ID] {
			t.Fatalf("line %d: id %s twice", r.Line, f.ID)
		}
		ids[f.ID] = true
	}
	for _, r := range rep.Rejected {
		if r.Reason == "" || r.Line < 0 {
			t.Fatalf("a rejection without a reason or line: %+v", r)
		}
	}
}

func seedFiles(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseFindTreatment(f *testing.F) {
	seedFiles(f, "testdata/findtreatment/sample.json")
	f.Add([]byte(`{"page":1,"totalPages":1,"rows":[{"frid":"a","name1":"A","state":"TN","zip":"37203","latitude":"36.1","longitude":"-86.7","services":[{"f2":"SET","f3":"Outpatient; Residential"}]}]}`))
	f.Add([]byte(`{"rows":null} {"rows":[]} [`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := ParseFindTreatment(context.Background(), bytes.NewReader(in), ParseOptions{})
		checkReport(t, rep, err)
	})
}

func FuzzParseHSDSJSON(f *testing.F) {
	seedFiles(f, "testdata/hsds-json/services.json")
	f.Add([]byte(`{"contents":[{"id":"s","name":"A","status":"active","service_at_locations":[{"id":"x","location":{"id":"l","location_type":"physical","latitude":36.1,"longitude":-86.7}}]}]}`))
	f.Add([]byte("{\"id\":\"s\",\"name\":\"A\"}\n{\"id\":\"t\"}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := ParseHSDSJSON(context.Background(), bytes.NewReader(in), ParseOptions{})
		checkReport(t, rep, err)
	})
}

// FuzzParseHSDSCSV fuzzes the three tables a facility needs; the others
// come from the golden export.
func FuzzParseHSDSCSV(f *testing.F) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "hsds-csv", name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	services, sals, locations := read("services.csv"), read("service_at_location.csv"), read("locations.csv")
	f.Add(services, sals, locations)
	f.Add([]byte("id,name,status\ns,A,active\n"), []byte("id,service_id,location_id\nx,s,l\n"), []byte("id,latitude,longitude\nl,36.1,-86.7\n"))
	rest := fstest.MapFS{}
	for _, name := range []string{"organizations.csv", "addresses.csv", "phones.csv", "schedules.csv", "languages.csv", "attributes.csv", "taxonomy_terms.csv"} {
		rest[name] = &fstest.MapFile{Data: read(name)}
	}
	f.Fuzz(func(t *testing.T, services, sals, locations []byte) {
		fsys := fstest.MapFS{
			"services.csv":            &fstest.MapFile{Data: services},
			"service_at_location.csv": &fstest.MapFile{Data: sals},
			"locations.csv":           &fstest.MapFile{Data: locations},
		}
		for k, v := range rest {
			fsys[k] = v
		}
		rep, err := ParseHSDSCSV(context.Background(), fsys, ParseOptions{})
		checkReport(t, rep, err)
	})
}

func FuzzParseSAMHSA2015(f *testing.F) {
	f.Add([]byte(trickyCSV))
	f.Add([]byte(samhsaHeader + "A,,,1 Main St,,,Nashville,TN,37203,(615)555-0100,,SAF/SA/OP/,1,-86.7,36.1,100\n"))
	f.Add([]byte(strings.ReplaceAll(samhsaHeader, ",", ";")))
	f.Fuzz(func(t *testing.T, in []byte) {
		rep, err := ParseSAMHSA2015(context.Background(), bytes.NewReader(in), ParseOptions{})
		checkReport(t, rep, err)
	})
}
