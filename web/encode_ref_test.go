package web

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// This file keeps the search answer's shape as the structs encoding/json
// encoded before the hand-written encoder of encode.go replaced them on the
// hot path: encode_test.go checks that the encoder writes exactly what
// encoding/json makes of these. One change: the facets' and labels'
// MarshalJSON quoted with strconv.AppendQuote, which equals JSON for the
// taxonomy's slugs and labels but not for every string (a slug with a
// control character in it); here they quote with encoding/json.

// refQuote appends s quoted by encoding/json.
func refQuote(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always encodes
	}
	return append(b, q...)
}

// referenceSearch encodes a search answer as serveSearch did before
// encode.go: the structs below through json.Encoder.
func referenceSearch(echo queryEcho, res *search.Result, tax *directory.Taxonomy, geojson bool) ([]byte, error) {
	results := make([]resultJSON, len(res.Hits))
	for i, h := range res.Hits {
		results[i] = newResult(h, tax, echo.Lang)
	}
	var next *string
	if res.NextCursor != "" {
		next = &res.NextCursor
	}
	var v any = searchResponse{
		Query:      echo,
		Total:      res.Total,
		Results:    results,
		Facets:     facetsJSON{tax, facetMaps(res.Facets)},
		NextCursor: next,
		Nearest:    newNearest(res),
	}
	if geojson {
		v = newFeatureCollection(echo, res, results, next, tax)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// searchResponse is the JSON answer of /api/v1/search.
type searchResponse struct {
	Query      queryEcho    `json:"query"`
	Total      int          `json:"total"`
	Results    []resultJSON `json:"results"`
	Facets     facetsJSON   `json:"facets"`
	NextCursor *string      `json:"next_cursor"`
	// Nearest is set on an empty answer to a search with a location: how
	// far the nearest facility matching the filters and text is.
	Nearest *nearestJSON `json:"nearest,omitempty"`
}

// nearestJSON is the distance to the nearest match, anywhere, of a search
// that found nothing within its radius.
type nearestJSON struct {
	DistanceKm float64 `json:"distance_km"`
	DistanceMi float64 `json:"distance_mi"`
}

// newNearest returns the nearest match of res, or nil.
func newNearest(res *search.Result) *nearestJSON {
	if res.NearestKm == nil {
		return nil
	}
	return &nearestJSON{DistanceKm: round(*res.NearestKm), DistanceMi: round(geo.KmToMi(*res.NearestKm))}
}

// resultJSON is one facility found. Distances are present only when the
// search has a location.
type resultJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// AlternateNames are the program's or site's own names ("Henry
	// County/IOP"); a page shows the first as a subtitle.
	AlternateNames []string          `json:"alternate_names"`
	DistanceKm     *float64          `json:"distance_km,omitempty"`
	DistanceMi     *float64          `json:"distance_mi,omitempty"`
	Address        directory.Address `json:"address"`
	Lat            float64           `json:"lat"`
	Lon            float64           `json:"lon"`
	Phone          string            `json:"phone,omitempty"`
	Phones         directory.Phones  `json:"phones"`
	Website        string            `json:"website,omitempty"`
	DirectionsURL  string            `json:"directions_url"`
	// Open247 is null when the source does not say.
	Open247      *bool    `json:"open_24_7"`
	Care         []string `json:"care"`
	Therapy      []string `json:"therapy"`
	Medication   []string `json:"medication"`
	Payment      []string `json:"payment"`
	Population   []string `json:"population"`
	Gender       []string `json:"gender"`
	Language     []string `json:"language"`
	Source       string   `json:"source"`
	SourceID     string   `json:"source_id"`
	LastVerified string   `json:"last_verified"`
	// Labels name each of the facility's terms in the query's language,
	// group by group, so a page needs no second request to show them.
	Labels labelsJSON `json:"labels"`
}

// newResult turns a hit into its JSON form, with labels in lang.
func newResult(h search.Hit, tax *directory.Taxonomy, lang string) resultJSON {
	f := h.Facility
	res := resultJSON{
		Labels:         labelsJSON{tax: tax, spanish: lang == langSpanish, services: &f.Services},
		ID:             f.ID,
		Name:           f.Name,
		AlternateNames: nonNil(f.AlternateNames),
		Address:        f.Address,
		Lat:            f.Lat,
		Lon:            f.Lon,
		Phone:          f.Phones.Best(),
		Phones:         f.Phones,
		Website:        f.Website,
		DirectionsURL:  directionsURL(f.Lat, f.Lon),
		Open247:        f.Open247,
		Care:           nonNil(f.Services.Care),
		Therapy:        nonNil(f.Services.Therapy),
		Medication:     nonNil(f.Services.Medication),
		Payment:        nonNil(f.Services.Payment),
		Population:     nonNil(f.Services.Population),
		Gender:         nonNil(f.Services.Gender),
		Language:       nonNil(f.Services.Language),
		Source:         f.Source,
		SourceID:       f.SourceID,
		LastVerified:   f.LastVerified,
	}
	res.Address.Lines = nonNil(res.Address.Lines)
	if !math.IsNaN(h.DistanceKm) {
		km, mi := round(h.DistanceKm), round(geo.KmToMi(h.DistanceKm))
		res.DistanceKm, res.DistanceMi = &km, &mi
	}
	return res
}

// facetMaps returns facet counts as the maps a Result held before
// search.Facets: a map per group of the counts' layout, by slug.
func facetMaps(f search.Facets) map[directory.Group]map[string]int {
	out := map[directory.Group]map[string]int{}
	for _, g := range directory.Groups() {
		terms, counts := f.Group(g)
		if terms == nil {
			continue
		}
		m := make(map[string]int, len(terms))
		for i, t := range terms {
			m[t.Slug] = counts[i]
		}
		out[g] = m
	}
	return out
}

// facetsJSON writes facet counts as one object per group, groups and terms
// in the taxonomy's display order (the order a page shows them), without
// the sorting and reflection of encoding a map.
type facetsJSON struct {
	tax    *directory.Taxonomy
	counts map[directory.Group]map[string]int
}

// MarshalJSON implements json.Marshaler.
func (f facetsJSON) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2048)
	b = append(b, '{')
	for i, g := range directory.Groups() {
		if i > 0 {
			b = append(b, ',')
		}
		b = refQuote(b, string(g))
		b = append(b, ':', '{')
		for j, t := range f.tax.Terms(g) {
			if j > 0 {
				b = append(b, ',')
			}
			b = refQuote(b, t.Slug)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(f.counts[g][t.Slug]), 10)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// labelsJSON writes the labels of a facility's terms, {"care": {"detox":
// "Detox"}, ...}, every group in display order, without reflection.
type labelsJSON struct {
	tax      *directory.Taxonomy
	spanish  bool
	services *directory.Services
}

// MarshalJSON implements json.Marshaler.
func (l labelsJSON) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 512)
	b = append(b, '{')
	for i, g := range directory.Groups() {
		if i > 0 {
			b = append(b, ',')
		}
		b = refQuote(b, string(g))
		b = append(b, ':', '{')
		var slugs []string
		if l.services != nil {
			slugs = l.services.Get(g)
		}
		for j, slug := range slugs {
			if j > 0 {
				b = append(b, ',')
			}
			label := slug
			if t, ok := l.tax.Lookup(g, slug); ok {
				label = t.Label.EN
				if l.spanish && t.Label.ES != "" {
					label = t.Label.ES
				}
			}
			b = refQuote(b, slug)
			b = append(b, ':')
			b = refQuote(b, label)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

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
		Facets:     facetsJSON{tax, facetMaps(res.Facets)},
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
