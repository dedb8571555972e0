package directory_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
)

// A dry run can list the facilities an import would change; ActiveIDs
// lists the active ones, or those written since a time.
func TestImportListChangesAndActiveIDs(t *testing.T) {
	for kind, open := range storeKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			a, b, c := sampleFacility("a"), sampleFacility("b"), sampleFacility("c")
			for _, f := range []*directory.Facility{&a, &b, &c} {
				f.Source = "src"
				f.Address.Lines = []string{f.ID + " Main Street"}
				f.Name = "Clinic " + f.ID
			}
			opts := directory.ImportOptions{Source: "src", Complete: true}
			if _, err := s.Import(ctx, []directory.Facility{a, b}, opts); err != nil {
				t.Fatal(err)
			}
			before := time.Now().UTC().Add(-time.Second)
			b.Phones.Main = "(615) 555-0199"
			opts.DryRun, opts.ListChanges = true, true
			res, err := s.Import(ctx, []directory.Facility{b, c}, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := []directory.ImportChange{
				{Kind: "updated", ID: "b", Name: "Clinic b"},
				{Kind: "inserted", ID: "c", Name: "Clinic c"},
				{Kind: "removed", ID: "a", Name: "Clinic a"},
			}
			if diff := cmp.Diff(want, res.Changes); diff != "" {
				t.Errorf("Changes (-want +got):\n%s", diff)
			}
			ids, err := s.ActiveIDs(ctx, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"a", "b"}, ids); diff != "" {
				t.Errorf("the dry run changed the store (-want +got):\n%s", diff)
			}
			opts.DryRun, opts.ListChanges = false, false
			if _, err := s.Import(ctx, []directory.Facility{b, c}, opts); err != nil {
				t.Fatal(err)
			}
			ids, err = s.ActiveIDs(ctx, before)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"b", "c"}, ids); diff != "" {
				t.Errorf("modified since (-want +got):\n%s", diff)
			}
			if ids, _ := s.ActiveIDs(ctx, time.Now().Add(time.Hour)); len(ids) != 0 {
				t.Errorf("modified in the future: %v", ids)
			}
		})
	}
}
