package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// Search defaults and limits. Page size and text length limits are
// search's own (search.DefaultLimit, search.MaxLimit, search.MaxTextLength).
const (
	// defaultRadiusMi is the radius of a search with a location and no
	// radius: about half an hour's drive.
	defaultRadiusMi = 25
	// maxRadiusMi is the largest finite radius; beyond it, ask for "any"
	// (nearest first, nationwide). It equals search.MaxRadiusKm.
	maxRadiusMi = 500
	// distanceDecimals is how many decimals distances are rounded to in
	// responses (a metre, or about 1.6 m for miles).
	distanceDecimals = 3
	// searchTimeout bounds one search; a search that takes longer is
	// answered 503 rather than holding the connection.
	searchTimeout = 10 * time.Second
	// cacheControlPublic lets browsers and shared caches keep answers
	// that only change when the directory does for a minute.
	cacheControlPublic = "public, max-age=60"
)

// searchParamNames are the parameters /api/v1/search accepts.
var searchParamNames = []string{
	"near", "lat", "lon", "radius",
	string(directory.GroupCare), string(directory.GroupTherapy), string(directory.GroupMedication),
	string(directory.GroupPayment), string(directory.GroupPopulation), string(directory.GroupGender),
	string(directory.GroupLanguage),
	"q", "sort", "limit", "cursor", "format",
}

// searchRequest is a parsed, checked search request.
type searchRequest struct {
	query   search.Query
	echo    queryEcho
	geojson bool
	// csv asks for every match as a spreadsheet (format=csv).
	csv bool
}

// queryEcho is the normalized request, as answered in "query": what was
// searched for, with the geocoded point and every default filled in.
type queryEcho struct {
	Near  *string  `json:"near"`
	Label *string  `json:"label"`
	Lat   *float64 `json:"lat"`
	Lon   *float64 `json:"lon"`
	// Radius is "25mi", "40km" or "any"; null without a location.
	Radius   *string                      `json:"radius"`
	RadiusKm *float64                     `json:"radius_km"`
	RadiusMi *float64                     `json:"radius_mi"`
	Filters  map[directory.Group][]string `json:"filters"`
	Q        string                       `json:"q"`
	Sort     search.Sort                  `json:"sort"`
	Limit    int                          `json:"limit"`
	Cursor   string                       `json:"cursor,omitempty"`
}

// searchResponse is the JSON answer of /api/v1/search.
type searchResponse struct {
	Query      queryEcho    `json:"query"`
	Total      int          `json:"total"`
	Results    []resultJSON `json:"results"`
	Facets     facetsJSON   `json:"facets"`
	NextCursor *string      `json:"next_cursor"`
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
}

// serveSearch answers GET /api/v1/search.
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request) error {
	req, err := s.parseSearch(r)
	if err != nil {
		return err
	}
	if req.csv {
		return s.serveSearchCSV(w, r, req)
	}
	ctx, cancel := context.WithTimeout(r.Context(), searchTimeout)
	defer cancel()
	res, err := s.index.Search(ctx, req.query)
	if err != nil {
		return err
	}
	results := make([]resultJSON, len(res.Hits))
	for i, h := range res.Hits {
		results[i] = newResult(h)
	}
	var next *string
	if res.NextCursor != "" {
		next = &res.NextCursor
	}
	h := w.Header()
	h.Set("Cache-Control", cacheControlPublic)
	h.Set("Vary", "Accept")
	if req.geojson {
		return writeJSON(w, http.StatusOK, contentTypeGeoJSON, newFeatureCollection(req.echo, res, results, next, s.tax))
	}
	return writeJSON(w, http.StatusOK, contentTypeJSON, searchResponse{
		Query:      req.echo,
		Total:      res.Total,
		Results:    results,
		Facets:     facetsJSON{s.tax, res.Facets},
		NextCursor: next,
	})
}

