package geo

import (
	"bytes"
	"cmp"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// zipTableGz is the U.S. ZIP table: ZIP, ZCTA centroid, city and state.
// scripts/gen-zips.sh generates it; zipdata/README.md says from what.
//
//go:embed zipdata/zips.tsv.gz
var zipTableGz []byte

// zipTableHeader is the first line of the ZIP table.
const zipTableHeader = "zip\tlat\tlon\tcity\tstate"

// maxQueryLength bounds what Geocode will look at; no U.S. place needs more.
const maxQueryLength = 200

// How many near matches a GeocodeError suggests.
const (
	maxZIPSuggestions  = 3
	maxCitySuggestions = 5
)

// Kinds of Place.
const (
	KindLatLon = "latlon" // the query was a latitude and longitude
	KindZIP    = "zip"    // the query was a ZIP code
	KindCity   = "city"   // the query was a city and state
)

// Place is a geocoded location.
type Place struct {
	Query string    `json:"query"` // as given, less surrounding space
	Kind  string    `json:"kind"`  // KindLatLon, KindZIP or KindCity
	Point orb.Point `json:"-"`     // [Lon, Lat]
	Lat   float64   `json:"lat"`
	Lon   float64   `json:"lon"`
	// Label names the place for people: "Nashville, TN 37203",
	// "Nashville, TN" or "36.16,-86.78".
	Label string `json:"label"`
	ZIP   string `json:"zip,omitempty"`
	City  string `json:"city,omitempty"`
	State string `json:"state,omitempty"` // two-letter postal code
}

// ZIPPlace is a row of the ZIP table: a ZIP code, the city and state the
// Postal Service gives for it (empty for a few new ZIPs), and the centroid of
// its Census ZIP Code Tabulation Area.
type ZIPPlace struct {
	ZIP   string
	City  string
	State string
	Point orb.Point
}

// GeocodeError is returned for input that cannot be placed. Its Reason is
// plain English, safe to show to the user; Suggestions lists near matches
// that would geocode, such as "Nashville, TN".
type GeocodeError struct {
	Query       string   `json:"query"`
	Reason      string   `json:"reason"`
	Suggestions []string `json:"suggestions,omitempty"`
}

// Error implements the error interface.
func (e *GeocodeError) Error() string {
	return fmt.Sprintf("geocode %q: %s", e.Query, e.Reason)
}

// Gazetteer geocodes offline from the embedded ZIP table. It is immutable and
// safe for concurrent use.
type Gazetteer struct {
	zips   []ZIPPlace      // sorted by ZIP
	cities []gazetteerCity // sorted by state, then key
	byName []int32         // cities by key, then most ZIPs first, then label
	states map[string]string
}

// gazetteerCity is a city of the ZIP table, placed at the mean of its ZIPs'
// centroids.
type gazetteerCity struct {
	name, state, key string
	point            orb.Point
	zips             int
}

func (c *gazetteerCity) label() string { return c.name + ", " + c.state }

// loadGazetteer parses the embedded table once per process.
var loadGazetteer = sync.OnceValues(func() (*Gazetteer, error) {
	return parseGazetteer(zipTableGz)
})

// NewGazetteer returns the Gazetteer of the embedded ZIP table. The table is
// parsed on the first call; later calls return the same Gazetteer.
func NewGazetteer() (*Gazetteer, error) {
	return loadGazetteer()
}

// parseGazetteer reads a gzipped ZIP table.
func parseGazetteer(gz []byte) (*Gazetteer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("read ZIP table: %w", err)
	}
	var buf bytes.Buffer
	if len(gz) >= 4 { // the gzip trailer ends with the uncompressed size
		buf.Grow(int(binary.LittleEndian.Uint32(gz[len(gz)-4:])) + 1)
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("read ZIP table: %w", err)
	}
	text := buf.String()
	head, text, _ := strings.Cut(text, "\n")
	if head != zipTableHeader {
		return nil, fmt.Errorf("read ZIP table: header %q, want %q", head, zipTableHeader)
	}

	g := &Gazetteer{
		zips:   make([]ZIPPlace, 0, strings.Count(text, "\n")),
		states: stateIndex(),
	}
	for lineNo := 2; text != ""; lineNo++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		z, err := parseZIPLine(line)
		if err != nil {
			return nil, fmt.Errorf("read ZIP table: line %d: %w", lineNo, err)
		}
		if n := len(g.zips); n > 0 && g.zips[n-1].ZIP >= z.ZIP {
			return nil, fmt.Errorf("read ZIP table: line %d: ZIP %s out of order", lineNo, z.ZIP)
		}
		g.zips = append(g.zips, z)
	}
	if len(g.zips) == 0 {
		return nil, fmt.Errorf("read ZIP table: no rows")
	}
	g.indexCities()
	return g, nil
}

