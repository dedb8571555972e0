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
	"io/fs"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/carefinder/carefinder/directory"
)

// FindTreatmentSource is the Provenance.Source of records read from
// FindTreatment.gov's locator export.
const FindTreatmentSource = "findtreatment"

// FindTreatmentIDPrefix starts the ID of every record read from
// FindTreatment.gov: "ft-" and a hash of the locator's frid, which names a
// facility across exports.
const FindTreatmentIDPrefix = "ft-"

// ftMaxRowBytes bounds one row of the export: a real row is a few
// kilobytes; a bigger one is not a row.
const ftMaxRowBytes = 1 << 20

// ParseFindTreatment reads the JSON of FindTreatment.gov's locator export
// (exportsAsJson/v2): one or more pages, concatenated, each
// {page, totalPages, recordCount, rows: [...]}.
//
// It returns an error only when r is not such an export at all (not JSON,
// or not pages of rows: the error gives the line), on a read error, or when
// ctx is done. A bad row is reported in ParseReport.Rejected, with the line
// it starts on and the JSON path of the field at fault ("rows[12].latitude"),
// and reading goes on. The file is read one row at a time.
//
// How a row becomes a Facility:
//   - frid is the SourceID, and the ID is FindTreatmentIDPrefix and a hash
//     of it. A row without frid, or repeating an earlier frid, is
//     rejected. _irow is a row number, not an id, and is ignored.
//   - name1 is the Name, name2 an alternate name; street1 and street2 the
//     address lines. ZIP+4 codes keep their first five digits.
//   - phone is Main, intake1 Intake, hotline1 Hotline, written as CareFinder
//     writes numbers; text that is not a number goes to the Note.
//   - website, unless it is empty or only "http://"; one without a scheme
//     gets "http://".
//   - latitude and longitude are strings (numbers are taken too); a row
//     without a location is rejected.
//   - typeFacility sets FacilityType (SA substance use, MH mental health,
//     BUPREN a buprenorphine practitioner, HRSA a health center).
//   - services: each category's f3 lists labels ("Outpatient; Outpatient
//     detoxification"); each label is looked up within its category f2
//     and mapped through the taxonomy's FindTreatment legend onto terms,
//     FacilityType, OperatorType, Licenses or Accreditations. A label with
//     no term is kept raw in RawCodes (as its code when the label is known,
//     else as "f2:label") and counted in UnmappedCodes. services may be
//     null: the facility's services are then unknown, and its groups empty.
//   - Every record gets language "en" (the locator lists services in
//     English and codes other languages). Open247 is nil (unknown), and
//     LastVerified is ParseOptions.LastVerified or empty: the export does
//     not say when each record was checked.
//
// When the pages say there are more pages than the file holds, or a page
// number repeats, ParseReport.Partial says so: the file is not the whole
// directory, and an import must not remove what it does not list.
func ParseFindTreatment(ctx context.Context, r io.Reader, opts ParseOptions) (*ParseReport, error) {
	p, err := newFTParser(opts)
	if err != nil {
		return nil, err
	}
	if err := p.readFile(ctx, r, ""); err != nil {
		return nil, err
	}
	return p.finish(), nil
}

// ParseFindTreatmentDir reads the *.json files of fsys, in name order, as
// the pages of one export (the locator's pages saved one per file), like
// ParseFindTreatment. A rejection's reason starts with its file's name and
// its line is that file's.
func ParseFindTreatmentDir(ctx context.Context, fsys fs.FS, opts ParseOptions) (*ParseReport, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list FindTreatment.gov pages: %w", err)
	}
	if len(names) == 0 {
		return nil, directory.Errorf(directory.EINVALID, "not a FindTreatment.gov export: the directory has no .json files")
	}
	p, err := newFTParser(opts)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		err = p.readFile(ctx, bufio.NewReaderSize(f, 1<<16), name)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return p.finish(), nil
}

