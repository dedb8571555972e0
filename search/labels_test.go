package search

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"github.com/carefinder/carefinder/directory"
)

func TestLabelMatcher(t *testing.T) {
	lm := newLabelMatcher(directory.DefaultTaxonomy(), newMapping().AnalyzerNamed(en.AnalyzerName))
	tests := []struct {
		word    string
		want    []string // group/slug that must be among the matches
		notWant []string
	}{
		{"detox", []string{"care/detox"}, []string{"care/outpatient"}},
		{"detx", []string{"care/detox"}, nil},
		{"Desintoxicación", []string{"care/detox"}, nil},
		{"burprenorphine", []string{"medication/buprenorphine"}, []string{"medication/methadone"}},
		{"suboxone", []string{"medication/buprenorphine"}, nil},
		{"spanish", []string{"language/es"}, []string{"language/en"}},
		{"español", []string{"language/es"}, nil},
		{"residential", []string{"care/residential", "care/residential-short-term", "care/residential-long-term"}, []string{"care/detox"}},
		{"womens", []string{"population/women", "population/pregnant-women"}, []string{"population/men"}},
		{"veterans", []string{"population/veterans"}, nil},
		{"medicaid", []string{"payment/medicaid"}, []string{"payment/medicare"}},
		// Keywords: the words people type for a term.
		{"rehab", []string{"care/detox", "care/inpatient", "care/outpatient"}, []string{"care/transitional-housing", "population/women"}},
		{"alcohol", []string{"care/detox", "care/inpatient", "care/outpatient"}, nil},
		{"drugs", []string{"care/detox", "care/outpatient"}, nil},
		{"tratamiento", []string{"care/outpatient"}, nil},
		{"iop", []string{"care/intensive-outpatient"}, []string{"care/outpatient"}},
		{"opioid", []string{"medication/methadone", "medication/buprenorphine", "medication/naltrexone"}, []string{"care/detox"}},
		{"heroin", []string{"medication/methadone"}, nil},
		{"adolescent", []string{"population/adolescents"}, nil},
		{"counseling", []string{"care/standard-outpatient", "therapy/individual-therapy", "therapy/group-therapy"}, nil},
		{"court", []string{"population/criminal-justice"}, nil},
		{"aa", []string{"therapy/support-groups"}, nil},
		{"dual", []string{"population/co-occurring"}, nil},
		{"withdrawl", []string{"care/detox"}, nil},           // a typo of a long keyword
		{"opiod", []string{"medication/buprenorphine"}, nil}, // a common misspelling, listed
		{"alchohol", []string{"care/outpatient"}, nil},
		// Short keywords are exact: "man" is not "mat", "gets" not "vets".
		{"man", nil, []string{"medication/methadone"}},
		{"mat", []string{"medication/methadone", "medication/buprenorphine"}, nil},
		{"gets", nil, []string{"population/veterans"}},
		{"south", nil, []string{"population/adolescents"}},
		{"start", nil, []string{"therapy/support-groups"}},
		{"youth", []string{"population/adolescents"}, nil},
		// Names in the directory that two typos from a keyword would
		// have matched.
		{"berlin", nil, []string{"medication/methadone"}},
		{"junior", nil, []string{"population/seniors"}},
		{"edison", nil, []string{"population/criminal-justice"}},
		{"independence", nil, []string{"care/outpatient"}},
		{"council", nil, []string{"care/standard-outpatient"}},
		{"based", nil, []string{"payment/sliding-scale"}},
		{"one", nil, []string{"therapy/individual-therapy"}},
		{"minority", nil, []string{"population/adolescents"}},
		// Words that ask for nothing in particular name every top kind of
		// care; insurers, private insurance; mothers, women.
		{"clinic", []string{"care/detox", "care/outpatient"}, nil},
		{"speaking", []string{"care/outpatient"}, nil},
		{"aetna", []string{"payment/private-insurance"}, []string{"payment/medicaid"}},
		{"bcbs", []string{"payment/private-insurance"}, nil},
		{"mothers", []string{"population/women"}, nil},
		{"maintenance", []string{"medication/methadone"}, nil},
		// Name words a typo from those: "Human Services" is no insurer,
		// "Peaks" does not speak, "Other" is no mother.
		{"human", nil, []string{"payment/private-insurance"}},
		{"peaks", nil, []string{"care/outpatient"}},
		{"other", nil, []string{"population/women"}},
		{"the", nil, []string{"care/detox"}},
		{"zzzz", nil, []string{"care/detox"}},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			var got []string
			for _, r := range lm.match(tt.word) {
				got = append(got, string(r.Group)+"/"+r.Slug)
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("match(%q) = %v, lacks %s", tt.word, got, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("match(%q) = %v, should not have %s", tt.word, got, w)
				}
			}
		})
	}
}