// indexCities groups the ZIPs into cities by state and cityKey.
func (g *Gazetteer) indexCities() {
	// Sorting on strings dominates, so rank the keys once and sort on
	// integers: a row's sort key is its state's rank, then its key's.
	keyOfName := map[string]int32{} // city name → index in keys
	keyIndex := map[string]int32{}  // key → index in keys
	var keys []string
	type row struct {
		z    *ZIPPlace
		rank uint64 // state rank << 32 | key index, then key rank
	}
	rows := make([]row, 0, len(g.zips))
	for i := range g.zips {
		z := &g.zips[i]
		if z.City == "" {
			continue
		}
		k, ok := keyOfName[z.City]
		if !ok {
			key := cityKey(z.City)
			if k, ok = keyIndex[key]; !ok {
				k = int32(len(keys))
				keys = append(keys, key)
				keyIndex[key] = k
			}
			keyOfName[z.City] = k
		}
		rows = append(rows, row{z, uint64(k)})
	}
	keyRank := rankStrings(keys)
	states := slices.Sorted(maps.Keys(stateNames))
	for i := range rows {
		st, _ := slices.BinarySearch(states, rows[i].z.State)
		rows[i].rank = uint64(st)<<32 | uint64(keyRank[rows[i].rank])
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return strings.Compare(a.z.City, b.z.City)
	})

	nCities := 0
	for i := range rows {
		if i == 0 || rows[i].rank != rows[i-1].rank {
			nCities++
		}
	}
	g.cities = make([]gazetteerCity, 0, nCities)
	cityKeyRank := make([]int32, 0, nCities)
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].rank == rows[start].rank {
			end++
		}
		group := rows[start:end]
		c := gazetteerCity{state: group[0].z.State, key: keys[keyOfName[group[0].z.City]], zips: len(group)}
		// Name the city by its most common spelling, and place it at the
		// mean of its ZIPs, summing longitudes relative to the first the
		// short way round, in case a city straddles the antimeridian.
		lon0 := group[0].z.Point[0]
		var sumLat, sumLon float64
		bestCount := 0
		for i := 0; i < len(group); {
			j := i + 1
			for j < len(group) && group[j].z.City == group[i].z.City {
				j++
			}
			if j-i > bestCount {
				c.name, bestCount = group[i].z.City, j-i
			}
			i = j
		}
		for _, r := range group {
			sumLat += r.z.Point[1]
			d := r.z.Point[0] - lon0
			if d > 180 {
				d -= 360
			} else if d < -180 {
				d += 360
			}
			sumLon += d
		}
		n := float64(len(group))
		c.point = orb.Point{normalizeLon(lon0 + sumLon/n), sumLat / n}
		g.cities = append(g.cities, c)
		cityKeyRank = append(cityKeyRank, int32(group[0].rank))
		start = end
	}

	g.byName = make([]int32, len(g.cities))
	for i := range g.byName {
		g.byName[i] = int32(i)
	}
	slices.SortFunc(g.byName, func(a, b int32) int {
		if c := cmp.Compare(cityKeyRank[a], cityKeyRank[b]); c != 0 {
			return c
		}
		return byZIPsThenLabel(&g.cities[a], &g.cities[b])
	})
}

// rankStrings returns the rank of each of ss in sorted order.
func rankStrings(ss []string) []int32 {
	order := make([]int32, len(ss))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(ss[a], ss[b]) })
	rank := make([]int32, len(ss))
	for r, i := range order {
		rank[i] = int32(r)
	}
	return rank
}