func newFTParser(opts ParseOptions) (*ftParser, error) {
	if opts.Taxonomy == nil {
		opts.Taxonomy = directory.DefaultTaxonomy()
	}
	if opts.Source == "" {
		opts.Source = FindTreatmentSource
	}
	legend, ok := opts.Taxonomy.Legend(directory.LegendFindTreatment)
	if !ok {
		return nil, fmt.Errorf("the taxonomy has no %s legend", directory.LegendFindTreatment)
	}
	return &ftParser{opts: opts, legend: legend, tables: ftTables(), seen: map[string]string{},
		rep: &ParseReport{UnmappedCodes: map[string]int{}}, pages: map[int64]bool{}}, nil
}

// readFile reads the pages of one file; file names it in messages ("" for
// a single input).
func (p *ftParser) readFile(ctx context.Context, r io.Reader, file string) error {
	rep := p.rep
	p.file = file
	fromRej, fromWarn := len(rep.Rejected), len(rep.Warnings)
	lr := newLineReader(r)
	dec := json.NewDecoder(lr)
	dec.UseNumber()
	docs := 0
	for ; ; docs++ {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ftSyntaxError(lr, dec, err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return directory.Errorf(directory.EINVALID,
				"not a FindTreatment.gov export: line %d: want a page {page, totalPages, recordCount, rows}, found %v", lr.lineAt(dec.InputOffset()), tok)
		}
		var prefix []string
		if file != "" {
			prefix = append(prefix, file)
		}
		if docs > 0 {
			prefix = append(prefix, fmt.Sprintf("page %d", docs+1))
		}
		pre := strings.Join(prefix, ", ")
		if pre != "" {
			pre += ": "
		}
		page, err := p.readPage(ctx, lr, dec, rep, pre)
		if err != nil {
			return err
		}
		if page.number > 0 {
			if p.pages[page.number] {
				rep.Partial = true
				rep.Warnings = append(rep.Warnings, Warning{page.line, WarnSourceID, fmt.Sprintf("%spage %d appears twice", pre, page.number)})
			}
			p.pages[page.number] = true
		}
		p.totalPages = max(p.totalPages, page.total)
	}
	if docs == 0 {
		return directory.Errorf(directory.EINVALID, "not a FindTreatment.gov export: the file is empty")
	}
	slices.SortStableFunc(rep.Rejected[fromRej:], func(a, b Rejection) int { return a.Line - b.Line })
	slices.SortStableFunc(rep.Warnings[fromWarn:], func(a, b Warning) int { return a.Line - b.Line })
	return nil
}

// finish says whether pages are missing and returns the report.
func (p *ftParser) finish() *ParseReport {
	if p.totalPages > 0 && int64(len(p.pages)) < p.totalPages {
		p.rep.Partial = true
		p.rep.Warnings = append(p.rep.Warnings, Warning{1, WarnSourceID,
			fmt.Sprintf("the export has %d pages but the input holds %d: it is not the whole directory", p.totalPages, len(p.pages))})
	}
	return p.rep
}

func ftSyntaxError(lr *lineReader, dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return directory.Errorf(directory.EINVALID, "not valid JSON: %s", syntaxErrorLine(lr, dec, err))
	}
	return fmt.Errorf("read FindTreatment.gov export: %w", err)
}

type ftParser struct {
	opts   ParseOptions
	legend *directory.Legend
	tables *ftLabelTables
	rep    *ParseReport
	// seen says where each frid's first row is: "line 12" or
	// "page-2.json line 12".
	seen map[string]string
	// pages are the page numbers read; totalPages the most pages any
	// said the export has.
	pages      map[int64]bool
	totalPages int64
	// file is the file being read, "" for a single input.
	file string
}

// ftPage is what a page says about itself.
type ftPage struct {
	line          int
	number, total int64
}

