package geo

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// stateNames maps the postal code of every state and territory in the ZIP
// table to its name.
var stateNames = map[string]string{
	"AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
	"CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
	"DC": "District of Columbia", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii",
	"ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
	"KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine",
	"MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
	"MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska",
	"NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
	"NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
	"OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
	"SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
	"UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
	"WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
	"PR": "Puerto Rico", "VI": "U.S. Virgin Islands", "GU": "Guam",
	"AS": "American Samoa", "MP": "Northern Mariana Islands",
}

// stateAliases are other names people write for a state, normalized as
// stateKey does.
var stateAliases = map[string]string{
	"virgin islands":               "VI",
	"united states virgin islands": "VI",
	"northern marianas":            "MP",
	"washington dc":                "DC",
	// AP style ("Nashville, Tenn."), where it differs from the postal code.
	"ala": "AL", "ariz": "AZ", "ark": "AR", "calif": "CA", "colo": "CO",
	"conn": "CT", "del": "DE", "fla": "FL", "ill": "IL", "ind": "IN",
	"kan": "KS", "kans": "KS", "mass": "MA", "mich": "MI", "minn": "MN",
	"miss": "MS", "mont": "MT", "neb": "NE", "nebr": "NE", "nev": "NV",
	"okla": "OK", "ore": "OR", "oreg": "OR", "tenn": "TN", "tex": "TX",
	"wash": "WA", "w va": "WV", "wva": "WV", "wis": "WI", "wisc": "WI", "wyo": "WY",
}

// stateIndex maps every way of naming a state that stateCode accepts,
// normalized by stateKey, to its postal code.
func stateIndex() map[string]string {
	m := make(map[string]string, 2*len(stateNames)+len(stateAliases))
	for code, name := range stateNames {
		m[stateKey(code)] = code
		m[stateKey(name)] = code
	}
	for alias, code := range stateAliases {
		m[alias] = code
	}
	return m
}

// stateKey lower-cases s, drops periods and reduces other punctuation and
// runs of spaces to single spaces: "U.S. Virgin  Islands" → "us virgin islands".
func stateKey(s string) string {
	s = strings.ReplaceAll(foldName(s), ".", "")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// cityWords expands the abbreviations people use in place names to the
// words the ZIP table spells out ("St. Louis" is "Saint Louis" there), and
// the new names of renamed towns to the names the tables still have.
var cityWords = map[string]string{
	"st":  "saint",
	"ste": "sainte",
	"ft":  "fort",
	"mt":  "mount",
	// Renamed since the tables were made: Barrow, AK is Utqiagvik
	// (2016).
	"utqiagvik": "barrow",
}

// cityKey reduces a city name to the form it is matched by: folded to lower
// case without accents, abbreviations expanded, and punctuation and spaces
// removed, so that "St. Mary's", "saint marys" and "Saint Marys" agree, and
// so do "McLean" and "Mc Lean".
func cityKey(s string) string {
	var buf [64]byte
	key := buf[:0]
	word := 0 // start of the current word in key
	endWord := func() {
		if long, ok := cityWords[string(key[word:])]; ok {
			key = append(key[:word], long...)
		}
		word = len(key)
	}
	for _, r := range s {
		r = foldRune(r)
		switch {
		case r < 0: // dropped without ending the word
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			key = utf8.AppendRune(key, r)
		default:
			endWord()
		}
	}
	endWord()
	return string(key)
}

// foldName lower-cases s and strips the accents common in U.S., Puerto
// Rican and Hawaiian place names, which the ZIP table spells without them
// and the places table with them ("Mayagüez", "Kīhei").
func foldName(s string) string {
	return strings.Map(foldRune, s)
}

// foldRune is foldName for one rune; it returns -1 for an apostrophe or a
// Hawaiian ʻokina (written ʻ, ‘, ’ or `), which joins rather than separates
// ("O'Fallon" matches "Ofallon", "Hale‘iwa" matches "Haleiwa").
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		switch {
		case 'A' <= r && r <= 'Z':
			return r + 'a' - 'A'
		case r == '\'' || r == '`':
			return -1
		}
		return r
	}
	r = unicode.ToLower(r)
	switch r {
	case 'á', 'à', 'â', 'ä', 'ã', 'å', 'ā':
		return 'a'
	case 'é', 'è', 'ê', 'ë', 'ē':
		return 'e'
	case 'í', 'ì', 'î', 'ï', 'ī':
		return 'i'
	case 'ó', 'ò', 'ô', 'ö', 'õ', 'ō':
		return 'o'
	case 'ú', 'ù', 'û', 'ü', 'ū':
		return 'u'
	case 'ñ':
		return 'n'
	case 'ç':
		return 'c'
	case '’', '‘', 'ʻ':
		return -1
	}
	return r
}

// editDistance returns the Levenshtein distance between a and b, in bytes,
// or limit+1 if it exceeds limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	// Rows on the stack for the names of the tables (all shorter).
	var pbuf, cbuf [48]int
	prev, cur := pbuf[:0], cbuf[:0]
	if len(b)+1 > len(pbuf) {
		prev, cur = make([]int, 0, len(b)+1), make([]int, 0, len(b)+1)
	}
	prev, cur = prev[:len(b)+1], cur[:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	if prev[len(b)] > limit {
		return limit + 1
	}
	return prev[len(b)]
}

// typoLimit is how many edits a misspelling of a key this long may have.
func typoLimit(key string) int {
	switch {
	case len(key) <= 4:
		return 1
	case len(key) <= 10:
		return 2
	}
	return 3
}
