package web

import (
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
// its endpoint accepts.
type params struct {
	v url.Values
}

// ignoredParam reports whether name is one that pages, links and
// analytics add to any URL — a cache-buster (_), campaign tags (utm_*),
// click ids (fbclid, gclid) — and that no endpoint reads.
func ignoredParam(name string) bool {
	return name == "_" || name == "fbclid" || name == "gclid" || strings.HasPrefix(name, "utm_")
}

// parseParams parses r's query string and refuses parameters not in
// allowed, suggesting the nearest allowed name: a typo ("carr=detox") must
// not silently widen a search. Every endpoint also takes key (a partner
// key, read by guardPublic) and ignores the harmless parameters of
// ignoredParam.
func parseParams(r *http.Request, allowed ...string) (params, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return params{}, paramError("", "the query string is malformed: "+err.Error())
	}
	names := make([]string, 0, len(v))
	for name := range v {
		if ignoredParam(name) || name == "key" {
			delete(v, name)
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names) // report the same one every time
	for _, name := range names {
		if slices.Contains(allowed, name) {
			continue
		}
		msg := fmt.Sprintf("unknown parameter %q", name)
		sugg := directory.Suggest(name, allowed, 1)
		if alias, ok := paramAliases[strings.ToLower(name)]; ok && slices.Contains(allowed, alias) {
			sugg = []string{alias}
		}
		if len(sugg) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", sugg[0])
		} else if len(allowed) > 0 {
			msg += "; this endpoint takes " + strings.Join(allowed, ", ")
		} else {
			msg += "; this endpoint takes none"
		}
		return params{}, paramError(name, msg, sugg...)
	}
	for name, vals := range v {
		for _, s := range vals {
			if !utf8.ValidString(s) {
				return params{}, paramError(name, "is not valid UTF-8 text")
			}
		}
	}
	return params{v}, nil
}

// single returns the one value of name, trimmed, or "" when it is absent
// or empty (as a form sends an empty field).
func (p params) single(name string) (string, error) {
	val := ""
	for _, s := range p.v[name] {
		if s = strings.TrimSpace(s); s == "" {
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
	for _, s := range p.v[name] {
		for _, item := range strings.Split(s, ",") {
			if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
