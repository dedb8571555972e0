package web

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
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
	"q", "sort", "limit", "cursor", "format", "lang", "key",
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
// searched for, with the geocoded point and every default filled in. Its
// JSON tags describe the member names and order that
// searchEncoder.appendEcho writes by hand (encode_test.go compares the two).
type queryEcho struct {
	Near  *string  `json:"near"`
	Label *string  `json:"label"`
	Lat   *float64 `json:"lat"`
	Lon   *float64 `json:"lon"`
	// Precision says what the point is: "point" (lat and lon, or near
	// "lat,lon"), "zip" (a ZIP code's centroid) or "city"; null without a
	// location.
	Precision *string `json:"precision"`
	// Note says how near was read when the label does not: a ZIP code
	// repaired, a street left out.
	Note string `json:"note,omitempty"`
	// Radius is "25mi", "40km" or "any"; null without a location.
	Radius   *string                      `json:"radius"`
	RadiusKm *float64                     `json:"radius_km"`
	RadiusMi *float64                     `json:"radius_mi"`
	Filters  map[directory.Group][]string `json:"filters"`
	Q        string                       `json:"q"`
	Sort     search.Sort                  `json:"sort"`
	Limit    int                          `json:"limit"`
	Cursor   string                       `json:"cursor,omitempty"`
	// alternatives are the other cities of the name near named without
	// its state (not in the JSON: the note says it there); the page
	// offers them.
	alternatives []string
	// Lang is the language of the results' labels: en or es.
	Lang string `json:"lang"`
}

// serveSearch answers GET /api/v1/search, as JSON or GeoJSON written by
// searchEncoder (encode.go).
func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request) error {
	req, err := s.parseSearch(r)
	if err != nil {
		return err
	}
	if req.csv {
		return s.serveSearchCSV(w, r, req)
	}
	start := time.Now()
	ctx, cancel := withDeadline(r.Context(), start.Add(searchTimeout))
	defer cancel()
	res, err := s.index.Search(ctx, req.query)
	if err != nil {
		return err
	}
	s.metrics.observeSearch(&res.Query, time.Since(start))
	req.echoQuery(&res.Query)
	h := w.Header()
	h["Cache-Control"] = s.hdr.cacheControlPublic
	s.hdr.addVary(h, "Accept")
	buf := respBufPool.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledBuffer {
			respBufPool.Put(buf)
		}
	}()
	body, err := s.enc.appendSearch((*buf)[:0], &req.echo, res, req.geojson)
	*buf = body[:0] // keep what it grew to
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	contentType := s.hdr.contentTypeJSON
	if req.geojson {
		contentType = s.hdr.contentTypeGeoJSON
	}
	writeJSONBytes(w, r, http.StatusOK, contentType, body)
	return nil
}

// parseSearch reads and checks every parameter of a search. Each error
// names the parameter at fault.
func (s *Server) parseSearch(r *http.Request) (*searchRequest, error) {
	return s.parseSearchWith(r, searchParamNames)
}

// parseSearchWith is parseSearch for an endpoint that accepts the names
// allowed: the search page takes the API's parameters and lang.
func (s *Server) parseSearchWith(r *http.Request, allowed []string) (*searchRequest, error) {
	p, err := parseParams(r, allowed...)
	if err != nil {
		return nil, err
	}
	req := &searchRequest{}
	q, echo := &req.query, &req.echo
	if pt := partnerFrom(r.Context()); pt != nil {
		// The partner's defaults fill what the request leaves out, and
		// its region bounds everything counted.
		v := p.values()
		pt.applyDefaults(v)
		p.setValues(v)
		q.Region = pt.region
	}
	lang, err := p.single("lang")
	if err != nil {
		return nil, err
	}
	switch echo.Lang = strings.ToLower(lang); echo.Lang {
	case "":
		echo.Lang = langEnglish
	case langEnglish, langSpanish:
	default:
		return nil, paramError("lang", fmt.Sprintf("%q is not a language labels come in; use en or es", lang))
	}

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
	if limit != "" {
		// Turning text into a number is ours; what numbers a query
		// takes is search.Query.Normalize's to say.
		if q.Limit, err = strconv.Atoi(limit); err != nil || q.Limit == 0 {
			return nil, paramError("limit", fmt.Sprintf("must be a whole number from 1 to %d", search.MaxLimit))
		}
	}
	if q.Cursor, err = p.single("cursor"); err != nil {
		return nil, err
	}
	return req, nil
}

