package data

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carefinder/carefinder/directory"
)

// SAMHSA2015Source is the Provenance.Source of records read from the SAMHSA
// 2015 national directory.
const SAMHSA2015Source = "samhsa-2015"

// SAMHSA2015LastVerified is the default Provenance.LastVerified of SAMHSA
// 2015 records. The directory carries no per-record date; its entries were
// checked by SAMHSA's survey before the 2015 edition came out, so the first
// day of 2015 is the latest date we can claim without overstating freshness.
const SAMHSA2015LastVerified = "2015-01-01"

// SAMHSA2015IDPrefix starts the ID of every record read from the SAMHSA 2015
// directory.
const SAMHSA2015IDPrefix = "s15-"

// minMatchScore is the geocoder confidence below which a location is only
// approximate (README: "140 rows are below 90").
const minMatchScore = 90

// The columns of the SAMHSA 2015 file, in its order.
const (
	colName1 = iota
	colName2
	colName3
	colAddress1
	colAddress2
	colAddress3
	colCity
	colState
	colZIP
	colContact
	colNote
	colKeys
	colLocID
	colLongitude
	colLatitude
	colMatchScore
	numColumns
)

var samhsa2015Columns = [numColumns]string{
	"Name1", "Name2", "Name3", "Address1", "Address2", "Address3", "City", "State", "ZIP_Code",
	"Contact", "Note", "Keys", "loc_ID", "Longitude", "Latitude", "Match Score",
}

// SAMHSA codes that are not services but say what kind of place a facility
// is or who runs it.
var (
	samhsaFacilityTypes = map[string]string{
		"SAF":   "substance-use",
		"MHSAF": "mixed",
		"MHF":   "mental-health",
		"GHF":   "general-hospital",
	}
	samhsaOperatorTypes = map[string]string{
		"VAMC": "federal-va",
	}
)

// samhsaScopeCode is "substance use treatment", the scope of the whole
// directory: it says nothing about one facility, so it is dropped.
const samhsaScopeCode = "SA"

// ImportRecord is one facility read from an input file, with the line of
// the file it starts on.
type ImportRecord struct {
	Line     int
	Facility directory.Facility
}

// ParseReport is the outcome of reading an input file: the records kept,
// the lines rejected, and what a person checking the import should know.
// Records, Rejected and Warnings are in file order.
type ParseReport struct {
	Records  []ImportRecord
	Rejected []Rejection
	// UnmappedCodes counts, for each source code that maps onto no taxonomy
	// term, the kept records carrying it. The codes are kept on the record
	// in Facility.RawCodes.
	UnmappedCodes map[string]int
	// Warnings are about kept records: approximate locations, words in the
	// Keys column that are not codes, padded ZIP codes, repaired text,
	// records told apart only by their contact details.
	Warnings []Warning
	// Partial says the file is not the source's whole directory (pages of
	// an export are missing): an import must keep the facilities it does
	// not list.
	Partial bool
	// Source, when not empty, is the source every record comes from, for
	// formats whose records carry their own (HSDS exports of CareFinder).
	Source string
	// NamesJoined counts the records whose name the source wrapped over
	// two or more name lines, joined back into one.
	NamesJoined int
}

// ParseOptions controls the parsers (ParseSAMHSA2015, ParseFindTreatment,
// ParseHSDSJSON, ParseHSDSCSV). The zero value is ready to use.
type ParseOptions struct {
	// Taxonomy maps the source codes, with its legend of the 2015
	// directory; nil means directory.DefaultTaxonomy().
	Taxonomy *directory.Taxonomy
	// Source is each record's Provenance.Source; "" means the format's
	// own (SAMHSA2015Source, FindTreatmentSource, HSDSSource for another
	// system's HSDS).
	Source string
	// LastVerified is each record's Provenance.LastVerified (YYYY-MM-DD);
	// "" means SAMHSA2015LastVerified.
	LastVerified string
	// Now is each record's CreatedAt and UpdatedAt. The zero time leaves
	// them zero for the store to set, and keeps parsing reproducible.
	Now time.Time
}