func byZIPsThenLabel(a, b *gazetteerCity) int {
	if c := cmp.Compare(b.zips, a.zips); c != 0 {
		return c
	}
	if c := strings.Compare(a.state, b.state); c != 0 {
		return c
	}
	return strings.Compare(a.name, b.name)
}

// stateCities returns the cities of state, sorted by key.
func (g *Gazetteer) stateCities(state string) []gazetteerCity {
	lo, _ := slices.BinarySearchFunc(g.cities, state, func(c gazetteerCity, s string) int { return strings.Compare(c.state, s) })
	hi := lo
	for hi < len(g.cities) && g.cities[hi].state == state {
		hi++
	}
	return g.cities[lo:hi]
}

// city returns the city named name in state, or nil.
func (g *Gazetteer) city(state, name string) *gazetteerCity {
	cs := g.stateCities(state)
	if i, ok := slices.BinarySearchFunc(cs, cityKey(name), func(c gazetteerCity, k string) int { return strings.Compare(c.key, k) }); ok {
		return &cs[i]
	}
	return nil
}

// citiesNamed returns the cities, in any state, whose key is key, those with
// the most ZIPs first.
func (g *Gazetteer) citiesNamed(key string) []*gazetteerCity {
	i, _ := slices.BinarySearchFunc(g.byName, key, func(c int32, k string) int { return strings.Compare(g.cities[c].key, k) })
	var cs []*gazetteerCity
	for ; i < len(g.byName) && g.cities[g.byName[i]].key == key; i++ {
		cs = append(cs, &g.cities[g.byName[i]])
	}
	return cs
}

// parseZIPLine parses "zip\tlat\tlon\tcity\tstate".
func parseZIPLine(line string) (ZIPPlace, error) {
	var f [5]string
	rest := line
	for i := range 4 {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, "\t"); !ok {
			return ZIPPlace{}, fmt.Errorf("%d fields, want 5", i+1)
		}
	}
	f[4] = rest
	if strings.Contains(rest, "\t") {
		return ZIPPlace{}, fmt.Errorf("more than 5 fields")
	}
	if !isZIP(f[0]) {
		return ZIPPlace{}, fmt.Errorf("bad ZIP %q", f[0])
	}
	lat, err1 := strconv.ParseFloat(f[1], 64)
	lon, err2 := strconv.ParseFloat(f[2], 64)
	if err1 != nil || err2 != nil || !validLatLon(lat, lon) || lon < -180 || lon > 180 {
		return ZIPPlace{}, fmt.Errorf("ZIP %s: bad coordinates %q, %q", f[0], f[1], f[2])
	}
	if (f[3] == "") != (f[4] == "") {
		return ZIPPlace{}, fmt.Errorf("ZIP %s: city %q without state %q or the reverse", f[0], f[3], f[4])
	}
	if _, ok := stateNames[f[4]]; f[4] != "" && !ok {
		return ZIPPlace{}, fmt.Errorf("ZIP %s: unknown state %q", f[0], f[4])
	}
	return ZIPPlace{ZIP: f[0], City: f[3], State: f[4], Point: orb.Point{lon, lat}}, nil
}

// ZIPs returns every row of the ZIP table, sorted by ZIP. The slice is
// shared: callers must not modify it.
func (g *Gazetteer) ZIPs() []ZIPPlace { return g.zips }

// LookupZIP returns the row of the ZIP table for a five-digit ZIP code.
func (g *Gazetteer) LookupZIP(zip string) (ZIPPlace, bool) {
	i, ok := slices.BinarySearchFunc(g.zips, zip, func(z ZIPPlace, zip string) int { return strings.Compare(z.ZIP, zip) })
	if !ok {
		return ZIPPlace{}, false
	}
	return g.zips[i], true
}

