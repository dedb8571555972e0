package web

import (
	"errors"
	"math"
	"math/bits"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// This file writes the search answer (JSON and GeoJSON) by hand into a
// pooled buffer: the search API's hot path, where encoding/json's
// reflection, and its re-validation of every json.Marshaler's output, took
// about half of a request's time. The output is byte for byte what
// encoding/json made of the structs that described the answer before
// (searchResponse, resultJSON, featureCollection…, kept as the reference in
// encode_ref_test.go; encode_test.go and encode_real_test.go prove the two
// equal on hostile strings and on real answers): the same members in the
// same order, HTML-safe string escaping (<, >, & and U+2028/2029 escaped,
// invalid UTF-8 as U+FFFD), the same number format, and the final newline
// json.Encoder writes. A change to the answer's shape is made in both, and
// in openapi.json.

// errUnsupportedFloat refuses a NaN or an infinity, which JSON cannot
// represent (encoding/json fails the same way).
var errUnsupportedFloat = errors.New("json: unsupported value: NaN or infinite number")

// respBufPool recycles the byte slices hand-written answers are encoded
// into: a typical search answer is 10 to 20 KB.
var respBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// writeJSONBytes writes an encoded body with its Content-Type and
// Content-Length, as writeJSON does, in one write to the socket when it can
// (writeResponse). contentType is a shared header value (sharedHeaders),
// set as it is.
func writeJSONBytes(w http.ResponseWriter, r *http.Request, status int, contentType []string, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentType
	h.Set("Content-Length", strconv.Itoa(len(body)))
	writeResponse(w, r, status, body)
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

// appendFloat appends a finite f as encoding/json formats a float64: like
// JavaScript's number to string, exponents from 1e21 and below 1e-6.
// checkFinite has made sure beforehand that no NaN or infinity comes here.
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

// maxRoundedThousandths bounds the distances appendRounded writes from
// their digits: up to 10¹⁵ thousandths, each is a float64 exactly, and a
// float64 is far more precise than a thousandth.
const maxRoundedThousandths = 1e15

// appendRounded appends x rounded to distanceDecimals places, as
// appendFloat(b, round(x)) does. A distance rounded to thousandths is
// written shortest as its thousandths are: the integer part, then up to
// three decimals without trailing zeros (any shorter decimal is at least a
// thousandth away, far more than the float64's precision), so the digits
// of an integer are enough, where the shortest float formatting costs
// several times more.
func appendRounded(b []byte, x float64) []byte {
	if distanceDecimals != 3 {
		return appendFloat(b, round(x))
	}
	n := math.Round(x * 1e3)
	if !(n > 0 && n < maxRoundedThousandths) {
		return appendFloat(b, round(x)) // 0, negative, huge, NaN: rare
	}
	t := int64(n)
	b = strconv.AppendInt(b, t/1000, 10)
	frac := t % 1000
	if frac == 0 {
		return b
	}
	d := [4]byte{'.', byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
	end := 4
	for d[end-1] == '0' {
		end--
	}
	return append(b, d[:end]...)
}

// appendPlainFloat appends f as strconv formats it with 'f' and the
// fewest digits; b[from:to] holds f as appendFloat wrote it, which is the
// same unless that took an exponent, and is copied rather than formatted
// again.
func appendPlainFloat(b []byte, f float64, from, to int) []byte {
	if abs := math.Abs(f); abs == 0 || abs >= 1e-6 && abs < 1e21 {
		return append(b, b[from:to]...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendStringPtr appends a JSON string, or null for nil.
func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendFloatPtr appends a number, or null for nil.
func appendFloatPtr(b []byte, f *float64) []byte {
	if f == nil {
		return append(b, "null"...)
	}
	return appendFloat(b, *f)
}

// appendStrings appends a JSON array of strings; nil is [] (as nonNil
// makes it).
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendStringsOrNull appends a list of strings as encoding/json does: null
// for nil.
func appendStringsOrNull(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	return appendStrings(b, ss)
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
	// terms are every group's terms, group by group in display order,
	// numbered as a search.FacetLayout of the same taxonomy numbers them:
	// a hit's Terms find their encodings here by number.
	terms []termEncoding
	// quoted and labels hold, by term number, each term's slug as a JSON
	// string, and its `"slug":"Label"` in English [0] and Spanish [1].
	quoted []string
	labels [2][]string
	// servicesOpen and labelsOpen open each group, by display order, in a
	// result's services (,"care":[) and in its labels ("care":{, then
	// ,"therapy":{…).
	servicesOpen, labelsOpen []string
	// layout is the last layout found to number terms as the encoder does
	// (numbersAsLayout).
	layout atomic.Pointer[search.FacetLayout]
}

// termEncoding names a term numbered by the encoder.
type termEncoding struct {
	group directory.Group
	slug  string
}

// groupEncoding is one group's pre-encoded parts.
type groupEncoding struct {
	group directory.Group
	// open is `"care":{`.
	open string
	// end is one past the number of the group's last term (the group's
	// terms are numbered after the previous group's).
	end int
	// terms are the group's terms in display order, each `"slug":`.
	terms []termKeyEncoding
	// labels finds a slug's `"slug":"Label"`.
	labels labelIndex
}

// termKeyEncoding is a term's slug and its pre-encoded key.
type termKeyEncoding struct {
	slug, key string
}

// labelIndex finds a group's terms by slug, among the terms whose slugs
// are as long: a few string comparisons, cheaper than hashing the slug
// for the hundreds of labels an answer has.
type labelIndex [][]labelEncoding

// labelEncoding is a term's `"slug":"Label"` in English [0] and Spanish
// [1] (English when the taxonomy has no Spanish label).
type labelEncoding struct {
	slug   string
	labels [2]string
}

// add indexes a label.
func (x *labelIndex) add(l labelEncoding) {
	for len(*x) <= len(l.slug) {
		*x = append(*x, nil)
	}
	(*x)[len(l.slug)] = append((*x)[len(l.slug)], l)
}

// find returns slug's label, or nil.
func (x labelIndex) find(slug string) *labelEncoding {
	if len(slug) >= len(x) {
		return nil
	}
	same := x[len(slug)]
	for i := range same {
		if same[i].slug == slug {
			return &same[i]
		}
	}
	return nil
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
		ge := groupEncoding{group: g, open: string(appendString(nil, string(g))) + ":{"}
		for _, t := range tax.Terms(g) {
			key := string(appendString(nil, t.Slug)) + ":"
			ge.terms = append(ge.terms, termKeyEncoding{slug: t.Slug, key: key})
			es := t.Label.EN
			if t.Label.ES != "" {
				es = t.Label.ES
			}
			l := labelEncoding{slug: t.Slug, labels: [2]string{key + string(appendString(nil, t.Label.EN)), key + string(appendString(nil, es))}}
			ge.labels.add(l)
			e.terms = append(e.terms, termEncoding{group: g, slug: t.Slug})
			e.quoted = append(e.quoted, key[:len(key)-1])
			e.labels[0] = append(e.labels[0], l.labels[0])
			e.labels[1] = append(e.labels[1], l.labels[1])
		}
		ge.end = len(e.terms)
		e.servicesOpen = append(e.servicesOpen, ","+string(appendString(nil, string(g)))+":[")
		sep := ","
		if len(e.groups) == 0 {
			sep = ""
		}
		e.labelsOpen = append(e.labelsOpen, sep+ge.open)
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

// numbersAsLayout reports whether l numbers terms as e does, so that
// hits' Terms, numbered by l, can be encoded by number. A layout never
// changes, and an index keeps one per taxonomy: the one found to agree is
// remembered.
func (e *searchEncoder) numbersAsLayout(l *search.FacetLayout) bool {
	if l == nil {
		return false
	}
	if e.layout.Load() == l {
		return true
	}
	if l.Len() != len(e.terms) {
		return false
	}
	for i := range e.terms {
		if ref := l.Term(i); ref.Group != e.terms[i].group || ref.Slug != e.terms[i].slug {
			return false
		}
	}
	e.layout.Store(l)
	return true
}

// checkFinite fails, as encoding/json failed, an answer with a number JSON
// cannot hold (NaN or infinite), so that the encoder, which then cannot
// fail, never writes one.
func checkFinite(echo *queryEcho, res *search.Result) error {
	finite := func(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
	for _, f := range []*float64{echo.Lat, echo.Lon, echo.RadiusKm, echo.RadiusMi} {
		if f != nil && !finite(*f) {
			return errUnsupportedFloat
		}
	}
	if res.NearestKm != nil && !(finite(round(*res.NearestKm)) && finite(round(geo.KmToMi(*res.NearestKm)))) {
		return errUnsupportedFloat
	}
	for i := range res.Hits {
		h := &res.Hits[i]
		if !finite(h.Facility.Lat) || !finite(h.Facility.Lon) {
			return errUnsupportedFloat
		}
		if !math.IsNaN(h.DistanceKm) && !(finite(round(h.DistanceKm)) && finite(round(geo.KmToMi(h.DistanceKm)))) {
			return errUnsupportedFloat
		}
	}
	return nil
}

// appendSearch appends the answer to a search — JSON, or GeoJSON when
// geojson is set — and a newline, as json.Encoder would have written the
// searchResponse or featureCollection of it. It fails only on a number JSON
// cannot hold (checkFinite), and then appends nothing.
func (e *searchEncoder) appendSearch(b []byte, echo *queryEcho, res *search.Result, geojson bool) ([]byte, error) {
	if err := checkFinite(echo, res); err != nil {
		return b, err
	}
	spanish := echo.Lang == langSpanish
	// The hits' terms are encoded by number when they are numbered as
	// the encoder's (the index's taxonomy is the server's).
	var layout *search.FacetLayout
	if len(res.Hits) > 0 && e.numbersAsLayout(res.Hits[0].Terms.Layout()) {
		layout = res.Hits[0].Terms.Layout()
	}
	if geojson {
		b = append(b, `{"type":"FeatureCollection","features":[`...)
		for i := range res.Hits {
			if i > 0 {
				b = append(b, ',')
			}
			f := res.Hits[i].Facility
			b = append(b, `{"type":"Feature","id":`...)
			b = appendString(b, f.ID)
			b = append(b, `,"geometry":{"type":"Point","coordinates":[`...)
			b = appendFloat(b, f.Lon)
			b = append(b, ',')
			b = appendFloat(b, f.Lat)
			b = append(b, `]},"properties":`...)
			b = e.appendResult(b, &res.Hits[i], spanish, layout)
			b = append(b, '}')
		}
		b = append(b, `],"total":`...)
		b = strconv.AppendInt(b, int64(res.Total), 10)
		b = append(b, `,"next_cursor":`...)
		b = appendNextCursor(b, res)
		b = append(b, `,"query":`...)
		b = e.appendEcho(b, echo)
		b = append(b, `,"facets":`...)
		b = e.appendFacets(b, res.Facets)
		b = appendNearest(b, res)
		return append(b, "}\n"...), nil
	}
	b = append(b, `{"query":`...)
	b = e.appendEcho(b, echo)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(res.Total), 10)
	b = append(b, `,"results":[`...)
	for i := range res.Hits {
		if i > 0 {
			b = append(b, ',')
		}
		b = e.appendResult(b, &res.Hits[i], spanish, layout)
	}
	b = append(b, `],"facets":`...)
	b = e.appendFacets(b, res.Facets)
	b = append(b, `,"next_cursor":`...)
	b = appendNextCursor(b, res)
	b = appendNearest(b, res)
	return append(b, "}\n"...), nil
}

// appendNextCursor appends the next page's cursor, or null.
func appendNextCursor(b []byte, res *search.Result) []byte {
	if res.NextCursor == "" {
		return append(b, "null"...)
	}
	return appendString(b, res.NextCursor)
}

// appendNearest appends the "nearest" member when the answer has one: how
// far the nearest match is, of a search that found nothing in its radius.
func appendNearest(b []byte, res *search.Result) []byte {
	if res.NearestKm == nil {
		return b
	}
	b = append(b, `,"nearest":{"distance_km":`...)
	b = appendFloat(b, round(*res.NearestKm))
	b = append(b, `,"distance_mi":`...)
	b = appendFloat(b, round(geo.KmToMi(*res.NearestKm)))
	return append(b, '}')
}

// appendEcho appends the query echo (queryEcho's JSON).
func (e *searchEncoder) appendEcho(b []byte, q *queryEcho) []byte {
	b = append(b, `{"near":`...)
	b = appendStringPtr(b, q.Near)
	b = append(b, `,"label":`...)
	b = appendStringPtr(b, q.Label)
	b = append(b, `,"lat":`...)
	b = appendFloatPtr(b, q.Lat)
	b = append(b, `,"lon":`...)
	b = appendFloatPtr(b, q.Lon)
	b = append(b, `,"precision":`...)
	b = appendStringPtr(b, q.Precision)
	if q.Note != "" {
		b = append(b, `,"note":`...)
		b = appendString(b, q.Note)
	}
	b = append(b, `,"radius":`...)
	b = appendStringPtr(b, q.Radius)
	b = append(b, `,"radius_km":`...)
	b = appendFloatPtr(b, q.RadiusKm)
	b = append(b, `,"radius_mi":`...)
	b = appendFloatPtr(b, q.RadiusMi)
	b = append(b, `,"filters":`...)
	b = e.appendFilters(b, q.Filters)
	b = append(b, `,"q":`...)
	b = appendString(b, q.Q)
	b = append(b, `,"sort":`...)
	b = appendString(b, string(q.Sort))
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(q.Limit), 10)
	if q.Cursor != "" {
		b = append(b, `,"cursor":`...)
		b = appendString(b, q.Cursor)
	}
	b = append(b, `,"lang":`...)
	b = appendString(b, q.Lang)
	return append(b, '}')
}

// appendFilters appends the echoed filters as encoding/json writes the
// map: keys sorted, a nil map or list as null.
func (e *searchEncoder) appendFilters(b []byte, m map[directory.Group][]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	start := len(b)
	b = append(b, '{')
	n := 0
	for _, sg := range e.sortedGroups {
		v, ok := m[sg.group]
		if !ok {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, sg.key...)
		b = appendStringsOrNull(b, v)
	}
	if n != len(m) {
		// Groups the taxonomy does not have: start again, every key
		// sorted, as encoding/json does.
		b = b[:start]
		keys := make([]string, 0, len(m))
		for g := range m {
			keys = append(keys, string(g))
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendStringsOrNull(b, m[directory.Group(k)])
		}
	}
	return append(b, '}')
}

// directionsPrefix is directionsURL's fixed part, JSON-encoded (& is
// escaped), without its closing quote.
var directionsPrefix = func() string {
	s := string(appendString(nil, "https://www.google.com/maps/dir/?api=1&destination="))
	return s[:len(s)-1]
}()

// appendResult appends one hit as a result (resultJSON's JSON, newResult's
// content). When the hit's Terms are numbered by layout (not nil: it
// numbers terms as the encoder does), its services and labels are written
// from them, with the encodings made once (the same bytes as from
// Facility.Services, which lists the same terms).
func (e *searchEncoder) appendResult(b []byte, h *search.Hit, spanish bool, layout *search.FacetLayout) []byte {
	f := h.Facility
	b = append(b, `{"id":`...)
	b = appendString(b, f.ID)
	b = append(b, `,"name":`...)
	b = appendString(b, f.Name)
	b = append(b, `,"alternate_names":`...)
	b = appendStrings(b, f.AlternateNames)
	if !math.IsNaN(h.DistanceKm) {
		b = append(b, `,"distance_km":`...)
		b = appendRounded(b, h.DistanceKm)
		b = append(b, `,"distance_mi":`...)
		b = appendRounded(b, geo.KmToMi(h.DistanceKm))
	}
	b = append(b, `,"address":{"lines":`...)
	b = appendStrings(b, f.Address.Lines)
	b = append(b, `,"city":`...)
	b = appendString(b, f.Address.City)
	b = append(b, `,"state":`...)
	b = appendString(b, f.Address.State)
	b = append(b, `,"zip":`...)
	b = appendString(b, f.Address.ZIP)
	b = append(b, `},"lat":`...)
	lat := len(b)
	b = appendFloat(b, f.Lat)
	lat2 := len(b)
	b = append(b, `,"lon":`...)
	lon := len(b)
	b = appendFloat(b, f.Lon)
	lon2 := len(b)
	if phone := f.Phones.Best(); phone != "" {
		b = append(b, `,"phone":`...)
		b = appendString(b, phone)
	}
	b = append(b, `,"phones":{`...)
	sep := false
	for _, p := range [...]struct{ key, v string }{{`"intake":`, f.Phones.Intake}, {`"main":`, f.Phones.Main}, {`"hotline_24_7":`, f.Phones.Hotline}} {
		if p.v == "" {
			continue
		}
		if sep {
			b = append(b, ',')
		}
		b = append(b, p.key...)
		b = appendString(b, p.v)
		sep = true
	}
	b = append(b, '}')
	if f.Website != "" {
		b = append(b, `,"website":`...)
		b = appendString(b, f.Website)
	}
	// directionsURL, written in place: its digits need no escaping, and
	// are those of "lat" and "lon" above unless those took an exponent.
	b = append(b, `,"directions_url":`...)
	b = append(b, directionsPrefix...)
	b = appendPlainFloat(b, f.Lat, lat, lat2)
	b = append(b, ',')
	b = appendPlainFloat(b, f.Lon, lon, lon2)
	b = append(b, `","open_24_7":`...)
	switch {
	case f.Open247 == nil:
		b = append(b, "null"...)
	case *f.Open247:
		b = append(b, "true"...)
	default:
		b = append(b, "false"...)
	}
	s := &f.Services
	byNumber := layout != nil && h.Terms.Layout() == layout
	if byNumber {
		b = e.appendServicesByNumber(b, h.Terms)
	} else {
		b = append(b, `,"care":`...)
		b = appendStrings(b, s.Care)
		b = append(b, `,"therapy":`...)
		b = appendStrings(b, s.Therapy)
		b = append(b, `,"medication":`...)
		b = appendStrings(b, s.Medication)
		b = append(b, `,"payment":`...)
		b = appendStrings(b, s.Payment)
		b = append(b, `,"population":`...)
		b = appendStrings(b, s.Population)
		b = append(b, `,"gender":`...)
		b = appendStrings(b, s.Gender)
		b = append(b, `,"language":`...)
		b = appendStrings(b, s.Language)
	}
	b = append(b, `,"source":`...)
	b = appendString(b, f.Source)
	b = append(b, `,"source_id":`...)
	b = appendString(b, f.SourceID)
	b = append(b, `,"last_verified":`...)
	b = appendString(b, f.LastVerified)
	b = append(b, `,"labels":`...)
	if byNumber {
		b = e.appendLabelsByNumber(b, h.Terms, spanish)
	} else {
		b = e.appendLabels(b, s, spanish)
	}
	return append(b, '}')
}

// appendServicesByNumber appends a result's services, one member per
// group in display order (,"care":["detox"],…), from terms numbered as the
// encoder numbers them.
func (e *searchEncoder) appendServicesByNumber(b []byte, terms search.TermSet) []byte {
	return e.appendGroupsByNumber(b, terms.Words(), e.servicesOpen, e.quoted, ']')
}

// appendLabelsByNumber is appendLabels from terms numbered as the encoder
// numbers them.
func (e *searchEncoder) appendLabelsByNumber(b []byte, terms search.TermSet, spanish bool) []byte {
	lang := 0
	if spanish {
		lang = 1
	}
	b = append(b, '{')
	b = e.appendGroupsByNumber(b, terms.Words(), e.labelsOpen, e.labels[lang], '}')
	return append(b, '}')
}

// appendGroupsByNumber appends, for every group in display order, its
// opening (open[i]), the fragments of its terms that words holds (term t's
// is frags[t]) separated by commas, and end. It visits the set bits once,
// in order: the terms are numbered group by group.
func (e *searchEncoder) appendGroupsByNumber(b []byte, words [4]uint64, open, frags []string, end byte) []byte {
	g := 0
	b = append(b, open[0]...)
	sep := false
	for w, word := range words {
		for word != 0 {
			t := w<<6 + bits.TrailingZeros64(word)
			word &= word - 1
			for t >= e.groups[g].end {
				b = append(b, end)
				if g++; g == len(e.groups) {
					return b // past the last term: numbersAsLayout rules it out
				}
				b = append(b, open[g]...)
				sep = false
			}
			if sep {
				b = append(b, ',')
			}
			b = append(b, frags[t]...)
			sep = true
		}
	}
	for {
		b = append(b, end)
		if g++; g == len(e.groups) {
			return b
		}
		b = append(b, open[g]...)
	}
}

// appendLabels appends the labels of a facility's terms, every group in
// display order: {"care":{"detox":"Detox"},…}; a slug the taxonomy lacks is
// its own label.
func (e *searchEncoder) appendLabels(b []byte, s *directory.Services, spanish bool) []byte {
	lang := 0
	if spanish {
		lang = 1
	}
	b = append(b, '{')
	for i := range e.groups {
		g := &e.groups[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, g.open...)
		for j, slug := range s.Get(g.group) {
			if j > 0 {
				b = append(b, ',')
			}
			if l := g.labels.find(slug); l != nil {
				b = append(b, l.labels[lang]...)
				continue
			}
			b = appendString(b, slug)
			b = append(b, ':')
			b = appendString(b, slug)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendFacets appends facet counts, one object per group, groups and terms
// in the taxonomy's display order; a term the counts lack counts 0. When
// the counts are laid out as the encoder's taxonomy (the index and the
// server share one), a group's counts are read in order, by position.
func (e *searchEncoder) appendFacets(b []byte, facets search.Facets) []byte {
	b = append(b, '{')
	for i := range e.groups {
		g := &e.groups[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, g.open...)
		terms, counts := facets.Group(g.group)
		for j := range g.terms {
			if j > 0 {
				b = append(b, ',')
			}
			t := &g.terms[j]
			b = append(b, t.key...)
			var n int
			if j < len(terms) && terms[j].Slug == t.slug {
				n = counts[j]
			} else {
				n = facets.Count(g.group, t.slug)
			}
			b = strconv.AppendInt(b, int64(n), 10)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}