// ParseSAMHSA2015 reads the SAMHSA 2015 national directory CSV
// (samhsa-directory-2015.csv) into facilities.
//
// It returns an error only when r is not such a file at all (its header
// lacks the directory's columns), on a read error, or when ctx is done. A
// bad row is reported in ParseReport.Rejected and reading goes on.
//
// How the columns become a Facility:
//   - Name1 is the Name. The printed directory wrapped long names over its
//     name lines ("Department of" / "Veterans Affairs Medical Center"):
//     a line that continues the one before (see joinNameLines) is joined
//     to it. Other lines, the program or site ("Henry County/IOP"), are
//     AlternateNames, which search indexes with the name and results show
//     as a subtitle.
//   - ZIP_Code is left-padded to 5 digits: the file lost leading zeros.
//   - Contact yields Phones: the first number is Main, the first after
//     "Intake:"/"Intakes:" is Intake, one after "Hotline:" is Hotline.
//     Further numbers, and any text that is not a number, go into Note.
//   - Keys map onto taxonomy terms through the taxonomy's 2015 legend
//     (directory.LegendSAMHSA2015): languages (F66 Polish, N23 Navajo, FX
//     and NX for languages it does not name), the genders accepted (FEM,
//     MALE), BC (beds for clients' children). SAF, MHSAF, MHF and GHF set
//     FacilityType, VAMC sets OperatorType, SA (substance use treatment,
//     the directory's scope) is dropped, and every other code is kept raw
//     in RawCodes. IHS is a payment code in this edition (it sits among
//     the payments, and most facilities carrying it are not run by the
//     Indian Health Service), so it maps to payment "ihs-tribal" only.
//   - Every record gets language "en": the directory lists services in
//     English and codes the other languages.
//   - Open247 is nil (unknown): the 2015 directory says nothing about
//     hours. So are Hours, Website, Description and Accreditations.
//   - Provenance: Source, SourceID = loc_ID (not unique in the file),
//     LastVerified from opts; Active is true.
//
// IDs are "s15-" and 16 hex digits of SHA-256 over the normalized (lower
// case, spaces collapsed) address columns: what identifies a site, so
// importing the same file twice, or its rows in another order, gives the
// same IDs, and a later edition that renames a facility or changes its
// phone keeps them. Rows that share an address get IDs over the address
// and the name columns, then also the Keys column, then Contact, then the
// rest, until they differ; rows that share name and address each get a
// warning. Rows equal in every column are duplicates: the first is kept
// and the others rejected. (directory.Store.Import also recognises a
// facility of an earlier edition whose address changed.)
func ParseSAMHSA2015(ctx context.Context, r io.Reader, opts ParseOptions) (*ParseReport, error) {
	if opts.Taxonomy == nil {
		opts.Taxonomy = directory.DefaultTaxonomy()
	}
	legend, ok := opts.Taxonomy.Legend(directory.LegendSAMHSA2015)
	if !ok {
		return nil, fmt.Errorf("parse SAMHSA 2015: the taxonomy has no %s legend", directory.LegendSAMHSA2015)
	}
	if opts.Source == "" {
		opts.Source = SAMHSA2015Source
	}
	if opts.LastVerified == "" {
		opts.LastVerified = SAMHSA2015LastVerified
	}
	if _, err := time.Parse(time.DateOnly, opts.LastVerified); err != nil {
		return nil, directory.Errorf(directory.EINVALID, "last verified date %q is not a date like 2015-01-01", opts.LastVerified)
	}

	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, directory.Errorf(directory.EINVALID, "not a SAMHSA 2015 directory file: it is empty")
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, directory.Errorf(directory.EINVALID, "not a SAMHSA 2015 directory file: the header is not valid CSV: %v", err)
		}
		return nil, fmt.Errorf("read SAMHSA 2015 header: %w", err)
	}
	cols, err := samhsa2015Header(header)
	if err != nil {
		return nil, err
	}
	cr.FieldsPerRecord = len(header)

	p := &samhsaParser{opts: opts, cols: cols, legend: legend}
	rep := &ParseReport{UnmappedCodes: map[string]int{}}
	var rows []*samhsaRow
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read SAMHSA 2015 file: %w", err)
			}
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				rep.Rejected = append(rep.Rejected, Rejection{pe.StartLine,
					fmt.Sprintf("has %d columns, want %d like the header", len(rec), len(header))})
			} else {
				rep.Rejected = append(rep.Rejected, Rejection{pe.StartLine,
					fmt.Sprintf("is not valid CSV: %v at line %d, column %d", pe.Err, pe.Line, pe.Column)})
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		row, reason := p.parseRow(line, rec)
		if reason != "" {
			rep.Rejected = append(rep.Rejected, Rejection{line, reason})
			continue
		}
		rows = append(rows, row)
	}

	rep.Rejected = append(rep.Rejected, assignSAMHSAIDs(rows)...)
	ids := make(map[string]int, len(rows))
	rep.Records = make([]ImportRecord, 0, len(rows))
	for _, row := range rows {
		if row.duplicate {
			continue
		}
		f := &row.f
		if first, dup := ids[f.ID]; dup {
			// Two different rows hashing alike: 64 bits make this a bug,
			// not bad luck, but it must not merge two facilities.
			rep.Rejected = append(rep.Rejected, Rejection{row.line, fmt.Sprintf("its id %s is already taken by line %d", f.ID, first)})
			continue
		}
		if err := f.Validate(opts.Taxonomy); err != nil {
			rep.Rejected = append(rep.Rejected, Rejection{row.line, "is not a valid facility: " + err.Error()})
			continue
		}
		ids[f.ID] = row.line
		rep.Records = append(rep.Records, ImportRecord{Line: row.line, Facility: *f})
		rep.Warnings = append(rep.Warnings, row.warnings...)
		if row.nameJoined {
			rep.NamesJoined++
		}
		for _, c := range f.RawCodes {
			rep.UnmappedCodes[c]++
		}
	}
	slices.SortStableFunc(rep.Rejected, func(a, b Rejection) int { return a.Line - b.Line })
	return rep, nil
}