// echoQuery completes the echo of a request with the query the index
// answered, normalized (defaults, sorted filters).
func (req *searchRequest) echoQuery(q *search.Query) {
	echo := &req.echo
	echo.Filters = make(map[directory.Group][]string, len(directory.Groups()))
	for _, g := range directory.Groups() {
		echo.Filters[g] = nonNil(q.Filters[g])
	}
	echo.Q, echo.Sort, echo.Limit, echo.Cursor = q.Text, q.Sort, q.Limit, q.Cursor
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
		if q.Region != nil {
			place, err = s.placeInRegion(q.Region, near, place, err)
		}
		if err != nil {
			return err
		}
		q.HasLocation, q.Center = true, orb.Point{place.Lon, place.Lat}
		echo.Near, echo.Label, echo.Precision, echo.Note = &near, &place.Label, &place.Precision, place.Note
		echo.alternatives = place.Alternatives
	case latS != "" || lonS != "":
		if latS == "" {
			return paramError("lat", "is required with lon")
		}
		if lonS == "" {
			return paramError("lon", "is required with lat")
		}
		lat, err := parseDegrees("lat", latS)
		if err != nil {
			return err
		}
		lon, err := parseDegrees("lon", lonS)
		if err != nil {
			return err
		}
		// Before the ranges: lat=-120.5&lon=45 is out of range only
		// because it is swapped.
		if geo.LooksSwapped(lat, lon) {
			return paramError("lat", fmt.Sprintf("lat and lon look swapped: lat=%s&lon=%s is outside the U.S., but lat=%s&lon=%s is inside it",
				latS, lonS, lonS, latS))
		}
		if err := checkDegrees("lat", lat, 90); err != nil {
			return err
		}
		if err := checkDegrees("lon", lon, 180); err != nil {
			return err
		}
		q.HasLocation, q.Center = true, orb.Point{lon, lat}
		var buf [64]byte
		label, precision := string(appendDegrees(append(appendDegrees(buf[:0], lat), ','), lon)), geo.PrecisionPoint
		echo.Label, echo.Precision = &label, &precision
	default:
		return nil
	}
	lat, lon := q.Center[1], q.Center[0]
	echo.Lat, echo.Lon = &lat, &lon
	return nil
}

// parseDegrees parses a latitude or longitude in decimal degrees.
func parseDegrees(param, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, paramError(param, fmt.Sprintf("%q is not a number of degrees like 36.16", s))
	}
	return v, nil
}

// checkDegrees checks a latitude (limit 90) or longitude (limit 180).
func checkDegrees(param string, v, limit float64) error {
	if v < -limit || v > limit {
		return paramError(param, fmt.Sprintf("must be between -%v and %v degrees", limit, limit))
	}
	return nil
}

// geocode places a user's location, turning the gazetteer's refusal into
// an error naming param, with its suggestions.
func (s *Server) geocode(param, text string) (geo.Place, error) {
	place, err := s.gaz.Geocode(text)
	var ge *geo.GeocodeError
	if errors.As(err, &ge) {
		e := paramError(param, ge.Reason, ge.Suggestions...)
		e.Why = ge.Why
		return geo.Place{}, e
	}
	if err != nil {
		return geo.Place{}, fmt.Errorf("geocode %q: %w", text, err)
	}
	return place, nil
}

