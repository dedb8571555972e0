package search

import (
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/searcher"

	"github.com/carefinder/carefinder/directory"
)

// labelMatcher finds the taxonomy terms a query word names, by their
// English and Spanish labels and keywords, with the same analyzer and the
// same typo tolerance as Bleve's text fields: "detx" names detox,
// "burprenorphine" buprenorphine, "español" Spanish, "rehab" every top
// kind of care.
type labelMatcher struct {
	analyzer analysis.Analyzer
	terms    []labelTerm
}

type labelTerm struct {
	ref    directory.TermRef
	tokens []string // analyzed tokens of both labels: Bleve's typo tolerance
	near   []string // analyzed tokens of the longer keywords: one typo at most
	exact  []string // analyzed tokens of the short keywords: no typo tolerance
}

// exactKeywordLen is the length up to which a keyword's token must be
// typed exactly: "mat" must not name the opioid medicines when a person
// types "man", "vets" veterans for "gets", "youth" the programs for teens
// for "south", nor "smart" support groups for "start". Longer keywords
// allow one typo ("alchohol", "withdrawl"), not Bleve's two: with two,
// "heroin" named the opioid medicines for "Berlin", "senior" older adults
// for "junior", "prison" the justice system for "Edison" — names in the
// directory.
const exactKeywordLen = 5

func newLabelMatcher(tax *directory.Taxonomy, analyzer analysis.Analyzer) *labelMatcher {
	lm := &labelMatcher{analyzer: analyzer}
	for _, t := range tax.Terms("") {
		lt := labelTerm{ref: directory.TermRef{Group: t.Group, Slug: t.Slug}}
		seen := map[string]bool{}
		for _, text := range []string{t.Label.EN, t.Label.ES} {
			for _, tok := range lm.analyze(text) {
				if !seen[tok] {
					seen[tok] = true
					lt.tokens = append(lt.tokens, tok)
				}
			}
		}
		for _, kw := range t.Keywords {
			for _, tok := range lm.analyze(kw) {
				switch {
				case seen[tok]:
				case len(tok) <= exactKeywordLen:
					seen[tok] = true
					lt.exact = append(lt.exact, tok)
				default:
					seen[tok] = true
					lt.near = append(lt.near, tok)
				}
			}
		}
		lm.terms = append(lm.terms, lt)
	}
	return lm
}

func (lm *labelMatcher) analyze(text string) []string {
	var out []string
	for _, t := range lm.analyzer.Analyze([]byte(text)) {
		out = append(out, string(t.Term))
	}
	return out
}

// match returns the terms whose labels (or keywords) contain every token
// of word, each within Bleve's automatic fuzziness for its length (one
// typo or none for keywords). Only the closest
// terms are kept: "medicaid" names Medicaid, not also Medicare two edits
// away; "detx" still names detox.
func (lm *labelMatcher) match(word string) []directory.TermRef {
	toks := lm.analyze(word)
	if len(toks) == 0 {
		return nil
	}
	var out []directory.TermRef
	best := -1
	for _, lt := range lm.terms {
		worst := 0 // the distance of this term's worst-matching token
		for _, q := range toks {
			fuzz := searcher.GetAutoFuzziness(q)
			d := fuzz + 1
			for _, l := range lt.tokens {
				if abs(len(q)-len(l)) <= fuzz {
					d = min(d, directory.EditDistance(q, l))
				}
			}
			for _, l := range lt.near {
				if abs(len(q)-len(l)) <= 1 {
					if kd := directory.EditDistance(q, l); kd <= 1 {
						d = min(d, kd)
					}
				}
			}
			if slices.Contains(lt.exact, q) {
				d = 0
			}
			if d > fuzz {
				worst = -1
				break
			}
			worst = max(worst, d)
		}
		switch {
		case worst < 0 || (best >= 0 && worst > best):
		case best < 0 || worst < best:
			best, out = worst, []directory.TermRef{lt.ref}
		default:
			out = append(out, lt.ref)
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
