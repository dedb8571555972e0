// Package search indexes the directory for filtered geo-search. A Bleve
// index on disk holds the text and keyword fields and answers the text part
// of a nationwide query; a derived in-memory catalog of every active
// facility (points on a grid, taxonomy terms as bit sets, records in a byte
// arena, a word index of its text) answers location, filters, facets and
// ordering exactly, with haversine distances, and the text within a radius,
// with Bleve's own matching and scoring. Both are
// derived from the directory store and kept in step with its change
// sequence; either can be rebuilt at any time.
//
// The package logs nothing; callers pass a context to every call.
package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/carefinder/carefinder/directory"
)

// mappingVersion changes whenever the mapping or the document layout does;
// an index built with another version is rebuilt on open.
const mappingVersion = "carefinder-facility-v7"

// Bleve field names.
const (
	fieldName       = "name"
	fieldAll        = "all"
	docTypeFacility = "facility"
)

// newMapping returns the Bleve mapping for facilities: English-analyzed text
// fields, and one keyword field per taxonomy group (terms expanded with
// their ancestors). Nothing is stored; records come from the catalog, so
// the index stays small.
//
// Only what textQuery asks for is indexed: the name (a boost for words in
// it) and all (names, alternate names, address, description…) as text, and
// the group fields (service labels become term queries on them). The
// catalog does location, order and filters, so no geopoint, sort key or
// separate alternate-names field is indexed (mapping v5 had them; indexing
// a geopoint was a good part of a build), and no field has doc values
// (v6 had them: Bleve neither sorts nor facets here). internal/bench's bleve engine
// builds its own index with its own mapping.
func newMapping() mapping.IndexMapping {
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldName, text())
	doc.AddFieldMappingsAt(fieldAll, text())
	for _, g := range directory.Groups() {
		doc.AddFieldMappingsAt(string(g), kw())
	}

	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.TypeField = "_type"
	m.AddDocumentMapping(docTypeFacility, doc)
	m.DefaultAnalyzer = en.AnalyzerName
	m.DefaultType = docTypeFacility
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	_ = keyword.Name
	return m
}

// bleveDoc is the document indexed for a facility.
func bleveDoc(f *directory.Facility, tax *directory.Taxonomy) map[string]any {
	doc := map[string]any{
		"_type":   docTypeFacility,
		fieldName: f.Name,
	}
	for _, g := range directory.Groups() {
		if terms := expandTerms(tax, g, f.Services.Get(g)); len(terms) > 0 {
			doc[string(g)] = terms
		}
	}
	// Service labels are not indexed as text: the taxonomy is small, so a
	// query word is matched against the labels once, and becomes term
	// queries on the keyword fields (see labelMatcher). That keeps the text
	// analyzed per facility to its names and address.
	all := []string{f.Name}
	all = append(all, f.AlternateNames...)
	all = append(all, f.Description, f.Note, f.Address.City, f.Address.State, f.Address.ZIP)
	all = append(all, f.Address.Lines...)
	all = append(all, f.Accreditations...)
	doc[fieldAll] = strings.Join(all, " \n ")
	return doc
}

// expandTerms returns the given slugs of group g together with all their
// ancestors, without duplicates, so that a filter on a parent term matches
// facilities that list only a child.
func expandTerms(tax *directory.Taxonomy, g directory.Group, slugs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range slugs {
		for _, a := range tax.Ancestors(g, s) {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// sortName is the key facilities are ordered by when sorted by name.
func sortName(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), " ")
}
