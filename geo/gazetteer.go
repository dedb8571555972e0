package geo

import (
	"bytes"
	"cmp"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"
)

// zipTableGz is the U.S. ZIP table: ZIP, ZCTA centroid, city and state.
// scripts/gen-zips.sh generates it; zipdata/README.md says from what.
//
//go:embed zipdata/zips.tsv.gz
var zipTableGz []byte

// placeTableGz is the table of U.S. populated places: name, state, point and
// population, from GeoNames. scripts/gen-places.sh generates it;
// zipdata/README.md says from what.
//
//go:embed zipdata/places.tsv.gz
var placeTableGz []byte

// zipTableHeader is the first line of the ZIP table.
const zipTableHeader = "zip\tlat\tlon\tcity\tstate"

// placeTableHeader is the first line of the places table.
const placeTableHeader = "name\tstate\tlat\tlon\tpopulation"

// A place of the places table is taken for another town than the ZIP
// table's city of the same name and state, and left out, when it is more
// than otherTownMinKm from every ZIP centroid of that city and the centroid
// of some other ZIP of the state is otherTownRatio times nearer. GeoNames has, for example,
// two places named Morehead in Kentucky: the one 345 km from ZIP 40351
// (Morehead) is not the Morehead the Postal Service knows. Far-flung towns
// keep their places: Kenai, AK is 43 km from the centroid of its vast ZIP,
// but the nearest other ZIP centroid is 25 km from it.
const (
	otherTownMinKm = 30
	otherTownRatio = 8
)

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
	KindZIP    = "zip"    // the query was a ZIP code (perhaps after a street and city)
	KindCity   = "city"   // the query was a city and state (perhaps after a street)
)

// Precisions of Place: what its point is.
const (
	PrecisionPoint = "point" // the latitude and longitude given
	PrecisionZIP   = "zip"   // the centroid of a ZIP code's area
	PrecisionCity  = "city"  // a city's center, or the mean of its ZIPs' centroids
)

// Place is a geocoded location.
type Place struct {
	Query string    `json:"query"` // as given, less surrounding space
	Kind  string    `json:"kind"`  // KindLatLon, KindZIP or KindCity
	Point orb.Point `json:"-"`     // [Lon, Lat]
	Lat   float64   `json:"lat"`
	Lon   float64   `json:"lon"`
	// Precision says what the point is: PrecisionPoint, PrecisionZIP or
	// PrecisionCity.
	Precision string `json:"precision"`
	// Label names the place for people: "Nashville, TN 37203",
	// "Nashville, TN" or "36.16,-86.78".
	Label string `json:"label"`
	// Note says, in plain English, how the query was read when that is not
	// plain from the label: a ZIP code repaired, a street left out.
	Note string `json:"note,omitempty"`
	// Alternatives are the labels of other cities of the name, most
	// important first, when a city was named without its state and
	// placed at the largest ("Nashville, NC" for "Nashville").
	Alternatives []string `json:"alternatives,omitempty"`
	ZIP          string   `json:"zip,omitempty"`
	City         string   `json:"city,omitempty"`
	State        string   `json:"state,omitempty"` // two-letter postal code
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
	// Why says why, where a page should say more than "not found":
	// WhyWholeState or WhySharedName; "" otherwise.
	Why string `json:"why,omitempty"`
}

// Why a GeocodeError named a place but could not choose a point.
const (
	// WhyWholeState is a state's name alone, "Tennessee": Suggestions
	// are its largest cities.
	WhyWholeState = "whole_state"
	// WhySharedName is a city's name that several states have, with no
	// one city far the largest, "Springfield": Suggestions are those
	// cities.
	WhySharedName = "shared_name"
)

// Error implements the error interface.
func (e *GeocodeError) Error() string {
	return fmt.Sprintf("geocode %q: %s", e.Query, e.Reason)
}