// readPage reads the members of one page object, whose '{' was read.
func (p *ftParser) readPage(ctx context.Context, lr *lineReader, dec *json.Decoder, rep *ParseReport, prefix string) (ftPage, error) {
	page := ftPage{line: lr.lineAt(dec.InputOffset())}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return page, ftSyntaxError(lr, dec, err)
		}
		key, _ := tok.(string)
		switch key {
		case "rows":
			if err := p.readRows(ctx, lr, dec, rep, prefix); err != nil {
				return page, err
			}
			continue
		case "page", "totalPages":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return page, ftSyntaxError(lr, dec, err)
			}
			// A page number that is not a number says nothing; the rows
			// still count.
			s, _ := jsonString(raw)
			v, _ := strconv.ParseInt(s, 10, 64)
			if key == "page" {
				page.number = v
			} else {
				page.total = v
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return page, ftSyntaxError(lr, dec, err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return page, ftSyntaxError(lr, dec, err)
	}
	return page, nil
}

// readRows reads the rows array, one row at a time.
func (p *ftParser) readRows(ctx context.Context, lr *lineReader, dec *json.Decoder, rep *ParseReport, prefix string) error {
	tok, err := dec.Token()
	if err != nil {
		return ftSyntaxError(lr, dec, err)
	}
	if tok == nil {
		return nil // "rows": null, an empty page
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return directory.Errorf(directory.EINVALID, "line %d: %srows is not an array of rows", lr.lineAt(dec.InputOffset()), prefix)
	}
	for i := 0; dec.More(); i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return ftSyntaxError(lr, dec, err)
		}
		start := dec.InputOffset() - int64(len(raw))
		line := lr.lineAt(start)
		path := fmt.Sprintf("%srows[%d]", prefix, i)
		if len(raw) > ftMaxRowBytes {
			rep.Rejected = append(rep.Rejected, Rejection{line, fmt.Sprintf("%s: is %d bytes long; a row is at most %d", path, len(raw), ftMaxRowBytes)})
			continue
		}
		p.parseRow(rep, line, path, raw)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return ftSyntaxError(lr, dec, err)
	}
	return nil
}

// ftRow is a row being read: its fields and where they are.
type ftRow struct {
	line   int
	path   string
	raw    json.RawMessage
	fields map[string]jsonField
	rep    *ParseReport
	warns  []Warning
}

// lineOf returns the line of the field key, or of the row.
func (r *ftRow) lineOf(key string) int {
	f, ok := r.fields[key]
	if !ok {
		return r.line
	}
	return r.line + bytes.Count(r.raw[:f.off], []byte{'\n'})
}

// str returns the trimmed text of a field; a field that is neither a
// string, a number nor null is a rejection reason.
func (r *ftRow) str(key string) (string, string) {
	f, ok := r.fields[key]
	if !ok {
		return "", ""
	}
	s, ok := jsonString(f.val)
	if !ok {
		return "", fmt.Sprintf("%s.%s: want a string, found %s", r.path, key, jsonKind(f.val))
	}
	return collapseSpace(strings.ToValidUTF8(s, "\uFFFD")), ""
}

func (r *ftRow) warn(key string, kind WarningKind, format string, args ...any) {
	r.warns = append(r.warns, Warning{r.lineOf(key), kind, r.path + "." + key + ": " + fmt.Sprintf(format, args...)})
}