// samhsa2015Header returns, for each column of the directory, its index in
// header.
func samhsa2015Header(header []string) ([numColumns]int, error) {
	var cols [numColumns]int
	var missing []string
	for c, name := range samhsa2015Columns {
		cols[c] = -1
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), name) {
				cols[c] = i
				break
			}
		}
		if cols[c] < 0 {
			missing = append(missing, strconv.Quote(name))
		}
	}
	if len(missing) > 0 {
		found := make([]string, len(header))
		for i, h := range header {
			found[i] = strconv.Quote(h)
		}
		return cols, directory.Errorf(directory.EINVALID,
			"not a SAMHSA 2015 directory file: the header lacks column %s (it has %s)",
			strings.Join(missing, ", "), strings.Join(found, ", "))
	}
	return cols, nil
}

type samhsaParser struct {
	opts   ParseOptions
	cols   [numColumns]int
	legend *directory.Legend
}

// samhsaRow is a row that parsed, waiting for its ID.
type samhsaRow struct {
	line       int
	col        [numColumns]string // cleaned text of each column
	f          directory.Facility
	warnings   []Warning
	nameJoined bool
	// duplicate is set when an earlier row is equal in every column.
	duplicate bool
	// keyLevel is the last of samhsaKeyLevels in the row's ID key: above
	// samhsaNameLevel when it shares name and address with the rows in
	// sharers.
	keyLevel int
	sharers  []*samhsaRow
	// norm holds the normalized columns once key has been called.
	norm       [numColumns]string
	normalized bool
}

func (r *samhsaRow) warn(kind WarningKind, format string, args ...any) {
	r.warnings = append(r.warnings, Warning{r.line, kind, fmt.Sprintf(format, args...)})
}