// parseSearch reads and checks every parameter of a search. Each error
// names the parameter at fault.
func (s *Server) parseSearch(r *http.Request) (*searchRequest, error) {
	p, err := parseParams(r, searchParamNames...)
	if err != nil {
		return nil, err
	}
	req := &searchRequest{}
	q, echo := &req.query, &req.echo

	format, err := p.single("format")
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(format) {
	case "":
		req.geojson = prefersGeoJSON(r.Header.Values("Accept"))
	case "json":
	case "geojson":
		req.geojson = true
	case "csv":
		req.csv = true
	default:
		return nil, paramError("format", fmt.Sprintf("unknown format %q; use json, geojson or csv", format))
	}

	if err := s.parseLocation(p, q, echo); err != nil {
		return nil, err
	}
	if err := parseRadius(p, q, echo); err != nil {
		return nil, err
	}
	if err := s.parseFilters(p, q); err != nil {
		return nil, err
	}

	if q.Text, err = p.single("q"); err != nil {
		return nil, err
	}
	sort, err := p.single("sort")
	if err != nil {
		return nil, err
	}
	q.Sort = search.Sort(strings.ToLower(sort))
	limit, err := p.single("limit")
	if err != nil {
		return nil, err
	}
	q.Limit = search.DefaultLimit
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > search.MaxLimit {
			return nil, paramError("limit", fmt.Sprintf("must be a whole number from 1 to %d", search.MaxLimit))
		}
		q.Limit = n
	}
	if q.Cursor, err = p.single("cursor"); err != nil {
		return nil, err
	}

	// Normalize fills in the default sort and checks text and sort; the
	// index normalizes again, which changes nothing.
	if err := q.Normalize(s.tax); err != nil {
		return nil, err
	}
	echo.Filters = make(map[directory.Group][]string, len(directory.Groups()))
	for _, g := range directory.Groups() {
		echo.Filters[g] = nonNil(q.Filters[g])
	}
	echo.Q, echo.Sort, echo.Limit, echo.Cursor = q.Text, q.Sort, q.Limit, q.Cursor
	return req, nil
}

// parseLocation reads near, or lat and lon.
func (s *Server) parseLocation(p params, q *search.Query, echo *queryEcho) error {
	near, err := p.single("near")
	if err != nil {
		return err
	}
	latS, err := p.single("lat")
	if err != nil {
		return err
	}
	lonS, err := p.single("lon")
	if err != nil {
		return err
	}
	switch {
	case near != "" && latS != "":
		return paramError("lat", "give either near or lat and lon, not both")
	case near != "" && lonS != "":
		return paramError("lon", "give either near or lat and lon, not both")
	case near != "":
		place, err := s.geocode("near", near)
		if err != nil {
			return err
		}
		q.HasLocation, q.Center = true, orb.Point{place.Lon, place.Lat}
		echo.Near, echo.Label = &near, &place.Label
	case latS != "" || lonS != "":
		if latS == "" {
			return paramError("lat", "is required with lon")
		}
		if lonS == "" {
			return paramError("lon", "is required with lat")
		}
		lat, err := parseCoordinate("lat", latS, 90)
		if err != nil {
			return err
		}
		lon, err := parseCoordinate("lon", lonS, 180)
		if err != nil {
			return err
		}
		q.HasLocation, q.Center = true, orb.Point{lon, lat}
		label := formatDegrees(lat) + "," + formatDegrees(lon)
		echo.Label = &label
	default:
		return nil
	}
	lat, lon := q.Center[1], q.Center[0]
	echo.Lat, echo.Lon = &lat, &lon
	return nil
}

// parseCoordinate parses a latitude (limit 90) or longitude (limit 180) in
// decimal degrees.
func parseCoordinate(param, s string, limit float64) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, paramError(param, fmt.Sprintf("%q is not a number of degrees like 36.16", s))
	}
	if v < -limit || v > limit {
		return 0, paramError(param, fmt.Sprintf("must be between -%v and %v degrees", limit, limit))
	}
	return v, nil
}

// geocode places a user's location, turning the gazetteer's refusal into
// an error naming param, with its suggestions.
func (s *Server) geocode(param, text string) (geo.Place, error) {
	place, err := s.gaz.Geocode(text)
	var ge *geo.GeocodeError
	if errors.As(err, &ge) {
		return geo.Place{}, paramError(param, ge.Reason, ge.Suggestions...)
	}
	if err != nil {
		return geo.Place{}, fmt.Errorf("geocode %q: %w", text, err)
	}
	return place, nil
}

