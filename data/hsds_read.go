package data

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefinder/carefinder/directory"
)

// hsdsMaxDocumentBytes bounds one service document: a real one is a few
// kilobytes.
const hsdsMaxDocumentBytes = 4 << 20

// ParseHSDSJSON reads HSDS 3.0 service documents (schema/compiled/
// service.json) into facilities: a JSON array of them (the services.json
// of `carefinder export --format hsds-json`), a page of an HSDS API
// ({"contents": [...]}), a single service, or a stream of them, one per
// line (the API's format=ndjson).
//
// Each service at a location becomes a facility (see the comment at the
// top of hsds.go for the fields). A document CareFinder wrote reads back
// as the facility it was written from: same id, source and facts. One from
// another system gets the ID HSDSIDPrefix and a hash of its service and
// location ids, the source ParseOptions.Source (default HSDSSource), and
// its terms of other taxonomies kept raw ("taxonomy:code"). A service
// whose status is not active, or that has no located place, is rejected
// with the JSON path at fault ("[3].service_at_locations[0].location").
//
// It returns an error only when r is not JSON of services at all, on a
// read error, or when ctx is done.
func ParseHSDSJSON(ctx context.Context, r io.Reader, opts ParseOptions) (*ParseReport, error) {
	p := newHSDSReader(opts)
	br := bufio.NewReader(r)
	lr := newLineReader(br)
	dec := json.NewDecoder(lr)
	dec.UseNumber()
	first, err := peekNonSpace(br)
	if err == io.EOF {
		return nil, directory.Errorf(directory.EINVALID, "not HSDS JSON: the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("read HSDS JSON: %w", err)
	}
	fail := func(err error) (*ParseReport, error) {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, directory.Errorf(directory.EINVALID, "not valid JSON: %s", syntaxErrorLine(lr, dec, err))
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, fmt.Errorf("read HSDS JSON: %w", err)
	}
	// each reads the services of an array whose '[' was read.
	each := func(prefix string) error {
		for i := 0; dec.More(); i++ {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			line := lr.lineAt(dec.InputOffset() - int64(len(raw)))
			p.service(line, fmt.Sprintf("%s[%d]", prefix, i), raw)
		}
		_, err := dec.Token()
		return err
	}
	switch first {
	case '[':
		if _, err := dec.Token(); err != nil {
			return fail(err)
		}
		if err := each(""); err != nil {
			return fail(err)
		}
		if _, err := dec.Token(); err != io.EOF {
			if err == nil {
				return nil, directory.Errorf(directory.EINVALID, "line %d: more JSON after the array of services", lr.lineAt(dec.InputOffset()))
			}
			return fail(err)
		}
	case '{':
		for doc := 0; ; doc++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if err == io.EOF {
				break
			}
			if err != nil {
				return fail(err)
			}
			line := lr.lineAt(dec.InputOffset() - int64(len(raw)))
			path := ""
			if doc > 0 {
				path = fmt.Sprintf("document %d", doc+1)
			}
			if len(raw) > hsdsMaxDocumentBytes {
				p.rep.Rejected = append(p.rep.Rejected, Rejection{line, fmt.Sprintf("%s: is %d bytes long; a service is at most %d", strings.TrimSpace(path+" "), len(raw), hsdsMaxDocumentBytes)})
				continue
			}
			if contents, ok := pageContents(raw); ok {
				var items []json.RawMessage
				if err := json.Unmarshal(contents, &items); err != nil {
					p.rep.Rejected = append(p.rep.Rejected, Rejection{line, strings.TrimSpace(path+" contents") + ": want an array of services, found " + jsonKind(contents)})
					continue
				}
				for i, it := range items {
					p.service(line, fmt.Sprintf("%scontents[%d]", pathPrefix(path), i), it)
				}
				continue
			}
			if path == "" {
				path = "(the service)"
			}
			p.service(line, path, raw)
		}
	default:
		return nil, directory.Errorf(directory.EINVALID, "not HSDS JSON: want an array of services or a service object, found %q", string(first))
	}
	return p.finish(), nil
}

func pathPrefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

// pageContents returns the contents of an HSDS API page ({"total_items",
// …, "contents": [...]}).
func pageContents(raw json.RawMessage) (json.RawMessage, bool) {
	fields, err := objectFields(raw)
	if err != nil {
		return nil, false
	}
	for _, f := range fields {
		if f.key == "contents" {
			return f.val, true
		}
	}
	return nil, false
}

// peekNonSpace returns the first byte of br that is not white space (nor
// a UTF-8 byte order mark), without consuming it.
func peekNonSpace(br *bufio.Reader) (byte, error) {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	for {
		b, err := br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.Discard(1)
			continue
		}
		return b[0], nil
	}
}

// hsdsReader turns HSDS services into facilities.
type hsdsReader struct {
	opts  ParseOptions
	rep   *ParseReport
	terms map[string]hsdsTermRef // CareFinder's term ids
	// foreign are other taxonomies' terms, by id (the CSV's taxonomy_terms).
	foreign map[string]HSDSTaxonomyTerm
	ids     map[string]int // facility id -> line
	sources map[string]bool
	// sep joins a rejection's place and reason: "." after a JSON path,
	// ": " after "services.csv line 3".
	sep string
}

// hsdsTermRef is what one of CareFinder's term ids names: a taxonomy term,
// or a fact.
type hsdsTermRef struct {
	ref  directory.TermRef
	fact string
}

func newHSDSReader(opts ParseOptions) *hsdsReader {
	if opts.Taxonomy == nil {
		opts.Taxonomy = directory.DefaultTaxonomy()
	}
	if opts.Source == "" {
		opts.Source = HSDSSource
	}
	p := &hsdsReader{opts: opts, rep: &ParseReport{UnmappedCodes: map[string]int{}},
		terms: map[string]hsdsTermRef{}, foreign: map[string]HSDSTaxonomyTerm{}, ids: map[string]int{}, sources: map[string]bool{}, sep: "."}
	for _, g := range directory.Groups() {
		for _, t := range opts.Taxonomy.Terms(g) {
			p.terms[HSDSTermID(g, t.Slug)] = hsdsTermRef{ref: directory.TermRef{Group: g, Slug: t.Slug}}
		}
	}
	for _, f := range hsdsFacts {
		p.terms[factTerm(f.code).ID] = hsdsTermRef{fact: f.code}
	}
	return p
}

// finish sorts the report and says which source every record shares.
func (p *hsdsReader) finish() *ParseReport {
	if len(p.sources) == 1 {
		for s := range p.sources {
			p.rep.Source = s
		}
	}
	slices.SortStableFunc(p.rep.Rejected, func(a, b Rejection) int { return a.Line - b.Line })
	slices.SortStableFunc(p.rep.Warnings, func(a, b Warning) int { return a.Line - b.Line })
	return p.rep
}

// service reads one service document.
func (p *hsdsReader) service(line int, path string, raw json.RawMessage) {
	var s HSDSService
	if err := json.Unmarshal(raw, &s); err != nil {
		reason := err.Error()
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			reason = fmt.Sprintf("%s: want %s, found %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
		}
		if te != nil && te.Field == "" {
			p.rep.Rejected = append(p.rep.Rejected, Rejection{line, strings.TrimPrefix(path+": want a service object, found "+te.Value, ": ")})
			return
		}
		p.rep.Rejected = append(p.rep.Rejected, Rejection{line, p.join(path, reason)})
		return
	}
	p.add(line, path, &s)
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "float64", "int", "int64":
		return "a number"
	case "slice":
		return "an array"
	case "struct", "ptr":
		return "an object"
	}
	return kind
}

func (p *hsdsReader) join(path, reason string) string {
	if path == "" {
		return reason
	}
	if p.sep == "." && strings.HasPrefix(reason, "[") {
		return path + reason
	}
	return path + p.sep + reason
}

