package directory_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/carefinder/carefinder/directory"
)

func TestReports(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			for _, id := range []string{"a1", "b2", "gone"} {
				f := sampleFacility(id)
				if err := s.Create(ctx, &f); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Delete(ctx, "gone"); err != nil {
				t.Fatal(err)
			}
			first := directory.Report{FacilityID: "a1", Kind: directory.ReportWrongPhone,
				Message: "  The number is now (615) 555-0199.\r\nAsk for intake.\x00\x1b[31m ", Contact: "me@example.org", ClientHash: "h1"}
			if err := s.AddReport(ctx, &first); err != nil {
				t.Fatal(err)
			}
			if first.ID == "" || first.Status != directory.ReportNew || first.CreatedAt.IsZero() {
				t.Errorf("AddReport left %+v", first)
			}
			if want := "The number is now (615) 555-0199.\nAsk for intake.[31m"; first.Message != want {
				t.Errorf("message cleaned to %q, want %q", first.Message, want)
			}
			second := directory.Report{FacilityID: "b2", Kind: directory.ReportClosed}
			if err := s.AddReport(ctx, &second); err != nil {
				t.Fatal(err)
			}
			third := directory.Report{FacilityID: "a1", Kind: directory.ReportOther, Message: "Closed on Sundays now"}
			if err := s.AddReport(ctx, &third); err != nil {
				t.Fatal(err)
			}

			ignoreTime := cmpopts.IgnoreFields(directory.Report{}, "CreatedAt")
			got, err := s.Reports(ctx, directory.ReportFilter{FacilityID: "a1"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]directory.Report{third, first}, got, ignoreTime); diff != "" {
				t.Errorf("reports on a1, newest first (-want +got):\n%s", diff)
			}
			if !got[1].CreatedAt.Equal(first.CreatedAt) {
				t.Errorf("created_at %v, stored %v", got[1].CreatedAt, first.CreatedAt)
			}
			all, err := s.Reports(ctx, directory.ReportFilter{Status: directory.ReportNew, Limit: 2})
			if err != nil || len(all) != 2 {
				t.Errorf("Reports(new, limit 2) = %d reports, %v", len(all), err)
			}

			bad := []struct {
				r     directory.Report
				code  string
				param string
			}{
				{directory.Report{FacilityID: "nope", Kind: directory.ReportClosed}, directory.ENOTFOUND, "id"},
				{directory.Report{FacilityID: "gone", Kind: directory.ReportClosed}, directory.ENOTFOUND, "id"},
				{directory.Report{FacilityID: "a1", Kind: "spam"}, directory.EINVALID, "kind"},
				{directory.Report{FacilityID: "a1", Kind: directory.ReportOther, Message: " \x07 "}, directory.EINVALID, "message"},
				{directory.Report{FacilityID: "a1", Kind: directory.ReportOther, Message: strings.Repeat("é", directory.MaxReportMessage+1)}, directory.EINVALID, "message"},
				{directory.Report{FacilityID: "a1", Kind: directory.ReportClosed, Contact: strings.Repeat("x", directory.MaxReportContact+1)}, directory.EINVALID, "contact"},
				{directory.Report{FacilityID: "a1", Kind: directory.ReportClosed, Contact: "a\nb"}, directory.EINVALID, "contact"},
			}
			for _, tt := range bad {
				err := s.AddReport(ctx, &tt.r)
				var de *directory.Error
				if !errors.As(err, &de) || de.Code != tt.code || de.Param != tt.param {
					t.Errorf("AddReport(%.60v) = %v, want %s on %s", tt.r, err, tt.code, tt.param)
				}
			}
			if n, _ := s.Reports(ctx, directory.ReportFilter{}); len(n) != 3 {
				t.Errorf("%d reports stored after the bad ones, want 3", len(n))
			}
		})
	}
}

func TestCleanMessage(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                    "plain",
		"  trim me \n":             "trim me",
		"tab\there":                "tab here",
		"line\r\nbreak\rCR":        "line\nbreak CR",
		"bell\x07 nul\x00 esc\x1b": "bell nul esc",
		"bidi\u202eevil\u200b":     "bidievil",
		"bad utf8 \xff\xfe ok":     "bad utf8  ok",
		"señal ✓":                  "señal ✓",
	} {
		if got := directory.CleanMessage(in); got != want {
			t.Errorf("CleanMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
