package directory_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
)

// edition is a record of a source's edition: ID is the id its importer
// derived from the record's content, which changes when the content does.
func edition(id, name, street, phone string, care ...string) directory.Facility {
	f := sampleFacility(id)
	f.Name, f.AlternateNames = name, nil
	f.Address.Lines = []string{street}
	f.Phones = directory.Phones{Main: phone}
	f.Services.Care = care
	f.Provenance = directory.Provenance{Source: "edition", SourceID: "loc-" + id, LastVerified: "2015-01-01"}
	return f
}

func TestStoreImportRecognizesAnEditionsFacilities(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			first := []directory.Facility{
				edition("a1", "Cahaba Center for Substance Abuse Services", "100 North Main Street", "(205) 555-0100", "detox"),
				edition("b1", "Oak House Outpatient", "20 Elm Road", "(205) 555-0200", "outpatient"),
				edition("c1", "Oak House Residential", "20 Elm Road", "(205) 555-0201", "residential"),
				edition("d1", "Harbor Clinic", "5 Dock Street", "(205) 555-0300", "outpatient"),
				edition("e1", "Closed Clinic", "9 Gone Lane", "(205) 555-0400", "outpatient"),
			}
			if _, err := s.Import(ctx, first, directory.ImportOptions{Source: "edition", Complete: true}); err != nil {
				t.Fatal(err)
			}
			// The next edition: every record's content id changed.
			second := func() []directory.Facility {
				return []directory.Facility{
					// Renamed, new phone, new services, the street spelled short.
					edition("a2", "Cahaba Center", "100 N Main St", "(205) 555-0199", "detox", "residential"),
					// Two programs at one site: told apart by name, the
					// order of the file changed, both phones changed.
					edition("c2", "Oak House Residential Program", "20 Elm Rd", "(205) 555-0211", "residential"),
					edition("b2", "Oak House Outpatient", "20 Elm Rd", "(205) 555-0210", "outpatient"),
					// Moved down the street, same name and city.
					edition("d2", "Harbor Clinic", "77 Dock Street", "(205) 555-0300", "outpatient"),
					// New.
					edition("f2", "New Start", "1 New Street", "(205) 555-0500", "detox"),
				}
			}
			res, err := s.Import(ctx, second(), directory.ImportOptions{Source: "edition", Complete: true})
			if err != nil {
				t.Fatal(err)
			}
			want := directory.ImportResult{Inserted: 1, Updated: 4, Recognized: 4, Removed: 1}
			if diff := cmp.Diff(want, res); diff != "" {
				t.Errorf("second edition (-want +got):\n%s", diff)
			}
			for id, wantName := range map[string]string{
				"a1": "Cahaba Center", "b1": "Oak House Outpatient", "c1": "Oak House Residential Program",
				"d1": "Harbor Clinic", "f2": "New Start",
			} {
				f, err := s.Get(ctx, id)
				if err != nil || !f.Active || f.Name != wantName {
					t.Errorf("Get(%s) = %+v, %v; want active %q", id, f, err, wantName)
				}
			}
			if f, _ := s.Get(ctx, "b1"); f.Phones.Main != "(205) 555-0210" {
				t.Errorf("b1 took the phone %q, not its own program's", f.Phones.Main)
			}
			for _, id := range []string{"a2", "b2", "c2", "d2"} {
				if _, err := s.Get(ctx, id); directory.ErrorCode(err) != directory.ENOTFOUND {
					t.Errorf("Get(%s) = %v: a second facility beside the first", id, err)
				}
			}
			if f, _ := s.Get(ctx, "e1"); f.Active {
				t.Errorf("e1, gone from the second edition, is still active")
			}
			if n, _ := s.Count(ctx); n != 5 {
				t.Errorf("%d active facilities, want 5", n)
			}

			// The same edition again changes nothing, and an edition that
			// brings e1 back reactivates it. (Import gave the records of
			// the slice it was passed their stored ids: pass fresh ones.)
			res, err = s.Import(ctx, second(), directory.ImportOptions{Source: "edition", Complete: true})
			if diff := cmp.Diff(directory.ImportResult{Unchanged: 5, Recognized: 4}, res); err != nil || diff != "" {
				t.Errorf("second edition again, %v (-want +got):\n%s", err, diff)
			}
			back := append(second(), edition("e1", "Closed Clinic", "9 Gone Lane", "(205) 555-0400", "outpatient"))
			res, err = s.Import(ctx, back, directory.ImportOptions{Source: "edition", Complete: true})
			if diff := cmp.Diff(directory.ImportResult{Updated: 1, Unchanged: 5, Recognized: 4}, res); err != nil || diff != "" {
				t.Errorf("e1 back, %v (-want +got):\n%s", err, diff)
			}
			if f, _ := s.Get(ctx, "e1"); !f.Active {
				t.Errorf("e1 not active again")
			}
		})
	}
}

func TestStoreImportStableSourceIDs(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			a := edition("x1", "Valley Clinic", "1 A Street", "(205) 555-0100", "outpatient")
			if _, err := s.Import(ctx, []directory.Facility{a}, directory.ImportOptions{Source: "edition", SourceIDsStable: true}); err != nil {
				t.Fatal(err)
			}
			// Renamed and moved across town: only the source's id says so.
			b := edition("x2", "Mountain Clinic", "900 Z Avenue", "(205) 555-0999", "outpatient")
			b.SourceID = a.SourceID
			b.Address.ZIP = "37209"
			res, err := s.Import(ctx, []directory.Facility{b}, directory.ImportOptions{Source: "edition", SourceIDsStable: true})
			if diff := cmp.Diff(directory.ImportResult{Updated: 1, Recognized: 1}, res); err != nil || diff != "" {
				t.Errorf("%v (-want +got):\n%s", err, diff)
			}
		})
	}
}

func TestStoreImportRetiresDemo(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			demo := sampleFacility("demo-1")
			demo.Source = "demo"
			if _, err := s.Import(ctx, []directory.Facility{demo}, directory.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			real := edition("r1", "Real Clinic", "1 Real Street", "(205) 555-0100", "outpatient")
			res, err := s.Import(ctx, []directory.Facility{real}, directory.ImportOptions{Source: "edition", Retire: []string{"demo"}, DryRun: true})
			if diff := cmp.Diff(directory.ImportResult{Inserted: 1, Retired: 1}, res); err != nil || diff != "" {
				t.Errorf("dry run %v (-want +got):\n%s", err, diff)
			}
			if n, _ := s.Count(ctx); n != 1 {
				t.Errorf("dry run changed the store: %d active", n)
			}
			res, err = s.Import(ctx, []directory.Facility{real}, directory.ImportOptions{Source: "edition", Retire: []string{"demo"}})
			if diff := cmp.Diff(directory.ImportResult{Inserted: 1, Retired: 1}, res); err != nil || diff != "" {
				t.Errorf("%v (-want +got):\n%s", err, diff)
			}
			sources, err := s.Sources(ctx)
			if diff := cmp.Diff([]directory.SourceCount{{Source: "edition", Active: 1}}, sources); err != nil || diff != "" {
				t.Errorf("Sources %v (-want +got):\n%s", err, diff)
			}
		})
	}
}