// parseRow reads one row into a record or a rejection.
func (p *ftParser) parseRow(rep *ParseReport, line int, path string, raw json.RawMessage) {
	reject := func(at int, reason string) {
		rep.Rejected = append(rep.Rejected, Rejection{at, reason})
	}
	fields, err := objectFields(raw)
	if err != nil {
		reject(line, fmt.Sprintf("%s: %v", path, err))
		return
	}
	row := &ftRow{line: line, path: path, raw: raw, fields: make(map[string]jsonField, len(fields)), rep: rep}
	for _, f := range fields {
		row.fields[f.key] = f
	}
	text := map[string]string{}
	for _, k := range []string{"frid", "name1", "name2", "street1", "street2", "city", "state", "zip",
		"phone", "intake1", "hotline1", "website", "latitude", "longitude", "typeFacility"} {
		v, reason := row.str(k)
		if reason != "" {
			reject(row.lineOf(k), reason)
			return
		}
		text[k] = v
	}
	frid := text["frid"]
	if frid == "" {
		reject(row.lineOf("frid"), path+".frid: is empty: a row needs the locator's id")
		return
	}
	if first, dup := p.seen[frid]; dup {
		reject(row.lineOf("frid"), fmt.Sprintf("%s.frid: %q repeats the row on %s", path, frid, first))
		return
	}
	f := directory.Facility{ID: ftID(frid), Active: true}
	if f.Name = text["name1"]; f.Name == "" {
		reject(row.lineOf("name1"), path+".name1: is empty: a facility needs a name")
		return
	}
	if n2 := text["name2"]; n2 != "" && !strings.EqualFold(n2, f.Name) {
		f.AlternateNames = []string{n2}
	}
	for _, k := range []string{"street1", "street2"} {
		if text[k] != "" {
			f.Address.Lines = append(f.Address.Lines, text[k])
		}
	}
	f.Address.City = text["city"]
	state := strings.ToUpper(text["state"])
	if len(state) != 2 || !isUpperASCII(state) {
		reject(row.lineOf("state"), fmt.Sprintf("%s.state: %q is not a two-letter state code", path, text["state"]))
		return
	}
	f.Address.State = state
	zip := text["zip"]
	switch {
	case len(zip) == 10 && zip[5] == '-' && isDigits(zip[:5]) && isDigits(zip[6:]):
		zip = zip[:5]
	case zip != "" && len(zip) < 5 && isDigits(zip):
		padded := strings.Repeat("0", 5-len(zip)) + zip
		row.warn("zip", WarnRepaired, "%q has %d digits; padded it to %s", zip, len(zip), padded)
		zip = padded
	}
	if zip != "" && (len(zip) != 5 || !isDigits(zip)) {
		reject(row.lineOf("zip"), fmt.Sprintf("%s.zip: %q is not a 5-digit ZIP code", path, text["zip"]))
		return
	}
	f.Address.ZIP = zip

	var ok bool
	var reason string
	if f.Lat, reason, ok = parseCoord(path+".latitude", text["latitude"], 90); !ok {
		reject(row.lineOf("latitude"), reason)
		return
	}
	if f.Lon, reason, ok = parseCoord(path+".longitude", text["longitude"], 180); !ok {
		reject(row.lineOf("longitude"), reason)
		return
	}
	if f.Lat == 0 && f.Lon == 0 {
		reject(row.lineOf("latitude"), path+": latitude and longitude are both 0: the location is missing")
		return
	}

	var notes []string
	for _, ph := range []struct {
		key  string
		dest *string
	}{{"phone", &f.Phones.Main}, {"intake1", &f.Phones.Intake}, {"hotline1", &f.Phones.Hotline}} {
		s := text[ph.key]
		if s == "" {
			continue
		}
		c := parseContact(s)
		*ph.dest = c.phones.Main
		if c.leftover != "" || len(c.more) > 0 || c.phones.Main == "" {
			row.warn(ph.key, WarnContactText, "%q is not one phone number; kept it in the Note", s)
			notes = append(notes, ph.key+": "+s)
		}
	}
	if f.Phones == (directory.Phones{}) {
		row.warn("phone", WarnNoPhone, "no phone number")
	}
	f.Website = p.website(row, text["website"])

	if t := text["typeFacility"]; t != "" {
		if ft, ok := ftTypeFacilityCodes[strings.ToUpper(t)]; ok {
			f.FacilityType = ft
		} else {
			f.RawCodes = append(f.RawCodes, "typeFacility:"+t)
		}
	}
	f.Services.Add(directory.GroupLanguage, "en")
	if strings.EqualFold(text["typeFacility"], "BUPREN") {
		f.Services.Add(directory.GroupMedication, "buprenorphine")
	}
	if reason := p.parseServices(row, &f); reason != "" {
		reject(row.lineOf("services"), reason)
		return
	}
	f.Services.Normalize()
	f.Note = strings.Join(notes, ". ")
	f.Provenance = directory.Provenance{
		Source:       p.opts.Source,
		SourceID:     frid,
		LastVerified: p.opts.LastVerified,
		CreatedAt:    p.opts.Now,
		UpdatedAt:    p.opts.Now,
	}
	if err := f.Validate(p.opts.Taxonomy); err != nil {
		reject(line, fmt.Sprintf("%s: is not a valid facility: %v", path, err))
		return
	}
	p.seen[frid] = strings.TrimPrefix(p.file+" line "+strconv.Itoa(line), " ")
	rep.Records = append(rep.Records, ImportRecord{Line: line, Facility: f})
	rep.Warnings = append(rep.Warnings, row.warns...)
	for _, c := range f.RawCodes {
		rep.UnmappedCodes[c]++
	}
}

