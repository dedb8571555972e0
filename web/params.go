package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/carefinder/carefinder/directory"
)

// paramAliases are names other APIs use for our parameters, suggested when
// spelling alone would not find them.
var paramAliases = map[string]string{
	"query": "q", "text": "q", "search": "q", "keyword": "q", "keywords": "q",
	"location": "near", "zip": "near", "zipcode": "near", "postcode": "near", "address": "near", "city": "near", "place": "near",
	"latitude": "lat", "longitude": "lon", "lng": "lon", "long": "lon",
	"distance": "radius", "within": "radius", "miles": "radius", "km": "radius",
	"size": "limit", "per_page": "limit", "page_size": "limit", "count": "limit",
	"page": "cursor", "offset": "cursor", "after": "cursor",
	"order": "sort", "order_by": "sort", "sort_by": "sort",
	"services": "care", "type": "care", "api_key": "key", "apikey": "key",
	"insurance": "payment",
}

// params are the query parameters of a request, checked against the names
// its endpoint accepts: each name and value, unescaped, in the order the
// query string gives them.
type params struct {
	kv []param
}

// param is one parameter of a query string.
type param struct {
	name, value string
}

// ignoredParam reports whether name is one that pages, links and
// analytics add to any URL — a cache-buster (_), campaign tags (utm_*),
// click ids (fbclid, gclid) — and that no endpoint reads.
func ignoredParam(name string) bool {
	return name == "_" || name == "fbclid" || name == "gclid" || strings.HasPrefix(name, "utm_")
}

// unknownParam is the error for a parameter name not in allowed: it
// suggests the nearest allowed name (or the alias the name is known by),
// else lists the allowed ones.
func unknownParam(name string, allowed []string) error {
	msg := fmt.Sprintf("unknown parameter %q", name)
	var sugg []string
	if name == "" { // "&=value": nothing to suggest from
		msg = `a parameter has no name (as in "&=value")`
	} else {
		sugg = directory.Suggest(name, allowed, 1)
		if alias, ok := paramAliases[strings.ToLower(name)]; ok && slices.Contains(allowed, alias) {
			sugg = []string{alias}
		}
	}
	switch {
	case len(sugg) > 0:
		msg += fmt.Sprintf("; did you mean %q?", sugg[0])
	case len(allowed) > 0:
		msg += "; this endpoint takes " + strings.Join(allowed, ", ")
	default:
		msg += "; this endpoint takes none"
	}
	return paramError(name, msg, sugg...)
}

// parseParams parses r's query string and refuses parameters not in
// allowed, suggesting the nearest allowed name: a typo ("carr=detox") must
// not silently widen a search. Every endpoint also takes key (a partner
// key, read by guardPublic) and ignores the harmless parameters of
// ignoredParam.
func parseParams(r *http.Request, allowed ...string) (params, error) {
	kv, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return params{}, paramError("", "the query string is malformed: "+err.Error())
	}
	// The unknown name reported is the first in sorted order, the same
	// one every time.
	unknown, found := "", false
	n := 0
	for _, p := range kv {
		if ignoredParam(p.name) || p.name == "key" {
			continue
		}
		kv[n] = p
		n++
		if !slices.Contains(allowed, p.name) && (!found || p.name < unknown) {
			unknown, found = p.name, true
		}
	}
	kv = kv[:n]
	if found {
		return params{}, unknownParam(unknown, allowed)
	}
	// Of several values that are not UTF-8, the first name in sorted
	// order is named.
	bad, found := "", false
	for _, p := range kv {
		if !utf8.ValidString(p.value) && (!found || p.name < bad) {
			bad, found = p.name, true
		}
	}
	if found {
		return params{}, paramError(bad, "is not valid UTF-8 text")
	}
	return params{kv}, nil
}

// parseQuery splits a query string into its parameters, unescaped, in
// order, as url.ParseQuery reads them; on any fault it returns
// url.ParseQuery's error, which says what it is.
func parseQuery(query string) ([]param, error) {
	kv := make([]param, 0, 8)
	for rest := query; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		if strings.IndexByte(pair, ';') >= 0 {
			return nil, queryError(query)
		}
		name, value, _ := strings.Cut(pair, "=")
		var err error
		if name, err = unescapeQuery(name); err != nil {
			return nil, queryError(query)
		}
		if value, err = unescapeQuery(value); err != nil {
			return nil, queryError(query)
		}
		kv = append(kv, param{name, value})
	}
	return kv, nil
}

// queryError returns url.ParseQuery's error for a query string it fails.
func queryError(query string) error {
	if _, err := url.ParseQuery(query); err != nil {
		return err
	}
	return errors.New("malformed query string")
}

// unescapeQuery unescapes a query string's name or value as
// url.QueryUnescape does, copying only when there is something to
// unescape.
func unescapeQuery(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// values returns the parameters as url.Values.
func (p params) values() url.Values {
	v := url.Values{}
	for _, kv := range p.kv {
		v[kv.name] = append(v[kv.name], kv.value)
	}
	return v
}

// setValues replaces the parameters with v's, each name's values in order
// (names in sorted order).
func (p *params) setValues(v url.Values) {
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	slices.Sort(names)
	p.kv = p.kv[:0]
	for _, name := range names {
		for _, val := range v[name] {
			p.kv = append(p.kv, param{name, val})
		}
	}
}

// single returns the one value of name, trimmed, or "" when it is absent
// or empty (as a form sends an empty field).
func (p params) single(name string) (string, error) {
	val := ""
	for _, kv := range p.kv {
		if kv.name != name {
			continue
		}
		s := strings.TrimSpace(kv.value)
		if s == "" {
			continue
		}
		if val != "" {
			return "", paramError(name, "is given more than once; give it once")
		}
		val = s
	}
	return val, nil
}

// list returns the values of name, which may be repeated, comma-separated
// or both ("care=detox,residential" equals "care=detox&care=residential"),
// trimmed and lower-cased, without empty items.
func (p params) list(name string) []string {
	var out []string
	for _, kv := range p.kv {
		if kv.name != name {
			continue
		}
		for s := kv.value; ; {
			item, rest, more := strings.Cut(s, ",")
			if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
				out = append(out, item)
			}
			if !more {
				break
			}
			s = rest
		}
	}
	return out
}