// add turns a decoded service into its facilities.
func (p *hsdsReader) add(line int, path string, s *HSDSService) {
	reject := func(reason string) {
		p.rep.Rejected = append(p.rep.Rejected, Rejection{line, p.join(path, reason)})
	}
	if strings.TrimSpace(s.Name) == "" {
		reject("name: is empty: a service needs a name")
		return
	}
	if st := strings.ToLower(strings.TrimSpace(s.Status)); st != "" && st != "active" {
		reject(fmt.Sprintf("status: is %q: only active services are imported", s.Status))
		return
	}
	if len(s.ServiceAtLocations) == 0 {
		reject("service_at_locations: is empty: a facility needs a place")
		return
	}
	for i := range s.ServiceAtLocations {
		sal := &s.ServiceAtLocations[i]
		at := fmt.Sprintf("service_at_locations[%d]", i)
		if sal.Location == nil {
			reject(at + ".location: is missing: a facility needs a place")
			continue
		}
		f, warns, reason := p.facility(s, sal, len(s.ServiceAtLocations) == 1)
		if reason != "" {
			reject(at + "." + reason)
			continue
		}
		if first, dup := p.ids[f.ID]; dup {
			reject(fmt.Sprintf("%s: is facility %s again (line %d)", at, f.ID, first))
			continue
		}
		if err := f.Validate(p.opts.Taxonomy); err != nil {
			reject(at + ": is not a valid facility: " + err.Error())
			continue
		}
		p.ids[f.ID] = line
		p.sources[f.Source] = true
		p.rep.Records = append(p.rep.Records, ImportRecord{Line: line, Facility: f})
		for _, w := range warns {
			p.rep.Warnings = append(p.rep.Warnings, Warning{line, w.Kind, p.join(path, w.Reason)})
		}
		for _, c := range f.RawCodes {
			p.rep.UnmappedCodes[c]++
		}
	}
}

