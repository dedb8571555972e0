package data

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameConnectors are words a name line cannot end with unless the name goes
// on in the next line: "Department of" / "Veterans Affairs Medical Center".
// The value says whether the word connects only in lower case: "Outside
// In" is a whole name.
var nameConnectors = map[string]bool{
	"of": false, "for": false, "and": false, "the": false, "at": false, "&": false, "on": false,
	"to": false, "with": false, "by": false, "from": false, "de": false, "del": false, "la": false,
	"los": false, "las": false, "y": false, "dba": false,
	"in": true, "a": true, "an": true,
}

// endsInConnector reports whether name ends in a word that needs more after
// it (nameConnectors), or in "/", "-" or "&".
func endsInConnector(name string) bool {
	words := strings.Fields(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if strings.HasSuffix(last, "/") || strings.HasSuffix(last, "-") || strings.HasSuffix(last, "&") {
		return true
	}
	lowerOnly, ok := nameConnectors[strings.ToLower(last)]
	return ok && (!lowerOnly || last == strings.ToLower(last))
}

// nameEnds are words that, alone on a line, end the name above them:
// "Midtown Community Mental Health" / "Center".
var nameEnds = map[string]bool{
	"center": true, "centers": true, "centre": true, "services": true, "inc": true, "llc": true,
	"program": true, "clinic": true, "hospital": true,
}

// joinNameLines rebuilds a facility's name from the source's name lines,
// which a printed directory wraps: a line continues the name above it when
// that one ends in a connecting word ("of", "for", "&") or in "/" or "-",
// when it starts in lower case ("dba Jasons Retreat"), or when it is a
// lone closing word ("Center"). A line that opens with an acronym in
// parentheses ("(MITE)/South Bay East TRC") gives the acronym to the name
// and keeps the rest as the program. Lines that do not continue the name
// are programs or sites: they are the alternate names. joined reports
// whether any line was joined to the name.
func joinNameLines(lines ...string) (name string, alternates []string, joined bool) {
	name = lines[0]
	i := 1
	for ; i < len(lines) && lines[i] != ""; i++ {
		next := lines[i]
		if acronym, rest, ok := leadingAcronym(next); ok {
			name += " " + acronym
			joined = true
			if rest == "" {
				continue
			}
			next = rest
			i++
			alternates = appendAlternate(alternates, name, next)
			break
		}
		if !continuesName(name, next) {
			break
		}
		if strings.HasSuffix(name, "/") || strings.HasSuffix(name, "-") {
			name += next
		} else {
			name += " " + next
		}
		joined = true
	}
	for ; i < len(lines); i++ {
		alternates = appendAlternate(alternates, name, strings.TrimLeft(lines[i], "/ "))
	}
	return name, alternates, joined
}

func appendAlternate(alts []string, name, alt string) []string {
	if alt == "" || strings.EqualFold(alt, name) {
		return alts
	}
	for _, a := range alts {
		if strings.EqualFold(a, alt) {
			return alts
		}
	}
	return append(alts, alt)
}

// continuesName reports whether line next goes on with name.
func continuesName(name, next string) bool {
	if strings.TrimSpace(name) == "" || strings.EqualFold(name, next) {
		return false
	}
	if endsInConnector(name) {
		return true
	}
	if r, _ := utf8.DecodeRuneInString(next); unicode.IsLower(r) {
		return true
	}
	return !strings.Contains(next, " ") && nameEnds[strings.ToLower(strings.TrimRight(next, "."))]
}

// leadingAcronym splits "(MITE)/South Bay East TRC" into the acronym, with
// a corporate suffix that follows it ("(CURA) Inc"), and the rest, without
// the "/" or space between. ok is false unless s starts with a short
// parenthesized word without spaces.
func leadingAcronym(s string) (acronym, rest string, ok bool) {
	if !strings.HasPrefix(s, "(") {
		return "", "", false
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return "", "", false
	}
	inner := s[1:end]
	if len(inner) > 12 || strings.Count(inner, " ") > 1 {
		return "", "", false // a remark, "(Formerly Bridgeway Ctr ...)", not an acronym
	}
	acronym, rest = s[:end+1], strings.TrimSpace(s[end+1:])
	for _, suffix := range []string{"Inc", "LLC"} {
		if rest == suffix || strings.HasPrefix(rest, suffix+"/") || strings.HasPrefix(rest, suffix+" ") {
			acronym += " " + suffix
			rest = strings.TrimSpace(rest[len(suffix):])
		}
	}
	rest = strings.TrimSpace(strings.TrimLeft(rest, "/"))
	if !strings.ContainsFunc(rest, unicode.IsLetter) {
		// "(ULOC) 01": a number names no program; keep it in the name.
		if rest != "" {
			acronym += " " + rest
		}
		rest = ""
	}
	return acronym, rest, true
}