// Gazetteer geocodes offline from the embedded ZIP and places tables. It is
// immutable and safe for concurrent use.
type Gazetteer struct {
	zips   []ZIPPlace      // sorted by ZIP
	cities []gazetteerCity // sorted by state, then key
	byName []int32         // cities by key, then most important first
	// names are the distinct keys, in byName's order, with their letter
	// counts, for citiesNear.
	names  []nameKey
	states map[string]string
}

// nameKey is a distinct city key: its first place in byName and its
// letter counts, whose difference from another key's bounds the edit
// distance between them from below.
type nameKey struct {
	key   string
	first int32
	hist  letterCounts
}

// letterCounts counts a key's letters a to z, and everything else in the
// last slot.
type letterCounts [27]uint8

func countLetters(key string) letterCounts {
	var h letterCounts
	for i := 0; i < len(key); i++ {
		c := key[i]
		slot := 26
		if 'a' <= c && c <= 'z' {
			slot = int(c - 'a')
		}
		if h[slot] < 255 {
			h[slot]++
		}
	}
	return h
}

// moreEditsThan reports whether keys with these letter counts are more
// than limit edits apart, as far as the counts tell: an edit adds at most
// one letter and removes at most one.
func (h *letterCounts) moreEditsThan(o *letterCounts, limit int) bool {
	more, fewer := 0, 0
	for i := range h {
		if d := int(h[i]) - int(o[i]); d > 0 {
			more += d
		} else {
			fewer -= d
		}
		if more > limit || fewer > limit {
			return true
		}
	}
	return false
}

// gazetteerCity is a city: a populated place of the places table, at its
// point, or else a city of the ZIP table, at the mean of its ZIPs'
// centroids.
type gazetteerCity struct {
	name, state, key string
	point            orb.Point
	zips             int  // ZIPs of the ZIP table in the city
	population       int  // from the places table; 0 if it lacks the city
	placed           bool // point and name are the places table's
}

func (c *gazetteerCity) label() string { return c.name + ", " + c.state }

// placeRow is a row of the places table.
type placeRow struct {
	name, state string
	point       orb.Point
	population  int
}

// loadGazetteer parses the embedded tables once per process.
var loadGazetteer = sync.OnceValues(func() (*Gazetteer, error) {
	return parseGazetteer(zipTableGz, placeTableGz)
})

// NewGazetteer returns the Gazetteer of the embedded tables. They are parsed
// on the first call; later calls return the same Gazetteer.
func NewGazetteer() (*Gazetteer, error) {
	return loadGazetteer()
}

// parseGazetteer reads a gzipped ZIP table and a gzipped places table; with
// no places (nil), cities are placed at the means of their ZIPs. The places
// table is read in a goroutine of its own while the ZIP table is, which
// takes a fifth off the server's start on two cores.
func parseGazetteer(zipGz, placeGz []byte) (*Gazetteer, error) {
	type placesResult struct {
		places []placeRow
		err    error
	}
	placesDone := make(chan placesResult, 1)
	go func() {
		places, err := parsePlaces(placeGz)
		placesDone <- placesResult{places, err}
	}()
	zips, err := parseZIPs(zipGz)
	pr := <-placesDone
	if err != nil {
		return nil, err
	}
	if pr.err != nil {
		return nil, pr.err
	}
	g := &Gazetteer{zips: zips, states: stateIndex()}
	g.indexCities(pr.places)
	return g, nil
}

// parseZIPs reads a gzipped ZIP table.
func parseZIPs(gz []byte) ([]ZIPPlace, error) {
	text, err := gunzipTable(gz, zipTableHeader)
	if err != nil {
		return nil, fmt.Errorf("read ZIP table: %w", err)
	}
	zips := make([]ZIPPlace, 0, strings.Count(text, "\n"))
	for lineNo := 2; text != ""; lineNo++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		z, err := parseZIPLine(line)
		if err != nil {
			return nil, fmt.Errorf("read ZIP table: line %d: %w", lineNo, err)
		}
		if n := len(zips); n > 0 && zips[n-1].ZIP >= z.ZIP {
			return nil, fmt.Errorf("read ZIP table: line %d: ZIP %s out of order", lineNo, z.ZIP)
		}
		zips = append(zips, z)
	}
	if len(zips) == 0 {
		return nil, fmt.Errorf("read ZIP table: no rows")
	}
	return zips, nil
}

