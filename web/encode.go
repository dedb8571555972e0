package web

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// This file writes the search answer (JSON and GeoJSON) by hand into a
// pooled buffer: the search API's hot path, where encoding/json's
// reflection, and the re-validation of every json.Marshaler's output, took
// about half of a request's time. The output is byte for byte what
// encoding/json made of the struct shapes documented in search.go and
// geojson.go (encode_test.go proves it on hostile strings and real
// results): the same field order, HTML-safe string escaping (<, >, & and
// U+2028/2029 escaped, invalid UTF-8 as U+FFFD), the same number format,
// and a final newline as json.Encoder writes.

// errUnsupportedFloat is the encoding of a NaN or an infinity, which JSON
// cannot represent (encoding/json fails the same way).
var errUnsupportedFloat = errors.New("json: unsupported value: NaN or infinite number")

// respBufPool recycles the byte slices hand-written answers are encoded
// into: a typical search answer is 10 to 20 KB.
var respBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// writeJSONBytes writes an encoded body with its Content-Type and
// Content-Length, as writeJSON does.
func writeJSONBytes(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) // a failed write means the client left; nothing to do
}

// jsonWriter appends JSON to b; the first value JSON cannot represent
// sets err, which the caller checks once at the end.
type jsonWriter struct {
	b   []byte
	err error
}

// hexDigits are the digits of \u escapes, lower case as encoding/json's.
const hexDigits = "0123456789abcdef"

// htmlSafe marks the ASCII bytes a JSON string holds as they are: printable
// characters except ", \ and the HTML-sensitive <, > and &.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string escaped as encoding/json escapes
// it by default (HTML-safe).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters, <, >, &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// float appends f as encoding/json formats a float64: like JavaScript's
// number to string, exponents from 1e21 and below 1e-6.
func (w *jsonWriter) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if w.err == nil {
			w.err = errUnsupportedFloat
		}
		w.b = append(w.b, '0') // keeps the rest well formed; the answer is discarded
		return
	}
	w.b = appendFloat(w.b, f)
}

// appendFloat is float for a finite f.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// raw appends JSON written beforehand, such as a pre-encoded `,"name":`.
func (w *jsonWriter) raw(s string) { w.b = append(w.b, s...) }

// str appends a JSON string.
func (w *jsonWriter) str(s string) { w.b = appendString(w.b, s) }

// strPtr appends a JSON string, or null for nil.
func (w *jsonWriter) strPtr(s *string) {
	if s == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.str(*s)
}

// floatPtr appends a number, or null for nil.
func (w *jsonWriter) floatPtr(f *float64) {
	if f == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.float(*f)
}

// int appends an integer.
func (w *jsonWriter) int(n int) { w.b = strconv.AppendInt(w.b, int64(n), 10) }

// strings appends a JSON array of strings; nil is [] (as nonNil makes it).
func (w *jsonWriter) strings(ss []string) {
	w.b = append(w.b, '[')
	for i, s := range ss {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendString(w.b, s)
	}
	w.b = append(w.b, ']')
}

// searchEncoder writes search answers for one taxonomy, with the parts that
// never change — the facets' and labels' keys, labels in both languages —
// encoded once.
type searchEncoder struct {
	// groups are the taxonomy's groups in display order: the order of
	// facets and labels.
	groups []groupEncoding
	// sortedGroups are the groups in the order encoding/json writes a
	// map's keys: the order of the query's filters.
	sortedGroups []sortedGroup
}

// groupEncoding is one group's pre-encoded parts.
type groupEncoding struct {
	group directory.Group
	// open is `"care":{`.
	open string
	// terms are the group's terms in display order, each `"slug":`.
	terms []termKeyEncoding
	// labels maps a slug onto `"slug":"Label"` in English [0] and
	// Spanish [1].
	labels map[string]*[2]string
}