// parseRow turns one CSV record into a facility without an ID, or returns
// why it cannot.
func (p *samhsaParser) parseRow(line int, rec []string) (*samhsaRow, string) {
	row := &samhsaRow{line: line}
	for c := range numColumns {
		row.col[c] = row.cleanText(samhsa2015Columns[c], rec[p.cols[c]])
	}
	col := &row.col
	f := &row.f

	if col[colName1] == "" {
		return nil, "Name1 is empty: a facility needs a name"
	}
	f.Name, f.AlternateNames, row.nameJoined = joinNameLines(col[colName1], col[colName2], col[colName3])

	if endsInConnector(f.Name) && col[colAddress1] != "" && !looksLikeStreet(col[colAddress1]) && looksLikeStreet(col[colAddress2]) {
		// The rest of a wrapped name slid into the address: "Human
		// Service Center on" / Address1 "Willow Knolls Road" / Address2
		// "2101 West Willow Knolls Road".
		row.warn(WarnRepaired, "Name1 %q is cut off and Address1 %q has no house number while Address2 has; took Address1 as the rest of the name", f.Name, col[colAddress1])
		f.Name += " " + col[colAddress1]
		col[colAddress1] = ""
		row.nameJoined = true
	}
	if looksLikeStreet(f.Name) && !looksLikeStreet(col[colAddress1]) {
		// The PDF parser lost the name and shifted the street up:
		// "3230 Warning Court" with Address1 "Suite A".
		row.warn(WarnLostName, "Name1 %q looks like a street address and Address1 has none (the source lost the name); used it as the first address line too", f.Name)
		f.Address.Lines = append(f.Address.Lines, f.Name)
	}
	for _, l := range []string{col[colAddress1], col[colAddress2], col[colAddress3]} {
		if l != "" {
			f.Address.Lines = append(f.Address.Lines, l)
		}
	}
	f.Address.City = col[colCity]
	state := col[colState]
	if len(state) != 2 || !isUpperASCII(strings.ToUpper(state)) {
		return nil, fmt.Sprintf("State %q is not a two-letter state code", state)
	}
	f.Address.State = strings.ToUpper(state)
	zip, reason := row.parseZIP(col[colZIP])
	if reason != "" {
		return nil, reason
	}
	f.Address.ZIP = zip

	var ok bool
	if f.Lon, reason, ok = parseCoord("Longitude", col[colLongitude], 180); !ok {
		return nil, reason
	}
	if f.Lat, reason, ok = parseCoord("Latitude", col[colLatitude], 90); !ok {
		return nil, reason
	}
	if f.Lat == 0 && f.Lon == 0 {
		return nil, "Longitude and Latitude are both 0: the location is missing"
	}
	row.checkMatchScore(col[colMatchScore])

	if locID := col[colLocID]; locID == "" {
		row.warn(WarnSourceID, "loc_ID is empty")
	} else if n := len(locID); n > 5 && isDigits(locID[n-5:]) && locID[n-5:] != zip {
		row.warn(WarnSourceID, "loc_ID %q names ZIP code %s but ZIP_Code is %s", locID, locID[n-5:], zip)
	}

	note := col[colNote]
	contactCol := col[colContact]
	if joined, ok := rejoinContact(contactCol, note); ok {
		row.warn(WarnRepaired, "Note %q is the end of the last phone number in Contact; joined them", note)
		contactCol, note = joined, ""
	}
	stray := p.parseKeys(row, col[colKeys])
	if len(stray) > 0 {
		words := strings.Join(stray, " ")
		if note == "" {
			note = words
			row.warn(WarnStrayWords, "Keys has words that are not codes (%q); kept them as the Note", words)
		} else {
			row.warn(WarnStrayWords, "Keys has words that are not codes (%q); left them out", words)
		}
	}
	var extra []string
	if note != "" {
		extra = append(extra, note)
	}
	c := parseContact(contactCol)
	f.Phones = c.phones
	if len(c.moreIntake) > 0 {
		extra = append(extra, "Other intake numbers: "+strings.Join(c.moreIntake, ", "))
	}
	if len(c.more) > 0 {
		extra = append(extra, "Other numbers: "+strings.Join(c.more, ", "))
	}
	if c.leftover != "" {
		row.warn(WarnContactText, "Contact %q has text that is not a phone number (%q); kept it in the Note", contactCol, c.leftover)
		extra = append(extra, "Contact: "+contactCol)
	} else if f.Phones == (directory.Phones{}) {
		row.warn(WarnNoPhone, "Contact is empty: no phone number")
	}
	f.Note = strings.Join(extra, ". ")

	f.Provenance = directory.Provenance{
		Source:       p.opts.Source,
		SourceID:     col[colLocID],
		LastVerified: p.opts.LastVerified,
		CreatedAt:    p.opts.Now,
		UpdatedAt:    p.opts.Now,
	}
	f.Active = true
	return row, ""
}

// parseKeys maps the Keys column ("SAF/SA/OP/ORT/SF/MD/") onto f and
// returns the words in it that are not codes.
func (p *samhsaParser) parseKeys(row *samhsaRow, keys string) (stray []string) {
	f := &row.f
	f.Services.Add(directory.GroupLanguage, "en")
	for k := range strings.SplitSeq(keys, "/") {
		k = strings.TrimSpace(k)
		switch {
		case k == "" || k == samhsaScopeCode:
			continue
		case !isSAMHSACode(k):
			stray = append(stray, k)
			continue
		}
		mapped := false
		if t, ok := samhsaFacilityTypes[k]; ok {
			if f.FacilityType != "" && f.FacilityType != t {
				row.warn(WarnConflictingCodes, "Keys gives two facility types, %s and %s; kept %s", f.FacilityType, t, f.FacilityType)
			} else {
				f.FacilityType = t
			}
			mapped = true
		}
		if t, ok := samhsaOperatorTypes[k]; ok {
			f.OperatorType = t
			mapped = true
		}
		for _, ref := range p.legend.Terms(k) {
			f.Services.Add(ref.Group, ref.Slug)
			mapped = true
		}
		if !mapped && !slices.Contains(f.RawCodes, k) {
			f.RawCodes = append(f.RawCodes, k)
		}
	}
	f.Services.Normalize()
	return stray
}