// parsePlaces reads a gzipped places table; nil is no table.
func parsePlaces(gz []byte) ([]placeRow, error) {
	if gz == nil {
		return nil, nil
	}
	text, err := gunzipTable(gz, placeTableHeader)
	if err != nil {
		return nil, fmt.Errorf("read places table: %w", err)
	}
	places := make([]placeRow, 0, strings.Count(text, "\n"))
	for lineNo := 2; text != ""; lineNo++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		p, err := parsePlaceLine(line)
		if err != nil {
			return nil, fmt.Errorf("read places table: line %d: %w", lineNo, err)
		}
		places = append(places, p)
	}
	if len(places) == 0 {
		return nil, fmt.Errorf("read places table: no rows")
	}
	return places, nil
}

// gunzipTable decompresses a table and returns it after its header line,
// which must be header.
func gunzipTable(gz []byte, header string) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if len(gz) >= 4 { // the gzip trailer ends with the uncompressed size
		buf.Grow(int(binary.LittleEndian.Uint32(gz[len(gz)-4:])) + 1)
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		return "", err
	}
	head, text, _ := strings.Cut(buf.String(), "\n")
	if head != header {
		return "", fmt.Errorf("header %q, want %q", head, header)
	}
	return text, nil
}

// indexCities groups the ZIPs into cities by state and cityKey, and places
// each city at the most populous place of the same state and key in places,
// adding the places no ZIP names.
func (g *Gazetteer) indexCities(places []placeRow) {
	// Sorting on strings dominates, so rank the keys once and sort on
	// integers: a row's sort key is its state's rank, then its key's.
	// The tables have about 28,000 city names and 17,000 place names, most
	// of them distinct.
	names := len(g.zips)*5/6 + len(places)
	keyOfName := make(map[string]int32, names) // city name → index in keys
	keyIndex := make(map[string]int32, names)  // key → index in keys
	keys := make([]string, 0, names)
	keyOf := func(name string) int32 {
		k, ok := keyOfName[name]
		if !ok {
			key := cityKey(name)
			if k, ok = keyIndex[key]; !ok {
				k = int32(len(keys))
				keys = append(keys, key)
				keyIndex[key] = k
			}
			keyOfName[name] = k
		}
		return k
	}
	rows := make([]zipRow, 0, len(g.zips))
	prevCity, prevKey := "", int32(0) // neighboring ZIPs often share a city
	for i := range g.zips {
		z := &g.zips[i]
		if z.City == "" {
			continue
		}
		if z.City != prevCity {
			prevCity, prevKey = z.City, keyOf(z.City)
		}
		rows = append(rows, zipRow{z: z, rank: uint64(prevKey), key: prevKey})
	}
	type placeRank struct {
		p    *placeRow
		rank uint64
		key  int32 // index in keys
	}
	ranked := make([]placeRank, len(places))
	for i := range places {
		k := keyOf(places[i].name)
		ranked[i] = placeRank{&places[i], uint64(k), k}
	}
	keyRank := rankStrings(keys)
	states := slices.Sorted(maps.Keys(stateNames))
	rankOf := func(state string, k uint64) uint64 {
		st, _ := slices.BinarySearch(states, state)
		return uint64(st)<<32 | uint64(keyRank[k])
	}
	for i := range rows {
		rows[i].rank = rankOf(rows[i].z.State, rows[i].rank)
	}
	for i := range ranked {
		ranked[i].rank = rankOf(ranked[i].p.state, ranked[i].rank)
	}
	slices.SortFunc(rows, func(a, b zipRow) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return strings.Compare(a.z.City, b.z.City)
	})
	// Places of the same state and key: the most populous first, then a
	// fixed order, so that the choice does not depend on the table's order.
	slices.SortFunc(ranked, func(a, b placeRank) int {
		if a.rank != b.rank {
			return cmp.Compare(a.rank, b.rank)
		}
		return cmp.Or(
			cmp.Compare(b.p.population, a.p.population),
			strings.Compare(a.p.name, b.p.name),
			cmp.Compare(a.p.point[1], b.p.point[1]),
			cmp.Compare(a.p.point[0], b.p.point[0]),
		)
	})

	// sameTown tells whether a place is the town of the ZIP table's city
	// whose ZIPs are own, comparing it with the other ZIPs of the state.
	// Rows are sorted by state first, so a state's are together.
	sameTown := func(p *placeRow, own []zipRow) bool {
		if len(own) == 0 {
			return true
		}
		ownKm := math.Inf(1)
		for _, r := range own {
			ownKm = min(ownKm, DistanceKm(p.point, r.z.Point))
		}
		if ownKm <= otherTownMinKm {
			return true
		}
		radiusKm := ownKm / otherTownRatio
		radiusDeg := radiusKm / EarthRadiusKm / degToRad
		state := own[0].rank >> 32
		lo, _ := slices.BinarySearchFunc(rows, state, func(r zipRow, st uint64) int { return cmp.Compare(r.rank>>32, st) })
		for _, r := range rows[lo:] {
			if r.rank>>32 != state {
				break
			}
			if math.Abs(r.z.Point[1]-p.point[1]) <= radiusDeg && DistanceKm(p.point, r.z.Point) < radiusKm {
				return false
			}
		}
		return true
	}

	g.cities = make([]gazetteerCity, 0, len(rows)/2+len(ranked))
	cityKeyRank := make([]int32, 0, cap(g.cities))
	for start, pi := 0, 0; start < len(rows) || pi < len(ranked); {
		var c gazetteerCity
		var rank uint64
		var own []zipRow // the city's ZIPs
		if start < len(rows) && (pi == len(ranked) || rows[start].rank <= ranked[pi].rank) {
			end := start + 1
			for end < len(rows) && rows[end].rank == rows[start].rank {
				end++
			}
			rank, own = rows[start].rank, rows[start:end]
			c = zipCity(rows[start].z.State, keys[rows[start].key], own)
			start = end
		} else {
			rank = ranked[pi].rank
			c = gazetteerCity{state: ranked[pi].p.state, key: keys[ranked[pi].key]}
		}
		// The most populous place of the name that is the same town as
		// the ZIP table's city, if any.
		for ; pi < len(ranked) && ranked[pi].rank == rank; pi++ {
			if p := ranked[pi].p; !c.placed && sameTown(p, own) {
				c.name, c.point, c.population, c.placed = p.name, p.point, p.population, true
			}
		}
		g.cities = append(g.cities, c)
		cityKeyRank = append(cityKeyRank, int32(rank))
	}

	// Order the cities by key with a counting sort on the key ranks, then
	// each run of one key, seldom more than a few, by importance.
	start := make([]int32, len(keys)+1)
	for _, k := range cityKeyRank {
		start[k+1]++
	}
	for k := 1; k < len(start); k++ {
		start[k] += start[k-1]
	}
	g.byName = make([]int32, len(g.cities))
	next := slices.Clone(start[:len(keys)])
	for i, k := range cityKeyRank {
		g.byName[next[k]] = int32(i)
		next[k]++
	}
	for k := range keys {
		if run := g.byName[start[k]:start[k+1]]; len(run) > 1 {
			slices.SortFunc(run, func(a, b int32) int { return byImportance(&g.cities[a], &g.cities[b]) })
		}
		if start[k] < start[k+1] {
			key := g.cities[g.byName[start[k]]].key
			g.names = append(g.names, nameKey{key: key, first: start[k], hist: countLetters(key)})
		}
	}
}