// facility builds the facility of one service at one location; reason
// says why it cannot, naming the field.
func (p *hsdsReader) facility(s *HSDSService, sal *HSDSServiceAtLocation, only bool) (f directory.Facility, warns []Warning, reason string) {
	loc := sal.Location
	warn := func(kind WarningKind, format string, args ...any) {
		warns = append(warns, Warning{Kind: kind, Reason: fmt.Sprintf(format, args...)})
	}
	clean := func(s string) string { return collapseSpace(strings.ToValidUTF8(s, "\uFFFD")) }
	f.Active = true
	f.Name = clean(s.Name)
	if alt := clean(s.AlternateName); alt != "" {
		for a := range strings.SplitSeq(alt, "; ") {
			if a = strings.TrimSpace(a); a != "" && !slices.Contains(f.AlternateNames, a) {
				f.AlternateNames = append(f.AlternateNames, a)
			}
		}
	}
	f.Description = strings.TrimSpace(strings.ToValidUTF8(s.Description, "\uFFFD"))
	if s.URL != "" {
		f.Website = strings.TrimSpace(s.URL)
	} else if s.Organization != nil && s.Organization.Website != "" {
		f.Website = strings.TrimSpace(s.Organization.Website)
	}
	f.Accreditations = splitList(s.Accreditations)
	f.Licenses = splitList(s.Licenses)

	if loc.Latitude == nil || loc.Longitude == nil {
		return f, nil, "location: has no latitude and longitude: the facility cannot be placed"
	}
	f.Lat, f.Lon = *loc.Latitude, *loc.Longitude
	if f.Lat < -90 || f.Lat > 90 || f.Lon < -180 || f.Lon > 180 {
		return f, nil, fmt.Sprintf("location: %v,%v is not a latitude and longitude", f.Lat, f.Lon)
	}
	if len(loc.Addresses) > 0 {
		a := loc.Addresses[0]
		for _, c := range loc.Addresses {
			if strings.EqualFold(c.AddressType, "physical") {
				a = c
				break
			}
		}
		for _, l := range append([]string{a.Address1}, strings.Split(a.Address2, "\n")...) {
			if l = clean(l); l != "" {
				f.Address.Lines = append(f.Address.Lines, l)
			}
		}
		f.Address.City = clean(a.City)
		if st := strings.ToUpper(clean(a.StateProvince)); st != "" {
			if len(st) != 2 || !isUpperASCII(st) {
				return f, nil, fmt.Sprintf("location.addresses: state_province %q is not a two-letter state code", a.StateProvince)
			}
			f.Address.State = st
		}
		zip := clean(a.PostalCode)
		if len(zip) == 10 && zip[5] == '-' {
			zip = zip[:5]
		}
		if zip != "" && (len(zip) != 5 || !isDigits(zip)) {
			return f, nil, fmt.Sprintf("location.addresses: postal_code %q is not a 5-digit ZIP code", a.PostalCode)
		}
		f.Address.ZIP = zip
	}

	var morePhones []string
	for _, ph := range slices.Concat(s.Phones, loc.Phones) {
		n := clean(ph.Number)
		if n == "" {
			continue
		}
		if ph.Extension != nil && *ph.Extension >= 0 && *ph.Extension < 1e7 {
			n += " ext. " + strconv.FormatFloat(*ph.Extension, 'f', -1, 64)
		}
		var dest *string
		switch strings.ToLower(ph.Description) {
		case "intake":
			dest = &f.Phones.Intake
		case "hotline_24_7", "hotline":
			dest = &f.Phones.Hotline
		default:
			dest = &f.Phones.Main
		}
		if *dest == "" {
			*dest = n
		} else if *dest != n {
			morePhones = append(morePhones, n)
		}
	}
	for _, sc := range s.Schedules {
		h, ok := scheduleHours(sc)
		if !ok {
			warn(WarnRepaired, "schedules: %q is not a weekly opening time; left it out", strings.Trim(sc.ByDay+" "+sc.OpensAt+"-"+sc.ClosesAt, " -"))
			continue
		}
		f.Hours = append(f.Hours, h...)
	}
	for _, l := range s.Languages {
		code := strings.ToLower(strings.TrimSpace(l.Code))
		if _, ok := p.opts.Taxonomy.Lookup(directory.GroupLanguage, code); ok {
			f.Services.Add(directory.GroupLanguage, code)
		} else if code != "" || l.Name != "" {
			f.RawCodes = appendUnique(f.RawCodes, "language:"+cmpOr(code, clean(l.Name)))
		}
	}
	facts := map[string][]string{}
	for _, a := range s.Attributes {
		p.attribute(&f, a, facts)
	}
	f.Source = firstOf(facts[factSource], p.opts.Source)
	f.SourceID = firstOf(facts[factSourceID], "")
	if f.SourceID == "" && len(facts[factSource]) == 0 {
		// Another system's record: its own id is the source id.
		f.SourceID = s.ID
		if !only {
			f.SourceID = sal.ID
		}
	}
	switch v := firstOf(facts[factOpen247], ""); v {
	case "true", "false":
		f.Open247 = directory.Known(v == "true")
	case "":
	default:
		warn(WarnRepaired, "attributes: open_24_7 %q is neither true nor false; left it unknown", v)
	}
	f.FacilityType = firstOf(facts[factFacilityType], "")
	f.OperatorType = firstOf(facts[factOperatorType], "")
	f.Note = firstOf(facts[factNote], "")
	f.HoursNote = firstOf(facts[factHoursNote], "")
	if w := firstOf(facts[factWebsite], ""); w != "" && f.Website == "" {
		f.Website = w
	}
	for _, c := range facts[factRawCode] {
		f.RawCodes = appendUnique(f.RawCodes, c)
	}
	if len(morePhones) > 0 {
		f.Note = strings.TrimPrefix(f.Note+". Other numbers: "+strings.Join(morePhones, ", "), ". ")
	}
	if d := strings.TrimSpace(s.AssuredDate); d != "" {
		if len(d) > 10 {
			d = d[:10]
		}
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			f.LastVerified = d
		} else {
			warn(WarnRepaired, "assured_date: %q is not a date; left it out", s.AssuredDate)
		}
	}
	f.CreatedAt, f.UpdatedAt = p.opts.Now, p.opts.Now
	f.Services.Normalize()

	switch {
	case loc.ExternalIdentifierType == hsdsExternalIDType && only && loc.ExternalIdentifier != "":
		f.ID = loc.ExternalIdentifier
	default:
		sum := sha256.Sum256([]byte(s.ID + "|" + loc.ID))
		f.ID = HSDSIDPrefix + hex.EncodeToString(sum[:8])
	}
	if f.Phones == (directory.Phones{}) {
		warn(WarnNoPhone, "phones: no phone number")
	}
	return f, warns, ""
}