// looksLikeStreet reports whether s starts like a street address: a house
// number and a space.
func looksLikeStreet(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i > 0 && i < len(s) && s[i] == ' '
}

// isSAMHSACode reports whether s looks like a legend code: 1 to 5 capital
// letters and up to 3 digits ("OP", "MHSAF", "F104").
func isSAMHSACode(s string) bool {
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	return i >= 1 && i <= 5 && len(s)-i <= 3 && isDigits(s[i:])
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// parseZIP left-pads a ZIP code that lost its leading zeros ("6040" is
// 06040, Connecticut). ZIP+4 codes keep their first five digits.
func (r *samhsaRow) parseZIP(s string) (string, string) {
	if len(s) == 10 && s[5] == '-' && isDigits(s[:5]) && isDigits(s[6:]) {
		return s[:5], ""
	}
	if s == "" || len(s) > 5 || !isDigits(s) {
		return "", fmt.Sprintf("ZIP_Code %q is not a ZIP code of 1 to 5 digits", s)
	}
	if len(s) < 5 {
		padded := strings.Repeat("0", 5-len(s)) + s
		r.warn(WarnRepaired, "ZIP_Code %q has %d digits; padded it to %s", s, len(s), padded)
		return padded, ""
	}
	return s, ""
}

// parseCoord reads a longitude or latitude in [-limit, limit].
func parseCoord(name, s string, limit float64) (float64, string, bool) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case s == "":
		return 0, name + " is empty: the location is missing", false
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Sprintf("%s %q is not a number", name, s), false
	case v < -limit || v > limit:
		return 0, fmt.Sprintf("%s %v is out of range (-%v to %v)", name, v, limit, limit), false
	}
	return v, "", true
}

func (r *samhsaRow) checkMatchScore(s string) {
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case s == "":
		r.warn(WarnApproximateLocation, "Match Score is empty: the location may be approximate")
	case err != nil || math.IsNaN(v):
		r.warn(WarnApproximateLocation, "Match Score %q is not a number: the location may be approximate", s)
	case v < minMatchScore:
		r.warn(WarnApproximateLocation, "approximate location: the geocoder's Match Score is %v, below %d", v, minMatchScore)
	}
}

// cleanText trims s, collapses runs of white space (line breaks inside
// quoted fields included) and repairs its encoding, warning about repairs.
func (r *samhsaRow) cleanText(col, s string) string {
	s = collapseSpace(s)
	if cleaned, changed := directory.CleanText(s); changed {
		s = collapseSpace(cleaned)
		r.warn(WarnRepaired, "%s had control characters (such as NUL bytes); removed them", col)
	}
	if isASCII(s) {
		return s
	}
	if !utf8.ValidString(s) {
		fixed := strings.ToValidUTF8(s, "\uFFFD")
		r.warn(WarnRepaired, "%s %q is not valid UTF-8; replaced the bad bytes", col, fixed)
		return fixed
	}
	if fixed, ok := repairMojibake(s); ok {
		r.warn(WarnRepaired, "%s %q was UTF-8 read as Latin-1; repaired it to %q", col, s, fixed)
		return fixed
	}
	return s
}

// collapseSpace trims s and turns each run of white space into one space,
// allocating only when it changes something.
func collapseSpace(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c == ' ' && s[i+1] == ' ') {
			return strings.Join(strings.Fields(s), " ")
		}
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// repairMojibake undoes UTF-8 text that was decoded as Latin-1 and encoded
// again ("BarcÃ©lo" for "Barcélo").
func repairMojibake(s string) (string, bool) {
	if !strings.ContainsAny(s, "ÃÂ") {
		return s, false
	}
	b := make([]byte, 0, len(s))
	for _, c := range s {
		if c > 0xFF {
			return s, false
		}
		b = append(b, byte(c))
	}
	if !utf8.Valid(b) {
		return s, false
	}
	return string(b), true
}

