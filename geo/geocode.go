package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

var (
	zipPattern       = regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`)
	zip9Pattern      = regexp.MustCompile(`^[0-9]{9}$`)
	zip4Pattern      = regexp.MustCompile(`^[0-9]{4}(-[0-9]{4})?$`)
	numberPattern    = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	nonFinitePattern = regexp.MustCompile(`(?i)^[+-]?(nan|inf|infinity)$`)
)

// Geocode places q, which may be
//
//   - a latitude and longitude in decimal degrees: "36.16,-86.78",
//     "36.16, -86.78" or "36.16 -86.78". Coordinates outside the U.S. that
//     would be inside it swapped ("-86.78,36.16") are refused as a mistake;
//     others outside it are valid points;
//   - a ZIP code, "37203", or ZIP+4, "37203-1234" or "372031234", placed at
//     the centroid of its ZIP Code Tabulation Area. Four digits, "6040", are
//     read as a ZIP code that lost its leading zero, 06040;
//   - a city and state: "Nashville, TN", "nashville, tennessee",
//     "Nashville TN", "St. Louis, MO", placed at the city's point in the
//     places table (the most populous place of the name in the state), or,
//     for a city the places table lacks, at the mean of the centroids of the
//     city's ZIP codes. "City, ST 37203" is taken as the ZIP code;
//   - a street address, "123 Main St, Nashville, TN 37203" (placed at the
//     ZIP code) or "123 Main St, Nashville, TN" (placed at the city): the
//     street itself is not used, and Place.Note says so.
//
// Place.Precision says which of these the point is. Any error is a
// *GeocodeError.
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
	if zr, ok := readZIP(query); ok {
		return g.geocodeZIP(query, zr, "")
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
	case LooksSwapped(lat, lon):
		// Before the range checks: "-120.5,45" is out of range only
		// because it is swapped.
		swapped := lonText + "," + latText
		return Place{}, &GeocodeError{
			Query: query,
			Reason: fmt.Sprintf("the latitude and longitude look swapped: %s,%s is outside the U.S., but %s is inside it; give the latitude first: %s",
				latText, lonText, swapped, swapped),
			Suggestions: []string{swapped},
		}
	case lat < -90 || lat > 90:
		return Place{}, &GeocodeError{Query: query, Reason: fmt.Sprintf("latitude %s is out of range; it must be between -90 and 90", latText)}
	case lon < -180 || lon > 180:
		return Place{}, &GeocodeError{Query: query, Reason: fmt.Sprintf("longitude %s is out of range; it must be between -180 and 180", lonText)}
	}
	lat, lon = lat+0, lon+0 // no -0
	return Place{
		Query:     query,
		Kind:      KindLatLon,
		Point:     orb.Point{lon, lat},
		Lat:       lat,
		Lon:       lon,
		Precision: PrecisionPoint,
		Label:     formatDegrees(lat) + "," + formatDegrees(lon),
	}, nil
}

func isRangeError(err error) bool { return errors.Is(err, strconv.ErrRange) }

// formatDegrees formats a coordinate to at most 6 decimals (about 0.1 m),
// without trailing zeros.
func formatDegrees(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6+0, 'f', -1, 64)
}

// zipRead is a ZIP code as read from a query.
type zipRead struct {
	text     string // as written
	zip      string // five digits
	repaired bool   // four digits, read with a leading zero
	note     string // how it was read, if not as written
}

// readZIP reads a ZIP code, a ZIP+4 code with or without its dash, or four
// digits, taken as a ZIP code whose leading zero was lost (as spreadsheets
// do to "06040").
func readZIP(s string) (zipRead, bool) {
	switch {
	case zipPattern.MatchString(s):
		return zipRead{text: s, zip: s[:5]}, true
	case zip9Pattern.MatchString(s):
		return zipRead{text: s, zip: s[:5], note: fmt.Sprintf("read %s as the ZIP+4 code %s-%s", s, s[:5], s[5:])}, true
	case zip4Pattern.MatchString(s):
		zip := "0" + s[:4]
		return zipRead{text: s, zip: zip, repaired: true, note: fmt.Sprintf("read %s as ZIP code %s, with the leading zero it had lost", s[:4], zip)}, true
	}
	return zipRead{}, false
}

func isZIP(s string) bool {
	return len(s) == 5 && strings.Trim(s, "0123456789") == ""
}

// geocodeZIP places a ZIP code read from query. note, if any, says what
// else of the query was left out, such as a street.
func (g *Gazetteer) geocodeZIP(query string, zr zipRead, note string) (Place, error) {
	z, ok := g.LookupZIP(zr.zip)
	if !ok {
		if zr.repaired {
			return Place{}, g.shortZIPError(query, zr)
		}
		near := g.nearestZIPs(zr.zip, maxZIPSuggestions)
		e := &GeocodeError{Query: query, Reason: fmt.Sprintf("no ZIP code %s in the U.S. ZIP table", zr.zip)}
		if len(near) > 0 {
			e.Reason += "; nearest: " + near[0].ZIP
		}
		for _, z := range near {
			e.Suggestions = append(e.Suggestions, zipLabel(z))
		}
		return Place{}, e
	}
	return Place{
		Query:     query,
		Kind:      KindZIP,
		Point:     z.Point,
		Lat:       z.Point[1],
		Lon:       z.Point[0],
		Precision: PrecisionZIP,
		Label:     zipLabel(z),
		Note:      joinNotes(zr.note, note),
		ZIP:       z.ZIP,
		City:      z.City,
		State:     z.State,
	}, nil
}

// shortZIPError explains that four digits are no ZIP code, even with a
// leading zero, and suggests the ZIP codes they begin, as if the last digit
// had been lost instead ("3720" for 37203), or else those nearest.
func (g *Gazetteer) shortZIPError(query string, zr zipRead) *GeocodeError {
	digits := zr.zip[1:]
	e := &GeocodeError{
		Query:  query,
		Reason: fmt.Sprintf("%s is not a ZIP code: a ZIP code has 5 digits, and %s is not one either", digits, zr.zip),
	}
	i, _ := slices.BinarySearchFunc(g.zips, digits, func(z ZIPPlace, prefix string) int { return strings.Compare(z.ZIP, prefix) })
	for ; i < len(g.zips) && strings.HasPrefix(g.zips[i].ZIP, digits) && len(e.Suggestions) < maxZIPSuggestions; i++ {
		e.Suggestions = append(e.Suggestions, zipLabel(g.zips[i]))
	}
	if len(e.Suggestions) == 0 {
		for _, z := range g.nearestZIPs(zr.zip, maxZIPSuggestions) {
			e.Suggestions = append(e.Suggestions, zipLabel(z))
		}
	}
	return e
}

// joinNotes joins the notes that are not empty.
func joinNotes(notes ...string) string {
	return strings.Join(slices.DeleteFunc(notes, func(s string) bool { return s == "" }), "; ")
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

// noteStreet is the note of a street address, whose street the gazetteer
// cannot place: the label says what it used instead.
const noteStreet = "the street address is not used"

// geocodeCity places "City, State" or "City State", optionally after a
// street line and followed by a ZIP code (which wins) or the country.
func (g *Gazetteer) geocodeCity(query string) (Place, error) {
	parts := strings.Split(query, ",")
	for i := range parts {
		parts[i] = strings.Join(strings.Fields(parts[i]), " ")
	}
	for len(parts) > 1 && (parts[len(parts)-1] == "" || countryNames[stateKey(parts[len(parts)-1])]) {
		parts = parts[:len(parts)-1]
	}
	if zr, ok := readZIP(parts[0]); ok && len(parts) == 1 { // "37203 ,"
		return g.geocodeZIP(query, zr, "")
	}
	if p, ok := g.geocodeLeadingZIP(query, parts); ok {
		return p, nil
	}
	p, err := g.geocodeCityWithZIP(query, parts)
	if err == nil {
		return p, nil
	}
	// "Midtown Atlanta", "near Nashville", "Memphis area": a place the
	// table lacks around a city it has.
	if core, dropped := g.withoutQualifiers(parts); dropped != "" {
		p, coreErr := g.geocodeCityWithZIP(query, core)
		if coreErr == nil {
			if p.Note == "" {
				p.Note = "placed at the city"
			}
			p.Note = fmt.Sprintf("%q is not used; %s", dropped, p.Note)
			return p, nil
		}
		// "East Nashvile": the city's suggestions.
		var e, coreE *GeocodeError
		if errors.As(err, &e) && errors.As(coreErr, &coreE) && len(e.Suggestions) == 0 && len(coreE.Suggestions) > 0 {
			return Place{}, coreErr
		}
	}
	return Place{}, err
}

// geocodeLeadingZIP places a ZIP code written before its city, "37203
// Nashville" or "37203 Nashville, TN". Five digits first are a ZIP code
// only if the rest names a city, and no street, of the ZIP code's state:
// "10200 Broadway, New York, NY" begins with a house number.
func (g *Gazetteer) geocodeLeadingZIP(query string, parts []string) (Place, bool) {
	first, rest, ok := strings.Cut(parts[0], " ")
	if !ok {
		return Place{}, false
	}
	zr, ok := readZIP(first)
	if !ok || zr.repaired {
		return Place{}, false
	}
	z, ok := g.LookupZIP(zr.zip)
	if !ok {
		return Place{}, false
	}
	after := append([]string{rest}, parts[1:]...)
	// "37203 Nashvile": the ZIP code's own city, misspelled.
	ownCity := len(after) == 1 && z.City != "" && editDistance(cityKey(rest), cityKey(z.City), 1) <= 1
	if !ownCity && (len(after) > 1 || g.city(z.State, rest) == nil) {
		c, err := g.geocodeCityParts(query, after)
		if err != nil || c.State != z.State || strings.Contains(c.Note, noteStreet) {
			return Place{}, false
		}
	}
	p, err := g.geocodeZIP(query, zr, "")
	return p, err == nil
}

// Qualifiers are words people put around a city's name to say a part of it
// or its surroundings, which the places table does not have.
var (
	leadingQualifiers = [][]string{
		{"downtown"}, {"midtown"}, {"uptown"}, {"central"}, {"greater"}, {"metro"}, {"inner"}, {"city", "of"},
		{"north"}, {"south"}, {"east"}, {"west"}, {"northeast"}, {"northwest"}, {"southeast"}, {"southwest"},
		{"side"}, {"northside"}, {"southside"}, {"eastside"}, {"westside"}, {"upper"}, {"lower"}, // "South Side Chicago"
		{"near"}, {"around"}, {"in"}, {"the"}, {"cerca", "de"}, {"centro", "de"}, {"en"},
	}
	trailingQualifiers = [][]string{
		{"area"}, {"metro"}, {"metropolitan"}, {"region"}, {"downtown"}, {"vicinity"}, {"centro"},
	}
)

// withoutQualifiers returns parts without the qualifiers before the first
// part and after the last ("Midtown Atlanta, GA", "Midtown, Atlanta, GA",
// "Nashville TN area"), and the words it left out, or "" when there were
// none. A state's name is no qualifier and a city: "North Carolina" stays.
func (g *Gazetteer) withoutQualifiers(parts []string) ([]string, string) {
	core := slices.Clone(parts)
	var dropped []string
	words := strings.Fields(core[0])
	for done := false; !done && !g.startsWithState(words); {
		done = true
		for _, q := range leadingQualifiers {
			if len(words) >= len(q) && (len(words) > len(q) || len(core) > 1) && hasWords(words[:len(q)], q) {
				dropped, words, done = append(dropped, words[:len(q)]...), words[len(q):], false
				break
			}
		}
	}
	if core[0] = strings.Join(words, " "); core[0] == "" && len(dropped) > 0 && len(core) > 1 {
		core = core[1:]
	}
	words = strings.Fields(core[len(core)-1])
	var after []string
	for done := false; !done; {
		done = true
		for _, q := range trailingQualifiers {
			if len(words) > len(q) && hasWords(words[len(words)-len(q):], q) {
				after, words, done = append(slices.Clone(words[len(words)-len(q):]), after...), words[:len(words)-len(q)], false
				break
			}
		}
	}
	core[len(core)-1] = strings.Join(words, " ")
	dropped = append(dropped, after...)
	return core, strings.Join(dropped, " ")
}

// startsWithState reports whether words begin with a state's name of two
// or three words, "North Carolina", "West Virginia".
func (g *Gazetteer) startsWithState(words []string) bool {
	for n := 2; n <= min(3, len(words)); n++ {
		if _, ok := g.states[stateKey(strings.Join(words[:n], " "))]; ok {
			return true
		}
	}
	return false
}

// hasWords reports whether words are want, letter case aside.
func hasWords(words, want []string) bool {
	for i, w := range want {
		if !strings.EqualFold(words[i], w) {
			return false
		}
	}
	return true
}

// geocodeCityWithZIP places the comma-separated parts of a query, country
// removed: a city and state, perhaps after a street line and before a ZIP
// code.
func (g *Gazetteer) geocodeCityWithZIP(query string, parts []string) (Place, error) {
	// A trailing ZIP code, as in our own labels, "Nashville, TN 37203", or
	// after a comma of its own.
	last := parts[len(parts)-1]
	if i := strings.LastIndexByte(last, ' '); i >= 0 || len(parts) > 1 {
		if zr, ok := readZIP(last[i+1:]); ok {
			before := slices.Clone(parts[:len(parts)-1])
			if i >= 0 {
				before = append(before, last[:i])
			}
			note := ""
			if hasStreet(parts) {
				note = noteStreet
			}
			return g.geocodeTrailingZIP(query, before, zr, note)
		}
	}
	return g.geocodeCityParts(query, parts)
}

// geocodeTrailingZIP places a query that ends with a ZIP code after the
// comma-separated parts before: the city and state, perhaps after a street.
// The ZIP code wins, unless the table lacks it ("1600 Pennsylvania Ave NW,
// Washington, DC 20500": the White House has a ZIP code of its own, with no
// area) or it was repaired into a ZIP of another state than the one written
// ("Paris, TN 3824" is not 03824 in New Hampshire); then the city is used,
// if it can be. note says what else was left out.
func (g *Gazetteer) geocodeTrailingZIP(query string, before []string, zr zipRead, note string) (Place, error) {
	z, ok := g.LookupZIP(zr.zip)
	var reason string
	switch written := g.writtenState(before); {
	case !ok:
		reason = fmt.Sprintf("no ZIP code %s in the U.S. ZIP table", zr.zip)
	case zr.repaired && written != "" && written != z.State:
		reason = fmt.Sprintf("%s is not a ZIP code of %s", zr.text, stateNames[written])
	default:
		return g.geocodeZIP(query, zr, note)
	}
	if len(before) > 0 {
		if p, err := g.geocodeCityParts(query, before); err == nil {
			p.Note = joinNotes(reason+"; placed at the city", p.Note)
			return p, nil
		}
	}
	if ok { // repaired into another state's ZIP
		return Place{}, g.shortZIPError(query, zr)
	}
	return g.geocodeZIP(query, zr, note)
}

// writtenState returns the state that the comma-separated parts of a query
// end with, or "".
func (g *Gazetteer) writtenState(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	words := strings.Fields(parts[len(parts)-1])
	for n := min(3, len(words)); n >= 1; n-- {
		if state, ok := g.states[stateKey(strings.Join(words[len(words)-n:], " "))]; ok {
			return state
		}
	}
	return ""
}

// hasStreet reports whether the comma-separated parts of a query begin with
// a street line before the city: "123 Main St, Nashville, TN", or, without
// commas, "123 Main St Nashville TN".
func hasStreet(parts []string) bool {
	if len(parts) == 1 {
		words := strings.Fields(parts[0])
		return len(words) > 3 && isHouseNumber(words[0])
	}
	return isStreetLine(parts[0]) && (len(parts) > 2 || isHouseNumber(strings.Fields(parts[0])[0]))
}

// geocodeCityParts places the comma-separated parts of a query, ZIP code
// and country removed: a city and a state, after any street lines.
func (g *Gazetteer) geocodeCityParts(query string, parts []string) (Place, error) {
	_, stateLast := g.states[stateKey(parts[len(parts)-1])]
	if len(parts) > 1 && isStreetLine(parts[0]) && !(len(parts) == 2 && stateLast) { // "Metairie Terrace, LA" is a town
		p, err := g.geocodeCityParts(query, parts[1:])
		if err == nil {
			p.Note = noteStreet
			return p, nil
		}
		// "Pike Road, AL" is a town with a street word in its name: with
		// two parts and no house number, try the whole.
		if len(parts) > 2 || isHouseNumber(strings.Fields(parts[0])[0]) {
			return Place{}, err
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
		if p, ok := g.nicknameIn(query, cityText, state); ok { // "LA, CA"
			return p, nil
		}
		return Place{}, g.unknownCityError(query, cityText, state)
	}

	// No comma: the state is the last one, two or three words, perhaps
	// followed by the country.
	words := strings.Fields(parts[0])
	for n := min(4, len(words)-1); n >= 1; n-- {
		if countryNames[stateKey(strings.Join(words[len(words)-n:], " "))] {
			words = words[:len(words)-n]
			break
		}
	}
	// A nickname: "NYC", "LA".
	whole := strings.Join(words, " ")
	if p, ok := g.nickname(query, cityKey(whole)); ok {
		return p, nil
	}
	type split struct {
		city  []string
		state string
	}
	var splits []split
	for n := min(3, len(words)-1); n >= 1; n-- {
		if state, ok := g.states[stateKey(strings.Join(words[len(words)-n:], " "))]; ok {
			splits = append(splits, split{words[:len(words)-n], state})
		}
	}
	for _, s := range splits {
		if c := g.city(s.state, strings.Join(s.city, " ")); c != nil {
			return cityPlace(query, c), nil
		}
		if p, ok := g.nicknameIn(query, strings.Join(s.city, " "), s.state); ok { // "SF CA"
			return p, nil
		}
	}
	// A state's name alone, unless it split into a city and state above
	// ("Washington DC"): "West Virginia" is no city West in Virginia.
	if state, ok := g.states[stateKey(whole)]; ok {
		return Place{}, g.wholeStateError(query, cityKey(whole), state)
	}
	// "123 Main St Nashville TN": the city is the longest run of words
	// at the end that names one.
	if len(words) > 0 && isHouseNumber(words[0]) {
		for _, s := range splits {
			for i := 1; i < len(s.city); i++ {
				if c := g.city(s.state, strings.Join(s.city[i:], " ")); c != nil {
					p := cityPlace(query, c)
					p.Note = noteStreet
					return p, nil
				}
			}
		}
	}
	if len(splits) > 0 {
		return Place{}, g.unknownCityError(query, strings.Join(splits[0].city, " "), splits[0].state)
	}
	return g.geocodeBareCity(query, strings.Join(words, " "))
}

// cityNicknames are what people call a few big cities, with a note when
// the name also means something else.
var cityNicknames = map[string]struct{ city, state, note string }{
	"nyc":        {"New York City", "NY", ""},
	"new york":   {"New York City", "NY", "placed at New York City; for elsewhere in New York State, enter a city and state or a ZIP code"},
	"dc":         {"Washington", "DC", ""},
	"philly":     {"Philadelphia", "PA", ""},
	"vegas":      {"Las Vegas", "NV", ""},
	"nola":       {"New Orleans", "LA", ""},
	"la":         {"Los Angeles", "CA", "placed at Los Angeles; for Louisiana, enter a city and state or a ZIP code"},
	"sf":         {"San Francisco", "CA", ""},
	"san fran":   {"San Francisco", "CA", ""},
	"atl":        {"Atlanta", "GA", ""},
	"kc":         {"Kansas City", "MO", "placed at Kansas City, MO; for Kansas City, KS, add the state"},
	"okc":        {"Oklahoma City", "OK", ""},
	"slc":        {"Salt Lake City", "UT", ""},
	"abq":        {"Albuquerque", "NM", ""},
	"indy":       {"Indianapolis", "IN", ""},
	"jax":        {"Jacksonville", "FL", ""},
	"st pete":    {"St. Petersburg", "FL", ""},
	"nueva york": {"New York City", "NY", ""},
}

// nickname places key if it is a nickname of a city.
func (g *Gazetteer) nickname(query, key string) (Place, bool) {
	for name, nick := range cityNicknames {
		if cityKey(name) != key {
			continue
		}
		if c := g.city(nick.state, nick.city); c != nil {
			p := cityPlace(query, c)
			p.Note = nick.note
			return p, true
		}
	}
	return Place{}, false
}

// nicknameIn places name if it is a nickname of a city of state: "SF, CA",
// not "LA, LA".
func (g *Gazetteer) nicknameIn(query, name, state string) (Place, bool) {
	p, ok := g.nickname(query, cityKey(name))
	if !ok || p.State != state {
		return Place{}, false
	}
	p.Note = ""
	return p, true
}

// dominantShare is how many times more people the most populous city of a
// name must have than the next for the name alone to mean it:
// "Nashville" is Nashville, TN, "Portland" Portland, OR, but "Springfield"
// must be told its state.
const dominantShare = 4

// geocodeBareCity places a name written without a state, neither a
// nickname nor a state's name. A name only one city has ("Los Angeles"),
// or a name whose most populous city dwarfs the others ("Nashville"), is
// placed there, the other cities of the name in Place.Note; anything else
// is refused with the cities of the name, or of names a typo away, as
// suggestions.
func (g *Gazetteer) geocodeBareCity(query, name string) (Place, error) {
	key := cityKey(name)
	named := g.citiesNamed(key) // most important first
	if len(named) == 1 || len(named) > 1 && named[0].population > 0 && named[0].population >= dominantShare*named[1].population {
		p := cityPlace(query, named[0])
		if len(named) > 1 {
			for _, c := range named[1:min(len(named), maxCitySuggestions+1)] {
				p.Alternatives = append(p.Alternatives, c.label())
			}
			more := ""
			if len(named) > maxCitySuggestions+1 {
				more = " and others"
			}
			p.Note = fmt.Sprintf("placed at %s, the largest of the name; also %s%s: add the state to choose", p.Label, strings.Join(p.Alternatives, ", "), more)
		}
		return p, nil
	}
	why := WhySharedName
	if len(named) == 0 {
		named, why = g.citiesNear(key), ""
	}
	example := "Nashville, TN"
	if len(named) > 0 {
		example = named[0].label()
	}
	e := &GeocodeError{Query: query, Reason: fmt.Sprintf("add the state, such as %q, or enter a ZIP code", example), Why: why}
	for _, c := range named {
		if len(e.Suggestions) == maxCitySuggestions {
			break
		}
		e.Suggestions = append(e.Suggestions, c.label())
	}
	return Place{}, e
}

// bigCity is the population from which a city of a state's name is
// suggested when the state's name is typed alone: "Washington" may mean
// Washington, DC.
const bigCity = 100_000

// wholeStateError refuses a state's name typed alone, suggesting a big
// city of that very name elsewhere, then the state's largest cities.
func (g *Gazetteer) wholeStateError(query, key, state string) *GeocodeError {
	e := &GeocodeError{Query: query, Reason: fmt.Sprintf("%s is a whole state; enter a city and state or a ZIP code", stateNames[state]), Why: WhyWholeState}
	for _, c := range g.citiesNamed(key) {
		if c.state != state && c.population >= bigCity && len(e.Suggestions) < maxCitySuggestions {
			e.Suggestions = append(e.Suggestions, c.label())
		}
	}
	cs := g.stateCities(state)
	largest := make([]*gazetteerCity, 0, len(cs))
	for i := range cs {
		if cs[i].placed {
			largest = append(largest, &cs[i])
		}
	}
	slices.SortFunc(largest, byImportance)
	for _, c := range largest[:min(len(largest), maxCitySuggestions-len(e.Suggestions))] {
		e.Suggestions = append(e.Suggestions, c.label())
	}
	return e
}

// citiesNear returns the cities, in any state, whose names are within the
// typo limit of key, the closest and then the most important first.
func (g *Gazetteer) citiesNear(key string) []*gazetteerCity {
	if len(key) < 4 {
		return nil
	}
	limit := typoLimit(key)
	type near struct {
		c *gazetteerCity
		d int
	}
	var found []near
	hist := countLetters(key)
	for k := range g.names {
		nk := &g.names[k]
		if n := len(nk.key) - len(key); n > limit || -n > limit || hist.moreEditsThan(&nk.hist, limit) {
			continue
		}
		d := editDistance(key, nk.key, limit)
		if d > limit {
			continue
		}
		for _, i := range g.byName[nk.first:] {
			if g.cities[i].key != nk.key {
				break
			}
			found = append(found, near{&g.cities[i], d})
		}
	}
	slices.SortFunc(found, func(a, b near) int { return cmp.Or(cmp.Compare(a.d, b.d), byImportance(a.c, b.c)) })
	out := make([]*gazetteerCity, len(found))
	for i, n := range found {
		out[i] = n.c
	}
	return out
}

func cityPlace(query string, c *gazetteerCity) Place {
	return Place{
		Query:     query,
		Kind:      KindCity,
		Point:     c.point,
		Lat:       c.point[1],
		Lon:       c.point[0],
		Precision: PrecisionCity,
		Label:     c.label(),
		City:      c.name,
		State:     c.state,
	}
}

// unknownCityError explains that state has no city named cityText. It
// suggests, best first, likely misspellings in the state, the same name in
// other states, less likely misspellings, and names one starts the other
// with ("New York" for "New York Mills").
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
		return byImportance(a.c, b.c)
	})
	e := &GeocodeError{
		Query:  query,
		Reason: fmt.Sprintf("no city named %q in %s", cityText, stateNames[state]),
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
