package directory_test

import (
	"strings"
	"testing"

	"github.com/carefinder/carefinder/directory"
)

func TestTaxonomyValidate(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	tests := []struct {
		g       directory.Group
		slug    string
		wantErr string // empty: valid
	}{
		{directory.GroupCare, "detox", ""},
		{directory.GroupCare, "residential-short-term", ""},
		{directory.GroupLanguage, "ase", ""},
		{directory.GroupCare, "detx", `did you mean "detox"`},
		{directory.GroupCare, "methadone", "is in the medication group: use medication=methadone"},
		{directory.GroupPayment, "spanish", "see /api/v1/taxonomy"},
	}
	for _, tt := range tests {
		err := tax.Validate(tt.g, tt.slug)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Validate(%s, %s) = %v, want nil", tt.g, tt.slug, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Validate(%s, %s) = %v, want an error containing %q", tt.g, tt.slug, err, tt.wantErr)
		}
	}
}

func TestTaxonomyHierarchy(t *testing.T) {
	tax := directory.DefaultTaxonomy()
	got := strings.Join(tax.Descendants(directory.GroupCare, "inpatient"), ",")
	want := "inpatient,hospital-inpatient,residential,residential-short-term,residential-long-term"
	if got != want {
		t.Errorf("Descendants(inpatient) = %s, want %s", got, want)
	}
	if got := strings.Join(tax.Ancestors(directory.GroupCare, "residential-long-term"), ","); got != "residential-long-term,residential,inpatient" {
		t.Errorf("Ancestors = %s", got)
	}
	for _, term := range tax.Terms("") {
		if term.Label.EN == "" || term.Label.ES == "" || term.Explanation.EN == "" || term.Explanation.ES == "" {
			t.Errorf("%s/%s lacks a label or explanation in English or Spanish", term.Group, term.Slug)
		}
	}
	if refs := tax.FromSAMHSA("DM"); len(refs) != 2 {
		t.Errorf("DM maps to %v, want detox and methadone", refs)
	}
}