// termKeyEncoding is a term's slug and its pre-encoded key.
type termKeyEncoding struct {
	slug, key string
}

// sortedGroup is a group and its pre-encoded key `"care":`.
type sortedGroup struct {
	group directory.Group
	key   string
}

// newSearchEncoder pre-encodes what tax's answers share.
func newSearchEncoder(tax *directory.Taxonomy) *searchEncoder {
	e := &searchEncoder{}
	for _, g := range directory.Groups() {
		ge := groupEncoding{group: g, open: string(appendString(nil, string(g))) + ":{", labels: map[string]*[2]string{}}
		for _, t := range tax.Terms(g) {
			key := string(appendString(nil, t.Slug)) + ":"
			ge.terms = append(ge.terms, termKeyEncoding{slug: t.Slug, key: key})
			es := t.Label.EN
			if t.Label.ES != "" {
				es = t.Label.ES
			}
			ge.labels[t.Slug] = &[2]string{key + string(appendString(nil, t.Label.EN)), key + string(appendString(nil, es))}
		}
		e.groups = append(e.groups, ge)
		e.sortedGroups = append(e.sortedGroups, sortedGroup{group: g, key: string(appendString(nil, string(g))) + ":"})
	}
	slices.SortFunc(e.sortedGroups, func(a, b sortedGroup) int {
		switch {
		case a.group < b.group:
			return -1
		case a.group > b.group:
			return 1
		}
		return 0
	})
	return e
}

// appendSearch appends the answer to a search — JSON, or GeoJSON when
// geojson is set — and a newline, as json.Encoder would have written the
// searchResponse or featureCollection of it.
func (e *searchEncoder) appendSearch(b []byte, echo *queryEcho, res *search.Result, geojson bool) ([]byte, error) {
	w := jsonWriter{b: b}
	spanish := echo.Lang == langSpanish
	if geojson {
		w.raw(`{"type":"FeatureCollection","features":[`)
		for i := range res.Hits {
			if i > 0 {
				w.raw(",")
			}
			f := res.Hits[i].Facility
			w.raw(`{"type":"Feature","id":`)
			w.str(f.ID)
			w.raw(`,"geometry":{"type":"Point","coordinates":[`)
			w.float(f.Lon)
			w.raw(",")
			w.float(f.Lat)
			w.raw(`]},"properties":`)
			e.result(&w, &res.Hits[i], spanish)
			w.raw("}")
		}
		w.raw(`],"total":`)
		w.int(res.Total)
		w.raw(`,"next_cursor":`)
		e.nextCursor(&w, res)
		w.raw(`,"query":`)
		e.echo(&w, echo)
		w.raw(`,"facets":`)
		e.facets(&w, res.Facets)
		e.nearest(&w, res)
		w.raw("}\n")
		return w.b, w.err
	}
	w.raw(`{"query":`)
	e.echo(&w, echo)
	w.raw(`,"total":`)
	w.int(res.Total)
	w.raw(`,"results":[`)
	for i := range res.Hits {
		if i > 0 {
			w.raw(",")
		}
		e.result(&w, &res.Hits[i], spanish)
	}
	w.raw(`],"facets":`)
	e.facets(&w, res.Facets)
	w.raw(`,"next_cursor":`)
	e.nextCursor(&w, res)
	e.nearest(&w, res)
	w.raw("}\n")
	return w.b, w.err
}

// nextCursor appends the next page's cursor, or null.
func (e *searchEncoder) nextCursor(w *jsonWriter, res *search.Result) {
	if res.NextCursor == "" {
		w.raw("null")
		return
	}
	w.str(res.NextCursor)
}

// nearest appends the "nearest" member when the answer has one (see
// newNearest).
func (e *searchEncoder) nearest(w *jsonWriter, res *search.Result) {
	if res.NearestKm == nil {
		return
	}
	w.raw(`,"nearest":{"distance_km":`)
	w.float(round(*res.NearestKm))
	w.raw(`,"distance_mi":`)
	w.float(round(geo.KmToMi(*res.NearestKm)))
	w.raw("}")
}