// website returns the facility's web address, or "" when the export gives
// none ("", "http://").
func (p *ftParser) website(row *ftRow, s string) string {
	bare := strings.TrimRight(strings.ToLower(s), "/")
	if s == "" || bare == "http:" || bare == "https:" || bare == "http://" || bare == "https://" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.Contains(u.Host, ".") || strings.ContainsAny(s, " \t") {
		row.warn("website", WarnRepaired, "%q is not a web address; left it out", s)
		return ""
	}
	return s
}

// parseServices maps the row's services onto f, returning a rejection
// reason when they are not a list of categories.
func (p *ftParser) parseServices(row *ftRow, f *directory.Facility) string {
	sf, ok := row.fields["services"]
	if !ok || isNull(sf.val) {
		return ""
	}
	var cats []json.RawMessage
	if err := json.Unmarshal(sf.val, &cats); err != nil {
		return fmt.Sprintf("%s.services: want a list of categories {f1, f2, f3}, found %s", row.path, jsonKind(sf.val))
	}
	for i, raw := range cats {
		at := fmt.Sprintf("%s.services[%d]", row.path, i)
		if isNull(raw) {
			continue
		}
		fields, err := objectFields(raw)
		if err != nil {
			return fmt.Sprintf("%s: want a category {f1, f2, f3}, found %s", at, jsonKind(raw))
		}
		var code, labels string
		for _, fl := range fields {
			s, ok := jsonString(fl.val)
			switch fl.key {
			case "f2", "f3":
				if !ok {
					return fmt.Sprintf("%s.%s: want a string, found %s", at, fl.key, jsonKind(fl.val))
				}
				if fl.key == "f2" {
					code = strings.ToUpper(strings.TrimSpace(s))
				} else {
					labels = s
				}
			}
		}
		for label := range strings.SplitSeq(labels, ";") {
			if label = collapseSpace(strings.ToValidUTF8(label, "\uFFFD")); label != "" {
				p.mapLabel(f, code, label)
			}
		}
	}
	return ""
}

// mapLabel puts one label of category code onto f.
func (p *ftParser) mapLabel(f *directory.Facility, category, label string) {
	key := normalizeLabel(label)
	raw := func(s string) {
		if !slices.Contains(f.RawCodes, s) {
			f.RawCodes = append(f.RawCodes, s)
		}
	}
	kind, known := ftCategories[category]
	switch {
	case known && kind == ftOperator:
		if op, ok := p.tables.operators[key]; ok {
			f.OperatorType = op
			return
		}
	case known && kind == ftFacility:
		if t, ok := p.tables.types[key]; ok {
			if f.FacilityType == "" {
				f.FacilityType = t
			}
			return
		}
	case known && kind == ftLicensing:
		if l, ok := p.tables.licensing[key]; ok {
			if l.accreditation {
				f.Accreditations = appendUnique(f.Accreditations, l.name)
			} else {
				f.Licenses = appendUnique(f.Licenses, l.name)
			}
			return
		}
	case known:
		code, ok := p.tables.services[key]
		if !ok {
			break
		}
		if code == samhsaScopeCode {
			return // substance use treatment: the directory's scope
		}
		refs := p.legend.Terms(code)
		for _, ref := range refs {
			f.Services.Add(ref.Group, ref.Slug)
		}
		if len(refs) == 0 {
			raw(code)
		}
		return
	}
	raw(category + ":" + label)
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// ftID is the facility ID of the locator's frid.
func ftID(frid string) string {
	sum := sha256.Sum256([]byte(frid))
	return FindTreatmentIDPrefix + hex.EncodeToString(sum[:8])
}