// radiusRE matches a distance: a number and an optional unit.
var radiusRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]*)?|\.[0-9]+) *(mi|km)?$`)

// parseRadius reads radius: "25mi", "40km", a bare number of miles, or
// "any" for no limit. It defaults to defaultRadiusMi with a location.
func parseRadius(p params, q *search.Query, echo *queryEcho) error {
	raw, err := p.single("radius")
	if err != nil {
		return err
	}
	raw = strings.ToLower(raw)
	if raw == "any" {
		if q.HasLocation {
			echo.Radius = &raw
		}
		return nil // RadiusKm 0: nearest first, nationwide
	}
	if !q.HasLocation {
		if raw != "" {
			return paramError("radius", "needs a location: give near, or lat and lon")
		}
		return nil
	}
	value, unit := float64(defaultRadiusMi), "mi"
	if raw != "" {
		m := radiusRE.FindStringSubmatch(raw)
		if m == nil {
			return paramError("radius", fmt.Sprintf("%q is not a distance like 25mi or 40km (at most %dmi), or any", raw, maxRadiusMi))
		}
		value, _ = strconv.ParseFloat(m[1], 64) // the pattern guarantees a number
		if m[2] != "" {
			unit = m[2]
		}
	}
	km := value
	if unit == "mi" {
		km = geo.MiToKm(value)
	}
	if !(value > 0) || km > search.MaxRadiusKm*(1+1e-12) {
		return paramError("radius", fmt.Sprintf("must be more than 0 and at most %dmi (%.0fkm); for no limit use any", maxRadiusMi, math.Floor(search.MaxRadiusKm)))
	}
	q.RadiusKm = km
	label := strconv.FormatFloat(value, 'f', -1, 64) + unit
	rkm, rmi := round(km), round(geo.KmToMi(km))
	echo.Radius, echo.RadiusKm, echo.RadiusMi = &label, &rkm, &rmi
	return nil
}

// parseFilters reads the taxonomy filters, group by group in display order
// so that, of several bad slugs, the same one is reported every time.
func (s *Server) parseFilters(p params, q *search.Query) error {
	n := 0
	for _, g := range directory.Groups() {
		slugs := p.list(string(g))
		if len(slugs) == 0 {
			continue
		}
		for _, slug := range slugs {
			if err := s.tax.Validate(g, slug); err != nil {
				var names []string
				for _, t := range s.tax.Terms(g) {
					names = append(names, t.Slug)
				}
				return paramError(string(g), err.Error(), directory.Suggest(slug, names, 3)...)
			}
		}
		if n += len(slugs); n > search.MaxFilterTerms {
			return paramError(string(g), fmt.Sprintf("too many filter terms; at most %d in all", search.MaxFilterTerms))
		}
		if q.Filters == nil {
			q.Filters = map[directory.Group][]string{}
		}
		q.Filters[g] = slugs
	}
	return nil
}

// prefersGeoJSON reports whether the Accept header values ask for GeoJSON
// at least as much as for plain JSON.
func prefersGeoJSON(accept []string) bool {
	qGeo, qJSON := 0.0, 0.0
	for _, v := range accept {
		for _, part := range strings.Split(v, ",") {
			mt, ps, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			qv := 1.0
			if s, ok := ps["q"]; ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					qv = f
				}
			}
			switch mt {
			case contentTypeGeoJSON:
				qGeo = max(qGeo, qv)
			case contentTypeJSON:
				qJSON = max(qJSON, qv)
			}
		}
	}
	return qGeo > 0 && qGeo >= qJSON
}

// newResult turns a hit into its JSON form.
func newResult(h search.Hit) resultJSON {
	f := h.Facility
	res := resultJSON{
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

// directionsURL links to driving directions to a point, from wherever the
// person is (Google Maps URLs, api=1).
func directionsURL(lat, lon float64) string {
	return "https://www.google.com/maps/dir/?api=1&destination=" +
		strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lon, 'f', -1, 64)
}

// formatDegrees formats a coordinate as the gazetteer labels one: at most 6
// decimals (about 0.1 m), without trailing zeros.
func formatDegrees(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6+0, 'f', -1, 64)
}

// round rounds a distance to distanceDecimals places.
func round(x float64) float64 {
	p := math.Pow10(distanceDecimals)
	return math.Round(x*p) / p
}

// nonNil returns s, or an empty slice for nil, so that JSON says [] rather
// than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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
		b = strconv.AppendQuote(b, string(g))
		b = append(b, ':', '{')
		for j, t := range f.tax.Terms(g) {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, t.Slug)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(f.counts[g][t.Slug]), 10)
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}