// echo appends the query echo (queryEcho's JSON).
func (e *searchEncoder) echo(w *jsonWriter, q *queryEcho) {
	w.raw(`{"near":`)
	w.strPtr(q.Near)
	w.raw(`,"label":`)
	w.strPtr(q.Label)
	w.raw(`,"lat":`)
	w.floatPtr(q.Lat)
	w.raw(`,"lon":`)
	w.floatPtr(q.Lon)
	w.raw(`,"precision":`)
	w.strPtr(q.Precision)
	if q.Note != "" {
		w.raw(`,"note":`)
		w.str(q.Note)
	}
	w.raw(`,"radius":`)
	w.strPtr(q.Radius)
	w.raw(`,"radius_km":`)
	w.floatPtr(q.RadiusKm)
	w.raw(`,"radius_mi":`)
	w.floatPtr(q.RadiusMi)
	w.raw(`,"filters":`)
	e.filters(w, q.Filters)
	w.raw(`,"q":`)
	w.str(q.Q)
	w.raw(`,"sort":`)
	w.str(string(q.Sort))
	w.raw(`,"limit":`)
	w.int(q.Limit)
	if q.Cursor != "" {
		w.raw(`,"cursor":`)
		w.str(q.Cursor)
	}
	w.raw(`,"lang":`)
	w.str(q.Lang)
	w.raw("}")
}

// filters appends the echoed filters as encoding/json writes the map: keys
// sorted, a nil map as null, a nil list as null.
func (e *searchEncoder) filters(w *jsonWriter, m map[directory.Group][]string) {
	if m == nil {
		w.raw("null")
		return
	}
	start := len(w.b)
	w.raw("{")
	n := 0
	for _, sg := range e.sortedGroups {
		v, ok := m[sg.group]
		if !ok {
			continue
		}
		if n > 0 {
			w.raw(",")
		}
		n++
		w.raw(sg.key)
		stringsOrNull(w, v)
	}
	if n != len(m) {
		// Groups the taxonomy does not have: start again, every key
		// sorted, as encoding/json does.
		w.b = w.b[:start]
		keys := make([]string, 0, len(m))
		for g := range m {
			keys = append(keys, string(g))
		}
		slices.Sort(keys)
		w.raw("{")
		for i, k := range keys {
			if i > 0 {
				w.raw(",")
			}
			w.str(k)
			w.raw(":")
			stringsOrNull(w, m[directory.Group(k)])
		}
	}
	w.raw("}")
}

// stringsOrNull appends a list of strings as encoding/json does: null for
// nil.
func stringsOrNull(w *jsonWriter, ss []string) {
	if ss == nil {
		w.raw("null")
		return
	}
	w.strings(ss)
}

// directionsPrefix is directionsURL's fixed part, JSON-encoded (& is
// escaped).
var directionsPrefix = string(appendString(nil, "https://www.google.com/maps/dir/?api=1&destination="))