// zipRow is a ZIP of the ZIP table with a city, as indexCities sorts them.
type zipRow struct {
	z    *ZIPPlace
	rank uint64 // state rank << 32 | key index, then key rank
	key  int32  // index in keys
}

// zipCity makes the city of a state and key from its ZIPs, given in order
// of city name: it is named by its most common spelling, and placed at the
// mean of its ZIPs, summing longitudes relative to the first the short way
// round, in case a city straddles the antimeridian.
func zipCity(state, key string, zips []zipRow) gazetteerCity {
	c := gazetteerCity{state: state, key: key}
	var lon0, sumLat, sumLon float64
	run, bestRun := 0, 0
	var prev string
	for _, r := range zips {
		z := r.z
		if c.zips == 0 {
			lon0 = z.Point[0]
		}
		if z.City != prev {
			prev, run = z.City, 0
		}
		if run++; run > bestRun {
			c.name, bestRun = z.City, run
		}
		sumLat += z.Point[1]
		d := z.Point[0] - lon0
		if d > 180 {
			d -= 360
		} else if d < -180 {
			d += 360
		}
		sumLon += d
		c.zips++
	}
	n := float64(c.zips)
	c.point = orb.Point{normalizeLon(lon0 + sumLon/n), sumLat / n}
	return c
}

