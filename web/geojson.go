package web

import (
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// featureCollection is a search answered as GeoJSON (RFC 7946). Total,
// next_cursor, query and facets are foreign members beside the features.
//
// It is written out here rather than with orb/geojson, whose BSON support
// would add the MongoDB driver to the module's dependencies.
type featureCollection struct {
	Type       string     `json:"type"`
	Features   []feature  `json:"features"`
	Total      int        `json:"total"`
	NextCursor *string    `json:"next_cursor"`
	Query      queryEcho  `json:"query"`
	Facets     facetsJSON `json:"facets"`
	// Nearest is as in the JSON answer: set only on an empty answer.
	Nearest *nearestJSON `json:"nearest,omitempty"`
}

// feature is one facility: a point, with the search result's fields as
// properties.
type feature struct {
	Type       string     `json:"type"`
	ID         string     `json:"id"`
	Geometry   point      `json:"geometry"`
	Properties resultJSON `json:"properties"`
}

// point is a GeoJSON Point; orb.Point is [longitude, latitude], the
// order GeoJSON requires.
type point struct {
	Type        string    `json:"type"`
	Coordinates orb.Point `json:"coordinates"`
}

func newFeatureCollection(echo queryEcho, res *search.Result, results []resultJSON, next *string, tax *directory.Taxonomy) featureCollection {
	fc := featureCollection{
		Type:       "FeatureCollection",
		Features:   make([]feature, len(results)),
		Total:      res.Total,
		NextCursor: next,
		Query:      echo,
		Facets:     facetsJSON{tax, res.Facets},
		Nearest:    newNearest(res),
	}
	for i, r := range results {
		fc.Features[i] = feature{
			Type:       "Feature",
			ID:         r.ID,
			Geometry:   point{Type: "Point", Coordinates: orb.Point{r.Lon, r.Lat}},
			Properties: r,
		}
	}
	return fc
}
