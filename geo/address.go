package geo

import "strings"

// streetSuffixes are words that end street names ("Main St", "Highway 31
// South" aside). They mark a street line when they are not its first word,
// where "St." and "Ste." are Saint and Sainte.
var streetSuffixes = map[string]bool{
	"street": true, "st": true, "avenue": true, "ave": true, "av": true,
	"road": true, "rd": true, "boulevard": true, "blvd": true, "drive": true,
	"dr": true, "lane": true, "ln": true, "court": true, "ct": true,
	"place": true, "pl": true, "parkway": true, "pkwy": true, "circle": true,
	"cir": true, "terrace": true, "ter": true, "trail": true, "trl": true,
	"pike": true, "square": true, "sq": true, "plaza": true, "plz": true,
	"expressway": true, "expy": true, "freeway": true, "fwy": true,
	"highway": true, "hwy": true,
}

// streetWords mark a street line wherever they are: numbered roads, boxes,
// and the units of a building.
var streetWords = map[string]bool{
	"highway": true, "hwy": true, "route": true, "rte": true,
	"po": true, "box": true, "suite": true, "apt": true, "apartment": true,
	"unit": true, "floor": true, "room": true, "bldg": true, "building": true,
}

// isStreetLine reports whether a part of a query, before the city, is a
// street line: it starts with a house number ("123 Main St", "1600
// Pennsylvania Ave NW") or has typical street words ("Main Street", "PO Box
// 12", "Suite 200").
func isStreetLine(part string) bool {
	words := strings.Fields(stateKey(part))
	if len(words) == 0 {
		return false
	}
	if len(words) > 1 && isHouseNumber(words[0]) {
		return true
	}
	for i, w := range words {
		if streetWords[w] || i > 0 && streetSuffixes[w] {
			return true
		}
	}
	return false
}

// isHouseNumber reports whether a word is a house number: digits, perhaps
// with a letter or a half ("123", "123A", "12-34"), but not an ordinal,
// which begins street names ("1st").
func isHouseNumber(word string) bool {
	if word == "" || word[0] < '0' || word[0] > '9' {
		return false
	}
	digits := strings.TrimLeft(word, "0123456789")
	switch strings.ToLower(digits) {
	case "", "a", "b", "c", "d":
		return true
	case "st", "nd", "rd", "th":
		return false
	}
	return strings.Trim(digits, "-0123456789") == ""
}