// attribute reads one attribute onto f: a term of CareFinder's taxonomy,
// a fact (into facts), or another taxonomy's term, kept raw.
func (p *hsdsReader) attribute(f *directory.Facility, a HSDSAttribute, facts map[string][]string) {
	id := a.TaxonomyTermID
	var term *HSDSTaxonomyTerm
	if a.TaxonomyTerm != nil {
		term = a.TaxonomyTerm
		if id == "" {
			id = term.ID
		}
	}
	if term != nil && strings.HasPrefix(term.Taxonomy, hsdsTaxonomyPrefix) && term.Code != "" {
		if term.Taxonomy == HSDSFactsTaxonomy {
			facts[term.Code] = append(facts[term.Code], a.Value)
			return
		}
		if g, ok := directory.ParseGroup(strings.TrimPrefix(term.Taxonomy, hsdsTaxonomyPrefix)); ok {
			if _, ok := p.opts.Taxonomy.Lookup(g, term.Code); ok {
				f.Services.Add(g, term.Code)
				return
			}
		}
	}
	if ref, ok := p.terms[id]; ok {
		if ref.fact != "" {
			facts[ref.fact] = append(facts[ref.fact], a.Value)
		} else {
			f.Services.Add(ref.ref.Group, ref.ref.Slug)
		}
		return
	}
	if term == nil {
		if t, ok := p.foreign[id]; ok {
			term = &t
		}
	}
	raw := id
	if term != nil {
		raw = cmpOr(term.Taxonomy, term.TaxonomyID, "taxonomy") + ":" + cmpOr(term.Code, term.Name, term.ID)
	}
	if raw == "" {
		return
	}
	if a.Value != "" {
		raw += "=" + a.Value
	}
	f.RawCodes = appendUnique(f.RawCodes, raw)
}

// scheduleHours reads a weekly schedule ("MO,TU" 08:00-17:00) as opening
// hours.
func scheduleHours(sc HSDSSchedule) ([]directory.OpeningHours, bool) {
	if sc.Freq != "" && !strings.EqualFold(sc.Freq, "WEEKLY") {
		return nil, false
	}
	opens, ok1 := clockTime(sc.OpensAt)
	closes, ok2 := clockTime(sc.ClosesAt)
	if !ok1 || !ok2 || sc.ByDay == "" {
		return nil, false
	}
	var out []directory.OpeningHours
	for d := range strings.SplitSeq(sc.ByDay, ",") {
		i := slices.Index(weekdayCodes[:], strings.ToUpper(strings.TrimSpace(d)))
		if i < 0 {
			return nil, false
		}
		out = append(out, directory.OpeningHours{Day: time.Weekday(i), Opens: opens, Closes: closes})
	}
	return out, true
}

// clockTime reads "08:00", "08:00:00" or "08:00:00-05:00" as "08:00".
func clockTime(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:5]) {
		return "", false
	}
	hh, mm := s[:2], s[3:5]
	if hh > "24" || mm > "59" || (hh == "24" && mm != "00") {
		return "", false
	}
	return s[:5], true
}

// splitList splits a "; "-joined list.
func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ";") {
		if p = collapseSpace(strings.ToValidUTF8(p, "\uFFFD")); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func firstOf(vals []string, def string) string {
	if len(vals) > 0 && vals[0] != "" {
		return vals[0]
	}
	return def
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