// result appends one hit as a result (resultJSON's JSON, newResult's
// content).
func (e *searchEncoder) result(w *jsonWriter, h *search.Hit, spanish bool) {
	f := h.Facility
	w.raw(`{"id":`)
	w.str(f.ID)
	w.raw(`,"name":`)
	w.str(f.Name)
	w.raw(`,"alternate_names":`)
	w.strings(f.AlternateNames)
	if !math.IsNaN(h.DistanceKm) {
		w.raw(`,"distance_km":`)
		w.float(round(h.DistanceKm))
		w.raw(`,"distance_mi":`)
		w.float(round(geo.KmToMi(h.DistanceKm)))
	}
	w.raw(`,"address":{"lines":`)
	w.strings(f.Address.Lines)
	w.raw(`,"city":`)
	w.str(f.Address.City)
	w.raw(`,"state":`)
	w.str(f.Address.State)
	w.raw(`,"zip":`)
	w.str(f.Address.ZIP)
	w.raw(`},"lat":`)
	w.float(f.Lat)
	w.raw(`,"lon":`)
	w.float(f.Lon)
	if phone := f.Phones.Best(); phone != "" {
		w.raw(`,"phone":`)
		w.str(phone)
	}
	w.raw(`,"phones":{`)
	sep := ""
	for _, p := range [...]struct{ key, v string }{{`"intake":`, f.Phones.Intake}, {`"main":`, f.Phones.Main}, {`"hotline_24_7":`, f.Phones.Hotline}} {
		if p.v != "" {
			w.raw(sep)
			w.raw(p.key)
			w.str(p.v)
			sep = ","
		}
	}
	w.raw("}")
	if f.Website != "" {
		w.raw(`,"website":`)
		w.str(f.Website)
	}
	w.raw(`,"directions_url":`)
	// directionsURL, written in place: the digits need no escaping.
	w.raw(directionsPrefix[:len(directionsPrefix)-1])
	// A NaN or infinite coordinate fails the answer (lat, lon above).
	w.b = strconv.AppendFloat(w.b, f.Lat, 'f', -1, 64)
	w.b = append(w.b, ',')
	w.b = strconv.AppendFloat(w.b, f.Lon, 'f', -1, 64)
	w.b = append(w.b, '"')
	w.raw(`,"open_24_7":`)
	switch {
	case f.Open247 == nil:
		w.raw("null")
	case *f.Open247:
		w.raw("true")
	default:
		w.raw("false")
	}
	s := &f.Services
	w.raw(`,"care":`)
	w.strings(s.Care)
	w.raw(`,"therapy":`)
	w.strings(s.Therapy)
	w.raw(`,"medication":`)
	w.strings(s.Medication)
	w.raw(`,"payment":`)
	w.strings(s.Payment)
	w.raw(`,"population":`)
	w.strings(s.Population)
	w.raw(`,"gender":`)
	w.strings(s.Gender)
	w.raw(`,"language":`)
	w.strings(s.Language)
	w.raw(`,"source":`)
	w.str(f.Source)
	w.raw(`,"source_id":`)
	w.str(f.SourceID)
	w.raw(`,"last_verified":`)
	w.str(f.LastVerified)
	w.raw(`,"labels":`)
	e.labels(w, s, spanish)
	w.raw("}")
}

// labels appends the labels of a facility's terms, every group in display
// order: {"care":{"detox":"Detox"},…}; a slug the taxonomy lacks is its own
// label.
func (e *searchEncoder) labels(w *jsonWriter, s *directory.Services, spanish bool) {
	lang := 0
	if spanish {
		lang = 1
	}
	w.raw("{")
	for i := range e.groups {
		g := &e.groups[i]
		if i > 0 {
			w.raw(",")
		}
		w.raw(g.open)
		for j, slug := range s.Get(g.group) {
			if j > 0 {
				w.raw(",")
			}
			if l, ok := g.labels[slug]; ok {
				w.raw(l[lang])
				continue
			}
			w.str(slug)
			w.raw(":")
			w.str(slug)
		}
		w.raw("}")
	}
	w.raw("}")
}

// facets appends facet counts, one object per group, groups and terms in
// the taxonomy's display order; a term the counts lack counts 0.
func (e *searchEncoder) facets(w *jsonWriter, counts map[directory.Group]map[string]int) {
	w.raw("{")
	for i := range e.groups {
		g := &e.groups[i]
		if i > 0 {
			w.raw(",")
		}
		w.raw(g.open)
		gc := counts[g.group]
		for j := range g.terms {
			if j > 0 {
				w.raw(",")
			}
			w.raw(g.terms[j].key)
			w.int(gc[g.terms[j].slug])
		}
		w.raw("}")
	}
	w.raw("}")
}