// placeInRegion places a city named without its state in the partner's
// region when the gazetteer chose, or could not choose between, cities of
// the name and only another one, or only one, is in the region: on a
// Tennessee clinic's site "Portland" is Portland, TN, not Oregon's, and
// "Springfield" Springfield, TN. It considers the cities the gazetteer
// names (Place.Alternatives, or the error's suggestions: the 5 largest);
// anything else is returned as it came.
func (s *Server) placeInRegion(region *search.Region, near string, place geo.Place, err error) (geo.Place, error) {
	var candidates []string
	var ae *apiError
	switch {
	case err == nil && len(place.Alternatives) > 0 && !region.Contains(place.State, place.Point):
		candidates = place.Alternatives
	case errors.As(err, &ae) && ae.Param == "near" && len(ae.Suggestions) > 0:
		candidates = ae.Suggestions
	default:
		return place, err
	}
	var inside []geo.Place
	for _, label := range candidates {
		p, gerr := s.gaz.Geocode(label)
		// Only the cities of the very name typed: a misspelling is not
		// corrected here, nor a ZIP code's neighbour taken.
		if gerr == nil && p.Precision == geo.PrecisionCity && strings.EqualFold(p.City, strings.TrimSpace(near)) &&
			region.Contains(p.State, p.Point) {
			inside = append(inside, p)
		}
	}
	if len(inside) != 1 {
		return place, err
	}
	p := inside[0]
	p.Query = strings.TrimSpace(near)
	p.Note = fmt.Sprintf("placed at %s, the city of the name in this site's area; add the state to search elsewhere", p.Label)
	return p, nil
}

// splitRadius splits a distance into its number and its unit ("mi",
// "km" or none): digits with an optional fraction (or a fraction alone,
// ".5"), spaces, then the unit. ok is false for anything else. It reads
// what the pattern ^([0-9]+(?:\.[0-9]*)?|\.[0-9]+) *(mi|km)?$ matches,
// without a regular expression on every search.
func splitRadius(s string) (number, unit string, ok bool) {
	digits := func(i int) int {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	i := digits(0)
	whole := i > 0
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if !whole && j == i+1 {
			return "", "", false // a point alone
		}
		i = j
	} else if !whole {
		return "", "", false
	}
	number = s[:i]
	for i < len(s) && s[i] == ' ' {
		i++
	}
	switch unit = s[i:]; unit {
	case "", "mi", "km":
		return number, unit, true
	}
	return "", "", false
}

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
		number, u, ok := splitRadius(raw)
		if !ok {
			return paramError("radius", fmt.Sprintf("%q is not a distance like 25mi or 40km (at most %dmi), or any", raw, search.MaxRadiusMi))
		}
		value, _ = strconv.ParseFloat(number, 64) // splitRadius guarantees a number
		if u != "" {
			unit = u
		}
	}
	km := value
	if unit == "mi" {
		km = geo.MiToKm(value)
	}
	if !(value > 0) { // a radius of 0 is how a Query says "any"
		return paramError("radius", fmt.Sprintf("must be more than 0 and at most %dmi (%.0fkm); for no limit use any", search.MaxRadiusMi, math.Floor(search.MaxRadiusKm)))
	}
	q.RadiusKm = km
	label := strconv.FormatFloat(value, 'f', -1, 64) + unit
	rkm, rmi := round(km), round(geo.KmToMi(km))
	echo.Radius, echo.RadiusKm, echo.RadiusMi = &label, &rkm, &rmi
	return nil
}

// parseFilters reads the taxonomy filters: one parameter per group, slugs
// comma-separated or repeated. Whether they are slugs of the taxonomy, and
// how many a query may have, is search.Query.Normalize's to check.
func (s *Server) parseFilters(p params, q *search.Query) error {
	for _, g := range directory.Groups() {
		if slugs := p.list(string(g)); len(slugs) > 0 {
			if q.Filters == nil {
				q.Filters = map[directory.Group][]string{}
			}
			q.Filters[g] = slugs
		}
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

// Languages of labels.
const (
	langEnglish = "en"
	langSpanish = "es"
)

// directionsURL links to driving directions to a point, from wherever the
// person is (Google Maps URLs, api=1).
func directionsURL(lat, lon float64) string {
	return "https://www.google.com/maps/dir/?api=1&destination=" +
		strconv.FormatFloat(lat, 'f', -1, 64) + "," + strconv.FormatFloat(lon, 'f', -1, 64)
}

// formatDegrees formats a coordinate as the gazetteer labels one: at most 6
// decimals (about 0.1 m), without trailing zeros.
func formatDegrees(v float64) string {
	var buf [32]byte
	return string(appendDegrees(buf[:0], v))
}

// appendDegrees appends v as formatDegrees formats it.
func appendDegrees(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, math.Round(v*1e6)/1e6+0, 'f', -1, 64)
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
