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
