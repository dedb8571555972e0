package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	bquery "github.com/blevesearch/bleve/v2/search/query"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// Fields of the baseline's Bleve documents, besides one keyword field per
// taxonomy group.
const (
	bleveName     = "name"
	bleveAll      = "all"
	bleveLocation = "location"
	// bleveBatch is how many documents go into one Bleve batch (BLEVE.md:
	// large batches cost hundreds of MB).
	bleveBatch = 1000
)

// bleveEngine is Bleve used the obvious way (BLEVE.md, first row): its own
// scorch index with default settings (no spatial plugin, no forced merge),
// a geo-distance query, term filters, a geo-distance sort and term facets.
type bleveEngine struct {
	offsetPager
	idx  bleve.Index
	tax  *directory.Taxonomy
	ti   *termIndex
	byID map[string]*directory.Facility
}

func bleveMapping() mapping.IndexMapping {
	lean := func(f *mapping.FieldMapping) *mapping.FieldMapping {
		f.Store, f.IncludeInAll, f.IncludeTermVectors = false, false, false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	name := lean(bleve.NewTextFieldMapping())
	name.Analyzer = en.AnalyzerName
	doc.AddFieldMappingsAt(bleveName, name)
	all := lean(bleve.NewTextFieldMapping())
	all.Analyzer = en.AnalyzerName
	doc.AddFieldMappingsAt(bleveAll, all)
	for _, g := range directory.Groups() {
		doc.AddFieldMappingsAt(string(g), lean(bleve.NewKeywordFieldMapping()))
	}
	doc.AddFieldMappingsAt(bleveLocation, lean(bleve.NewGeoPointFieldMapping()))
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.DefaultAnalyzer = en.AnalyzerName
	return m
}

// bleveDocument is the document of a facility: its terms expanded with
// their ancestors (as search does), so that a filter on a parent term
// matches its children.
func bleveDocument(f *directory.Facility, tax *directory.Taxonomy) map[string]any {
	doc := map[string]any{
		bleveName:     f.Name,
		bleveLocation: []float64{f.Lon, f.Lat},
	}
	all := []string{f.Name}
	all = append(all, f.AlternateNames...)
	all = append(all, f.Description, f.Note, f.Address.City, f.Address.State, f.Address.ZIP)
	for _, g := range directory.Groups() {
		var terms []string
		seen := map[string]bool{}
		for _, slug := range f.Services.Get(g) {
			for _, a := range tax.Ancestors(g, slug) {
				if !seen[a] {
					seen[a] = true
					terms = append(terms, a)
					if t, ok := tax.Lookup(g, a); ok {
						all = append(all, t.Label.EN, t.Label.ES)
					}
				}
			}
		}
		if len(terms) > 0 {
			doc[string(g)] = terms
		}
	}
	doc[bleveAll] = strings.Join(all, " \n ")
	return doc
}

func openBleve(ctx context.Context, path string, ds *Dataset, tax *directory.Taxonomy) (*bleveEngine, error) {
	os.RemoveAll(path)
	idx, err := bleve.New(path, bleveMapping())
	if err != nil {
		return nil, fmt.Errorf("bleve: create %s: %w", path, err)
	}
	e := &bleveEngine{idx: idx, tax: tax, ti: newTermIndex(tax), byID: make(map[string]*directory.Facility, len(ds.Facilities))}
	for start := 0; start < len(ds.Facilities); start += bleveBatch {
		if err := ctx.Err(); err != nil {
			idx.Close()
			return nil, err
		}
		b := idx.NewBatch()
		for i := start; i < min(start+bleveBatch, len(ds.Facilities)); i++ {
			f := &ds.Facilities[i]
			e.byID[f.ID] = f
			if err := b.Index(f.ID, bleveDocument(f, tax)); err != nil {
				idx.Close()
				return nil, fmt.Errorf("bleve: index %s: %w", f.ID, err)
			}
		}
		if err := idx.Batch(b); err != nil {
			idx.Close()
			return nil, fmt.Errorf("bleve: batch: %w", err)
		}
	}
	return e, nil
}

func (e *bleveEngine) Name() string { return EngineBleve }
func (e *bleveEngine) Close() error { return e.idx.Close() }

// segments returns how many segments the index has at its root: more
// segments, slower queries (BLEVE.md).
func (e *bleveEngine) segments() int {
	st, _ := e.idx.StatsMap()["index"].(map[string]any)
	switch v := st["TotFileSegmentsAtRoot"].(type) {
	case uint64:
		return int(v)
	case int:
		return v
	}
	return -1
}

func (e *bleveEngine) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if err := q.Normalize(e.tax); err != nil {
		return nil, err
	}
	if !q.HasLocation || q.Sort != search.SortDistance {
		return nil, errUnsupported
	}
	offset, err := parseOffsetCursor(q.Cursor)
	if err != nil {
		return nil, err
	}
	// query is the search with every filter but skip's (skip "": all).
	query := func(skip directory.Group) bquery.Query {
		var must []bquery.Query
		if q.RadiusKm > 0 {
			gq := bleve.NewGeoDistanceQuery(q.Center[0], q.Center[1], strconv.FormatFloat(q.RadiusKm, 'f', -1, 64)+"km")
			gq.SetField(bleveLocation)
			must = append(must, gq)
		}
		for _, g := range directory.Groups() {
			if len(q.Filters[g]) == 0 || g == skip {
				continue
			}
			var any []bquery.Query
			for _, slug := range q.Filters[g] {
				tq := bleve.NewTermQuery(slug)
				tq.SetField(string(g))
				any = append(any, tq)
			}
			must = append(must, bleve.NewDisjunctionQuery(any...))
		}
		if q.Text != "" {
			mq := bleve.NewMatchQuery(q.Text)
			mq.SetField(bleveAll)
			mq.SetAutoFuzziness(true)
			mq.SetOperator(bquery.MatchQueryOperatorAnd)
			must = append(must, mq)
		}
		if len(must) == 0 {
			return bleve.NewMatchAllQuery()
		}
		return bleve.NewConjunctionQuery(must...)
	}
	req := bleve.NewSearchRequestOptions(query(""), q.Limit, offset, false)
	byDistance, err := bsearch.NewSortGeoDistance(bleveLocation, "km", q.Center[0], q.Center[1], false)
	if err != nil {
		return nil, err
	}
	req.SortByCustom(bsearch.SortOrder{byDistance, &bsearch.SortDocID{}})
	// Facets are disjunctive: the groups without a filter are counted
	// by the search itself, each filtered group by a search of its own
	// without its filter (Bleve's way: one request per such group).
	for _, g := range directory.Groups() {
		if len(q.Filters[g]) == 0 {
			req.AddFacet(string(g), bleve.NewFacetRequest(string(g), len(e.ti.group[g])))
		}
	}
	sr, err := e.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bleve: %w", err)
	}
	res := &search.Result{Total: int(sr.Total), Facets: e.ti.layout.NewFacets()}
	for _, g := range directory.Groups() {
		facets := sr.Facets
		if len(q.Filters[g]) > 0 {
			fr := bleve.NewSearchRequestOptions(query(g), 0, 0, false)
			fr.AddFacet(string(g), bleve.NewFacetRequest(string(g), len(e.ti.group[g])))
			gr, err := e.idx.SearchInContext(ctx, fr)
			if err != nil {
				return nil, fmt.Errorf("bleve: facets of %s: %w", g, err)
			}
			facets = gr.Facets
		}
		if fr := facets[string(g)]; fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				if err := res.Facets.Set(g, t.Term, t.Count); err != nil {
					return nil, fmt.Errorf("bleve: %w", err)
				}
			}
		}
	}
	for _, h := range sr.Hits {
		f, ok := e.byID[h.ID]
		if !ok {
			return nil, fmt.Errorf("bleve: hit %q is not in the directory", h.ID)
		}
		res.Hits = append(res.Hits, search.Hit{Facility: f, DistanceKm: geo.DistanceKm(q.Center, orb.Point{f.Lon, f.Lat})})
	}
	if offset+len(sr.Hits) < int(sr.Total) {
		res.NextCursor = offsetCursor(offset + q.Limit)
	}
	return res, nil
}
