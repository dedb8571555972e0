// Package searchtest is the brute-force oracle that search's answers are
// checked against, by the search and web tests and the benchmark's own
// fast oracle: haversine on every facility, every filter slug expanded to
// the terms below it, facets counted disjunctively. It is slow on purpose:
// nothing in it is clever enough to share a bug with the index.
package searchtest

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// Result is the oracle's answer to a query.
type Result struct {
	// IDs are every match, in the order the query asks for: nearest
	// first (ties by id) with a location, else by name (ties by id).
	IDs []string
	// Dists holds each match's distance from the center (NaN without one).
	Dists map[string]float64
	// Facets counts, for every term of every group, the facilities that
	// offer it (ancestors included) among those within the radius that
	// pass every filter — but, for a group with a filter, every filter
	// except the group's own (disjunctive facets).
	Facets map[directory.Group]map[string]int
	// NearestKm is the distance from the center to the nearest facility
	// that passes every filter, at any distance; NaN when none does or
	// the query has no location.
	NearestKm float64
}

// Answer answers q over all by brute force. Text is ignored (the oracle
// knows no English analysis): give it queries without text, or facilities
// that all match the text. Region is honoured.
func Answer(all []directory.Facility, q search.Query) Result {
	tax := directory.DefaultTaxonomy()
	type hit struct {
		id   string
		name string
		d    float64
	}
	var hits []hit
	res := Result{Dists: map[string]float64{}, Facets: map[directory.Group]map[string]int{}, NearestKm: math.NaN()}
	for _, g := range directory.Groups() {
		res.Facets[g] = map[string]int{}
		for _, t := range tax.Terms(g) {
			res.Facets[g][t.Slug] = 0
		}
	}
	for _, f := range all {
		if q.Region != nil && !q.Region.Contains(f.Address.State, orb.Point{f.Lon, f.Lat}) {
			continue
		}
		failed := Failed(tax, f, q.Filters)
		d := math.NaN()
		if q.HasLocation {
			d = geo.DistanceKm(q.Center, orb.Point{f.Lon, f.Lat})
			if len(failed) == 0 && (math.IsNaN(res.NearestKm) || d < res.NearestKm) {
				res.NearestKm = d
			}
			if q.RadiusKm > 0 && d > q.RadiusKm {
				continue
			}
		}
		for _, g := range directory.Groups() {
			// g's terms count when f passes every filter but g's own.
			if !(len(failed) == 0 || len(failed) == 1 && failed[0] == g) {
				continue
			}
			seen := map[string]bool{}
			for _, s := range f.Services.Get(g) {
				for _, a := range tax.Ancestors(g, s) {
					if !seen[a] {
						seen[a] = true
						res.Facets[g][a]++
					}
				}
			}
		}
		if len(failed) > 0 {
			continue
		}
		hits = append(hits, hit{f.ID, strings.ToLower(f.Name), d})
		res.Dists[f.ID] = d
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if !q.HasLocation || q.Sort == search.SortName {
			if c := strings.Compare(strings.Join(strings.Fields(a.name), " "), strings.Join(strings.Fields(b.name), " ")); c != 0 {
				return c
			}
		} else if c := cmp.Compare(a.d, b.d); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	for _, h := range hits {
		res.IDs = append(res.IDs, h.id)
	}
	return res
}

// FacetMap returns an index's facet counts as Answer counts them, a map
// per group holding every term of f's layout, so that the two compare with
// cmp.Diff. It reads f only through its exported methods; nil for the zero
// Facets.
func FacetMap(f search.Facets) map[directory.Group]map[string]int {
	if f.Layout() == nil {
		return nil
	}
	out := map[directory.Group]map[string]int{}
	for _, g := range directory.Groups() {
		terms, counts := f.Group(g)
		m := make(map[string]int, len(terms))
		for i, t := range terms {
			m[t.Slug] = counts[i]
		}
		out[g] = m
	}
	return out
}

// Failed returns the groups whose filter f fails: it offers none of the
// slugs asked for nor a term below one.
func Failed(tax *directory.Taxonomy, f directory.Facility, filters map[directory.Group][]string) []directory.Group {
	var failed []directory.Group
	for _, g := range directory.Groups() {
		slugs := filters[g]
		if len(slugs) == 0 {
			continue
		}
		found := false
		for _, s := range slugs {
			for _, want := range tax.Descendants(g, s) {
				if slices.Contains(f.Services.Get(g), want) {
					found = true
				}
			}
		}
		if !found {
			failed = append(failed, g)
		}
	}
	return failed
}