// samhsaKeyLevels are the columns of a row's ID key: first the site (its
// address), then what tells apart the programs at one site. Rows that share
// a key are all keyed again with the columns of the next level added, so
// that no ID depends on the order of the rows; the levels end with every
// column. The phone comes late: it changes more often than anything else.
var samhsaKeyLevels = [][]int{
	{colAddress1, colAddress2, colAddress3, colCity, colState, colZIP},
	{colName1, colName2, colName3},
	{colKeys},
	{colContact},
	{colNote, colLocID, colLongitude, colLatitude, colMatchScore},
}

// samhsaKeyLevelNames say what told apart rows whose key took that level,
// for rows that share name and address (level 2 on).
var samhsaKeyLevelNames = []string{"", "", "Keys", "Keys and Contact", "Note, loc_ID or location"}

// samhsaNameLevel is the level of samhsaKeyLevels that adds the names:
// rows still sharing a key after it share name and address.
const samhsaNameLevel = 1

// assignSAMHSAIDs gives every row its content-derived ID. Rows equal in
// every column to an earlier one are marked duplicates first, so that a
// duplicate changes no ID; their rejections are returned.
func assignSAMHSAIDs(rows []*samhsaRow) []Rejection {
	var rejected []Rejection
	all := slices.Concat(samhsaKeyLevels...)
	firsts := make(map[string]*samhsaRow, len(rows))
	unique := make([]*samhsaRow, 0, len(rows))
	for _, r := range rows {
		k := r.key(all)
		if first, ok := firsts[k]; ok {
			r.duplicate = true
			rejected = append(rejected, Rejection{r.line, fmt.Sprintf("is a duplicate of line %d: every column is the same", first.line)})
			continue
		}
		firsts[k] = r
		unique = append(unique, r)
	}

	var assign func(group []*samhsaRow, prefix []string, level int)
	assign = func(group []*samhsaRow, prefix []string, level int) {
		byKey := make(map[string][]*samhsaRow, len(group))
		var order []string
		for _, r := range group {
			k := r.key(samhsaKeyLevels[level])
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], r)
		}
		for _, k := range order {
			g := byKey[k]
			parts := append(slices.Clip(prefix), k)
			if len(g) == 1 {
				g[0].f.ID = samhsaID(parts)
				g[0].keyLevel = level
				continue
			}
			if level == samhsaNameLevel {
				for _, r := range g {
					r.sharers = g
				}
			}
			// Duplicates are gone, so the last level tells every row apart.
			assign(g, parts, level+1)
		}
	}
	assign(unique, nil, 0)

	for _, r := range unique {
		if r.keyLevel > samhsaNameLevel {
			r.warn(WarnSharedSite, "shares name and address with line %s; told apart by %s", otherLines(r, r.sharers), samhsaKeyLevelNames[r.keyLevel])
		}
	}
	return rejected
}

// otherLines lists the lines of group other than r's.
func otherLines(r *samhsaRow, group []*samhsaRow) string {
	var s []string
	for _, o := range group {
		if o != r {
			s = append(s, strconv.Itoa(o.line))
		}
	}
	return strings.Join(s, ", ")
}

// key is the normalized text of columns cols, for IDs.
func (r *samhsaRow) key(cols []int) string {
	if !r.normalized {
		for c := range numColumns {
			v := r.col[c]
			if c == colZIP {
				v = r.f.Address.ZIP
			}
			r.norm[c] = normalizeKey(v)
		}
		r.normalized = true
	}
	var b strings.Builder
	n := len(cols)
	for _, c := range cols {
		n += len(r.norm[c])
	}
	b.Grow(n)
	for i, c := range cols {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(r.norm[c])
	}
	return b.String()
}

// normalizeKey lower-cases s and collapses its spaces, so that IDs survive
// changes of case and spacing between editions. It escapes the separators
// of keys, so that no two rows share a key unless they share every column.
func normalizeKey(s string) string {
	return keyEscaper.Replace(strings.ToLower(collapseSpace(s)))
}

var keyEscaper = strings.NewReplacer(`\`, `\\`, "|", `\|`, "\x1f", `\x1f`)

// samhsaID hashes the key parts of a row into its ID. The parts are joined
// by a byte that normalized text never contains.
func samhsaID(parts []string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return SAMHSA2015IDPrefix + hex.EncodeToString(sum[:8])
}