// rankStrings returns the rank of each of ss in sorted order.
func rankStrings(ss []string) []int32 {
	type entry struct {
		s string
		i int32
	}
	order := make([]entry, len(ss))
	for i, s := range ss {
		order[i] = entry{s, int32(i)}
	}
	slices.SortFunc(order, func(a, b entry) int { return strings.Compare(a.s, b.s) })
	rank := make([]int32, len(ss))
	for r, e := range order {
		rank[e.i] = int32(r)
	}
	return rank
}

// byImportance orders cities for suggestions: the most populous first, then
// those with the most ZIPs (the places table lacks most small towns), then
// by label.
func byImportance(a, b *gazetteerCity) int {
	return cmp.Or(
		cmp.Compare(b.population, a.population),
		cmp.Compare(b.zips, a.zips),
		strings.Compare(a.state, b.state),
		strings.Compare(a.name, b.name),
	)
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

// citiesNamed returns the cities, in any state, whose key is key, the most
// important first.
func (g *Gazetteer) citiesNamed(key string) []*gazetteerCity {
	i, _ := slices.BinarySearchFunc(g.byName, key, func(c int32, k string) int { return strings.Compare(g.cities[c].key, k) })
	var cs []*gazetteerCity
	for ; i < len(g.byName) && g.cities[g.byName[i]].key == key; i++ {
		cs = append(cs, &g.cities[g.byName[i]])
	}
	return cs
}

// parsePlaceLine parses "name\tstate\tlat\tlon\tpopulation".
func parsePlaceLine(line string) (placeRow, error) {
	var f [5]string
	rest := line
	for i := range 4 {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, "\t"); !ok {
			return placeRow{}, fmt.Errorf("%d fields, want 5", i+1)
		}
	}
	f[4] = rest
	if strings.Contains(rest, "\t") {
		return placeRow{}, fmt.Errorf("more than 5 fields")
	}
	if f[0] == "" {
		return placeRow{}, fmt.Errorf("no name")
	}
	if _, ok := stateNames[f[1]]; !ok {
		return placeRow{}, fmt.Errorf("%s: unknown state %q", f[0], f[1])
	}
	lat, err1 := strconv.ParseFloat(f[2], 64)
	lon, err2 := strconv.ParseFloat(f[3], 64)
	if err1 != nil || err2 != nil || !validLatLon(lat, lon) || lon < -180 || lon > 180 {
		return placeRow{}, fmt.Errorf("%s, %s: bad coordinates %q, %q", f[0], f[1], f[2], f[3])
	}
	pop, err := strconv.Atoi(f[4])
	if err != nil || pop < 0 {
		return placeRow{}, fmt.Errorf("%s, %s: bad population %q", f[0], f[1], f[4])
	}
	return placeRow{name: f[0], state: f[1], point: orb.Point{lon, lat}, population: pop}, nil
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
