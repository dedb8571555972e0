package search

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Region restricts a query to an area: the facilities whose address is in
// one of its states, or whose point is inside its polygons (boundary
// included). It is applied with the filters, before distances, so totals
// and facets count only what is inside. Build one with NewRegion and share
// it between queries; it is read-only.
type Region struct {
	states []string
	area   orb.MultiPolygon
	bounds []orb.Bound // of each polygon, to skip most tests
	id     uint64      // identifies the region in cursors
}

// NewRegion returns the region made of the given two-letter state codes
// (matched against facility addresses, case-insensitively) and polygons
// (longitude, latitude). A region with neither contains nothing.
func NewRegion(states []string, area orb.MultiPolygon) *Region {
	r := &Region{area: area}
	for _, s := range states {
		r.states = append(r.states, strings.ToUpper(strings.TrimSpace(s)))
	}
	slices.Sort(r.states)
	r.states = slices.Compact(r.states)
	h := fnv.New64a()
	fmt.Fprint(h, r.states)
	for _, p := range area {
		r.bounds = append(r.bounds, p.Bound())
		for _, ring := range p {
			for _, pt := range ring {
				fmt.Fprintf(h, "%.9f,%.9f;", pt[0], pt[1])
			}
			h.Write([]byte{'|'})
		}
	}
	r.id = h.Sum64()
	return r
}

// Contains reports whether a facility with this address state and point is
// in the region.
func (r *Region) Contains(state string, pt orb.Point) bool {
	for _, s := range r.states {
		if strings.EqualFold(s, state) {
			return true
		}
	}
	for i, p := range r.area {
		if r.bounds[i].Contains(pt) && planar.PolygonContains(p, pt) {
			return true
		}
	}
	return false
}