var (
	zipPattern       = regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`)
	numberPattern    = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	nonFinitePattern = regexp.MustCompile(`(?i)^[+-]?(nan|inf|infinity)$`)
)

// Geocode places q, which may be
//
//   - a latitude and longitude in decimal degrees: "36.16,-86.78",
//     "36.16, -86.78" or "36.16 -86.78";
//   - a ZIP code, "37203", or ZIP+4, "37203-1234", placed at the centroid of
//     its ZIP Code Tabulation Area;
//   - a city and state: "Nashville, TN", "nashville, tennessee",
//     "Nashville TN", "St. Louis, MO", placed at the mean of the centroids of
//     the city's ZIP codes. "City, ST 37203" is taken as the ZIP code.
//
// Any error is a *GeocodeError.
func (g *Gazetteer) Geocode(q string) (Place, error) {
	query := strings.TrimSpace(q)
	switch {
	case query == "":
		return Place{}, &GeocodeError{Query: query, Reason: "enter a ZIP code, a city and state, or a latitude and longitude"}
	case !utf8.ValidString(query):
		return Place{}, &GeocodeError{Query: strings.ToValidUTF8(query, "\uFFFD"), Reason: "the location is not valid text"}
	case utf8.RuneCountInString(query) > maxQueryLength:
		return Place{}, &GeocodeError{Query: string([]rune(query)[:maxQueryLength]), Reason: fmt.Sprintf("the location is too long; use at most %d characters", maxQueryLength)}
	}
	if lat, lon, ok := splitLatLon(query); ok {
		return geocodeLatLon(query, lat, lon)
	}
	if zip, ok := zipOf(query); ok {
		return g.geocodeZIP(query, zip)
	}
	if strings.Trim(query, "0123456789- ") == "" && strings.ContainsAny(query, "0123456789") {
		return Place{}, &GeocodeError{Query: query, Reason: fmt.Sprintf("%s is not a ZIP code; a ZIP code has 5 digits", query)}
	}
	return g.geocodeCity(query)
}

// splitLatLon splits s into two numbers, separated by a comma or by space.
func splitLatLon(s string) (lat, lon string, ok bool) {
	if a, b, found := strings.Cut(s, ","); found {
		lat, lon = strings.TrimSpace(a), strings.TrimSpace(b)
	} else if f := strings.Fields(s); len(f) == 2 {
		lat, lon = f[0], f[1]
	} else {
		return "", "", false
	}
	number := func(s string) bool { return numberPattern.MatchString(s) || nonFinitePattern.MatchString(s) }
	return lat, lon, number(lat) && number(lon)
}

func geocodeLatLon(query, latText, lonText string) (Place, error) {
	lat, err1 := strconv.ParseFloat(latText, 64)
	lon, err2 := strconv.ParseFloat(lonText, 64)
	switch {
	case err1 != nil && !isRangeError(err1), err2 != nil && !isRangeError(err2):
		return Place{}, &GeocodeError{Query: query, Reason: "latitude and longitude must be numbers"}
	case math.IsNaN(lat) || math.IsNaN(lon) || math.IsInf(lat, 0) || math.IsInf(lon, 0):
		return Place{}, &GeocodeError{Query: query, Reason: "latitude and longitude must be finite numbers"}
	case lat < -90 || lat > 90:
		return Place{}, &GeocodeError{Query: query, Reason: fmt.Sprintf("latitude %s is out of range; it must be between -90 and 90", latText)}
	case lon < -180 || lon > 180:
		return Place{}, &GeocodeError{Query: query, Reason: fmt.Sprintf("longitude %s is out of range; it must be between -180 and 180", lonText)}
	}
	lat, lon = lat+0, lon+0 // no -0
	return Place{
		Query: query,
		Kind:  KindLatLon,
		Point: orb.Point{lon, lat},
		Lat:   lat,
		Lon:   lon,
		Label: formatDegrees(lat) + "," + formatDegrees(lon),
	}, nil
}

func isRangeError(err error) bool { return errors.Is(err, strconv.ErrRange) }

// formatDegrees formats a coordinate to at most 6 decimals (about 0.1 m),
// without trailing zeros.
func formatDegrees(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6+0, 'f', -1, 64)
}

// zipOf returns the five-digit ZIP of a ZIP or ZIP+4 code.
func zipOf(s string) (string, bool) {
	if !zipPattern.MatchString(s) {
		return "", false
	}
	return s[:5], true
}

func isZIP(s string) bool {
	return len(s) == 5 && strings.Trim(s, "0123456789") == ""
}

func (g *Gazetteer) geocodeZIP(query, zip string) (Place, error) {
	z, ok := g.LookupZIP(zip)
	if !ok {
		near := g.nearestZIPs(zip, maxZIPSuggestions)
		e := &GeocodeError{Query: query, Reason: fmt.Sprintf("no ZIP code %s in the U.S. ZIP table", zip)}
		if len(near) > 0 {
			e.Reason += "; nearest: " + near[0].ZIP
		}
		for _, z := range near {
			e.Suggestions = append(e.Suggestions, zipLabel(z))
		}
		return Place{}, e
	}
	return Place{
		Query: query,
		Kind:  KindZIP,
		Point: z.Point,
		Lat:   z.Point[1],
		Lon:   z.Point[0],
		Label: zipLabel(z),
		ZIP:   z.ZIP,
		City:  z.City,
		State: z.State,
	}, nil
}

// zipLabel is "Nashville, TN 37203", or just the ZIP if the table has no
// city for it.
func zipLabel(z ZIPPlace) string {
	if z.City == "" {
		return z.ZIP
	}
	return z.City + ", " + z.State + " " + z.ZIP
}

// nearestZIPs returns the n ZIPs of the table numerically nearest to zip,
// nearest first (the lower one first on a tie).
func (g *Gazetteer) nearestZIPs(zip string, n int) []ZIPPlace {
	want, _ := strconv.Atoi(zip)
	dist := func(z ZIPPlace) int {
		v, _ := strconv.Atoi(z.ZIP)
		return max(v-want, want-v)
	}
	hi, _ := slices.BinarySearchFunc(g.zips, zip, func(z ZIPPlace, zip string) int { return strings.Compare(z.ZIP, zip) })
	lo := hi - 1
	var near []ZIPPlace
	for len(near) < n && (lo >= 0 || hi < len(g.zips)) {
		if hi >= len(g.zips) || lo >= 0 && dist(g.zips[lo]) <= dist(g.zips[hi]) {
			near = append(near, g.zips[lo])
			lo--
		} else {
			near = append(near, g.zips[hi])
			hi++
		}
	}
	return near
}

// countryNames are trailing parts of a query that name the country.
var countryNames = map[string]bool{"us": true, "usa": true, "united states": true, "united states of america": true}

// geocodeCity places "City, State" or "City State", optionally followed by a
// ZIP code (which wins) or the country.
func (g *Gazetteer) geocodeCity(query string) (Place, error) {
	parts := strings.Split(query, ",")
	for i := range parts {
		parts[i] = strings.Join(strings.Fields(parts[i]), " ")
	}
	for len(parts) > 1 && (parts[len(parts)-1] == "" || countryNames[stateKey(parts[len(parts)-1])]) {
		parts = parts[:len(parts)-1]
	}
	// A trailing ZIP code, as in our own labels, "Nashville, TN 37203".
	last := parts[len(parts)-1]
	if i := strings.LastIndexByte(last, ' '); i >= 0 {
		if zip, ok := zipOf(last[i+1:]); ok {
			return g.geocodeZIP(query, zip)
		}
	}

	if len(parts) > 1 {
		cityText := strings.Join(parts[:len(parts)-1], ", ")
		stateText := parts[len(parts)-1]
		if cityText == "" {
			return Place{}, &GeocodeError{Query: query, Reason: "enter a city before the state, such as \"Nashville, TN\""}
		}
		state, ok := g.states[stateKey(stateText)]
		if !ok {
			return Place{}, g.unknownStateError(query, cityText, stateText)
		}
		if c := g.city(state, cityText); c != nil {
			return cityPlace(query, c), nil
		}
		return Place{}, g.unknownCityError(query, cityText, state)
	}

	// No comma: the state is the last one, two or three words, perhaps
	// followed by the country.
	words := strings.Fields(query)
	for n := min(4, len(words)-1); n >= 1; n-- {
		if countryNames[stateKey(strings.Join(words[len(words)-n:], " "))] {
			words = words[:len(words)-n]
			break
		}
	}
	type split struct{ city, state string }
	var splits []split
	for n := min(3, len(words)-1); n >= 1; n-- {
		if state, ok := g.states[stateKey(strings.Join(words[len(words)-n:], " "))]; ok {
			splits = append(splits, split{strings.Join(words[:len(words)-n], " "), state})
		}
	}
	for _, s := range splits {
		if c := g.city(s.state, s.city); c != nil {
			return cityPlace(query, c), nil
		}
	}
	if len(splits) > 0 {
		return Place{}, g.unknownCityError(query, splits[0].city, splits[0].state)
	}
	if state, ok := g.states[stateKey(strings.Join(words, " "))]; ok {
		return Place{}, &GeocodeError{Query: query, Reason: fmt.Sprintf("%s is a whole state; enter a city and state or a ZIP code", stateNames[state])}
	}
	e := &GeocodeError{Query: query, Reason: "add the state, such as \"Nashville, TN\", or enter a ZIP code"}
	for _, c := range g.citiesNamed(cityKey(strings.Join(words, " "))) {
		if len(e.Suggestions) == maxCitySuggestions {
			break
		}
		e.Suggestions = append(e.Suggestions, c.label())
	}
	return Place{}, e
}

func cityPlace(query string, c *gazetteerCity) Place {
	return Place{
		Query: query,
		Kind:  KindCity,
		Point: c.point,
		Lat:   c.point[1],
		Lon:   c.point[0],
		Label: c.label(),
		City:  c.name,
		State: c.state,
	}
}

// unknownCityError explains that state has no city named cityText. It
// suggests, best first, likely misspellings in the state, the same name in
// other states, less likely misspellings, and names one starts the other
// with ("New York" for "New York City").
func (g *Gazetteer) unknownCityError(query, cityText, state string) *GeocodeError {
	type candidate struct {
		c     *gazetteerCity
		score int
	}
	var candidates []candidate
	key := cityKey(cityText)
	if key != "" {
		limit := typoLimit(key)
		cs := g.stateCities(state)
		for i := range cs {
			c := &cs[i]
			if d := editDistance(key, c.key, limit); d <= limit {
				candidates = append(candidates, candidate{c, 2 * d})
			} else if len(key) >= 4 && len(c.key) >= 4 && (strings.HasPrefix(c.key, key) || strings.HasPrefix(key, c.key)) {
				candidates = append(candidates, candidate{c, 2*limit + 1})
			}
		}
		for _, c := range g.citiesNamed(key) {
			if c.state != state {
				candidates = append(candidates, candidate{c, 3})
			}
		}
	}
	slices.SortFunc(candidates, func(a, b candidate) int {
		if c := cmp.Compare(a.score, b.score); c != 0 {
			return c
		}
		return byZIPsThenLabel(a.c, b.c)
	})
	e := &GeocodeError{
		Query:  query,
		Reason: fmt.Sprintf("no city named %q in %s in the U.S. ZIP table", cityText, stateNames[state]),
	}
	for _, c := range candidates[:min(len(candidates), maxCitySuggestions)] {
		e.Suggestions = append(e.Suggestions, c.c.label())
	}
	if len(e.Suggestions) > 0 {
		e.Reason += "; did you mean " + e.Suggestions[0] + "?"
	}
	return e
}

// unknownStateError explains that stateText names no state, suggesting the
// city in states whose names are spelled alike.
func (g *Gazetteer) unknownStateError(query, cityText, stateText string) *GeocodeError {
	e := &GeocodeError{
		Query:  query,
		Reason: fmt.Sprintf("%q is not a U.S. state; use a two-letter code such as TN or a name such as Tennessee", stateText),
	}
	key := stateKey(stateText)
	if len(key) < 4 {
		return e
	}
	var codes []string
	for code, name := range stateNames {
		if nk := stateKey(name); editDistance(key, nk, typoLimit(nk)) <= typoLimit(nk) {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	for _, code := range codes {
		if c := g.city(code, cityText); c != nil && len(e.Suggestions) < maxCitySuggestions {
			e.Suggestions = append(e.Suggestions, c.label())
		}
	}
	if len(e.Suggestions) > 0 {
		e.Reason += "; did you mean " + e.Suggestions[0] + "?"
	}
	return e
}
