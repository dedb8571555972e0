// Package directory is CareFinder's domain: treatment facilities, the
// taxonomy of services they offer, and the SQL store that is the source of
// truth for them. It knows nothing of search indexes, HTTP or file formats.
package directory

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Facility is one site that people go to for treatment.
type Facility struct {
	// ID is stable across imports and edits; it is the record's identity.
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	AlternateNames []string `json:"alternate_names,omitempty"`
	Description    string   `json:"description,omitempty"`
	Address        Address  `json:"address"`
	Lat            float64  `json:"lat"`
	Lon            float64  `json:"lon"`
	Phones         Phones   `json:"phones"`
	Website        string   `json:"website,omitempty"`
	// Hours lists the regular opening hours; HoursNote carries what does
	// not fit the weekly pattern ("closed on holidays").
	Hours     []OpeningHours `json:"hours,omitempty"`
	HoursNote string         `json:"hours_note,omitempty"`
	// Open247 says whether the facility is open around the clock: nil
	// when the source does not say (unknown is not no).
	Open247 *bool `json:"open_24_7"`
	// Accreditations (e.g. "CARF", "Joint Commission") and Licenses (e.g.
	// "State substance abuse agency") held by the facility.
	Accreditations []string `json:"accreditations,omitempty"`
	Licenses       []string `json:"licenses,omitempty"`
	// FacilityType says what kind of place it is ("substance-use",
	// "mental-health", "mixed", "general-hospital").
	FacilityType string `json:"facility_type,omitempty"`
	// OperatorType says who runs it ("private-nonprofit", "private-for-profit",
	// "local-government", "state-government", "federal-va", "ihs-tribal", ...).
	OperatorType string   `json:"operator_type,omitempty"`
	Services     Services `json:"services"`
	// RawCodes are source codes that map onto no taxonomy term, kept so that
	// nothing a source said is lost.
	RawCodes []string `json:"raw_codes,omitempty"`
	// Note is free text from the source ("Methadone clients only").
	Note string `json:"note,omitempty"`

	Provenance
	// Active is false once the facility is removed from the directory; the
	// record stays so that followers of the change feed see the removal.
	Active bool `json:"active"`
	// Seq is the store's change sequence number of the last write.
	Seq int64 `json:"-"`
}

// Provenance says where a record came from and when it was last checked.
type Provenance struct {
	Source       string    `json:"source"`
	SourceID     string    `json:"source_id"`
	LastVerified string    `json:"last_verified"` // YYYY-MM-DD
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Address is a US street address.
type Address struct {
	Lines []string `json:"lines"`
	City  string   `json:"city"`
	State string   `json:"state"`
	ZIP   string   `json:"zip"` // 5 digits, leading zeros kept
}

// String formats the address on one line.
func (a Address) String() string {
	parts := append([]string{}, a.Lines...)
	parts = append(parts, a.City)
	s := strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ", ")
	if a.State != "" || a.ZIP != "" {
		s += ", " + strings.TrimSpace(a.State+" "+a.ZIP)
	}
	return s
}

// Known returns a pointer to v, for facts a source states: Facility.Open247
// is nil when the source does not say.
func Known(v bool) *bool { return &v }

// Phones are the numbers a person can call. Intake is the one to call first.
type Phones struct {
	Intake  string `json:"intake,omitempty"`
	Main    string `json:"main,omitempty"`
	Hotline string `json:"hotline_24_7,omitempty"`
}

// Best returns the number a person should call first.
func (p Phones) Best() string {
	for _, n := range []string{p.Hotline, p.Intake, p.Main} {
		if n != "" {
			return n
		}
	}
	return ""
}

// OpeningHours is one opening interval on a day of the week.
type OpeningHours struct {
	Day    time.Weekday `json:"day"`    // 0 = Sunday
	Opens  string       `json:"opens"`  // "08:00"
	Closes string       `json:"closes"` // "17:30"; "24:00" for midnight
}

// Services are the taxonomy terms a facility offers, by group. Slugs are
// stored as given (a child term implies its parents; the search index
// expands them).
type Services struct {
	Care       []string `json:"care"`
	Therapy    []string `json:"therapy"`
	Medication []string `json:"medication"`
	Payment    []string `json:"payment"`
	Population []string `json:"population"`
	Gender     []string `json:"gender"`
	Language   []string `json:"language"`
}

// Get returns the slugs of group g.
func (s *Services) Get(g Group) []string {
	if p := s.field(g); p != nil {
		return *p
	}
	return nil
}

// Set replaces the slugs of group g.
func (s *Services) Set(g Group, slugs []string) {
	if p := s.field(g); p != nil {
		*p = slugs
	}
}

// Add adds slug to group g unless it is there already.
func (s *Services) Add(g Group, slug string) {
	if p := s.field(g); p != nil && !slices.Contains(*p, slug) {
		*p = append(*p, slug)
	}
}

func (s *Services) field(g Group) *[]string {
	switch g {
	case GroupCare:
		return &s.Care
	case GroupTherapy:
		return &s.Therapy
	case GroupMedication:
		return &s.Medication
	case GroupPayment:
		return &s.Payment
	case GroupPopulation:
		return &s.Population
	case GroupGender:
		return &s.Gender
	case GroupLanguage:
		return &s.Language
	}
	return nil
}

// Normalize sorts and de-duplicates every group and turns nil groups into
// empty ones, so that records compare and serialize the same way.
func (s *Services) Normalize() {
	for _, g := range Groups() {
		v := slices.Clone(s.Get(g))
		if v == nil {
			v = []string{}
		}
		slices.Sort(v)
		s.Set(g, slices.Compact(v))
	}
}

var (
	zipRE   = regexp.MustCompile(`^[0-9]{5}$`)
	dateRE  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$`)
)

// MaxIDLength bounds a facility's id.
const MaxIDLength = 64

// CheckID returns an error naming "id" unless id can be a facility's id: 1
// to MaxIDLength characters, without spaces, '/', '?', '#', '%' or control
// characters, so that it fits a URL path as it is.
func CheckID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return ParamErrorf("id", "is required")
	case len(id) > MaxIDLength || strings.ContainsAny(id, "/?#% \t\n") || HasControl(id):
		return ParamErrorf("id", "must be at most %d characters without spaces, '/', '?', '#' or '%%'", MaxIDLength)
	}
	return nil
}

// Validate checks a facility against the taxonomy and the rules every
// record obeys. The error names the first field at fault.
func (f *Facility) Validate(tax *Taxonomy) error {
	switch {
	case CheckID(f.ID) != nil:
		return CheckID(f.ID)
	case strings.TrimSpace(f.Name) == "":
		return ParamErrorf("name", "is required")
	case f.Address.ZIP != "" && !zipRE.MatchString(f.Address.ZIP):
		return ParamErrorf("address.zip", "%q is not a 5-digit ZIP code", f.Address.ZIP)
	case math.IsNaN(f.Lat) || f.Lat < -90 || f.Lat > 90:
		return ParamErrorf("lat", "%v is not a latitude between -90 and 90", f.Lat)
	case math.IsNaN(f.Lon) || f.Lon < -180 || f.Lon > 180:
		return ParamErrorf("lon", "%v is not a longitude between -180 and 180", f.Lon)
	case f.Lat == 0 && f.Lon == 0:
		return ParamErrorf("lat", "0,0 is not a place anyone can visit; the location is missing")
	case strings.TrimSpace(f.Source) == "":
		return ParamErrorf("source", "is required: every record says where it came from")
	case f.LastVerified != "" && !validDate(f.LastVerified):
		return ParamErrorf("last_verified", "%q is not a date like 2015-06-30", f.LastVerified)
	}
	if field, ok := f.controlCharacter(); ok {
		return ParamErrorf(field, "contains a control character (such as a NUL byte); clean the text first")
	}
	for i, h := range f.Hours {
		if h.Day < time.Sunday || h.Day > time.Saturday || !clockRE.MatchString(h.Opens) || !clockRE.MatchString(h.Closes) {
			return ParamErrorf(fmt.Sprintf("hours[%d]", i), "needs a day 0-6 and times like 08:00")
		}
	}
	for _, g := range Groups() {
		for _, slug := range f.Services.Get(g) {
			if err := tax.Validate(g, slug); err != nil {
				return ParamErrorf("services."+string(g), "%s", err.(*Error).Message)
			}
		}
	}
	return nil
}

func validDate(s string) bool {
	if !dateRE.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// controlCharacter reports the first text field of f holding a control
// character: text that no page can show and PostgreSQL refuses (NUL).
func (f *Facility) controlCharacter() (string, bool) {
	fields := []struct {
		name string
		vals []string
	}{
		{"id", []string{f.ID}}, {"name", []string{f.Name}}, {"alternate_names", f.AlternateNames},
		{"description", []string{f.Description}}, {"address.lines", f.Address.Lines},
		{"address", []string{f.Address.City, f.Address.State, f.Address.ZIP}},
		{"phones", []string{f.Phones.Main, f.Phones.Intake, f.Phones.Hotline}}, {"website", []string{f.Website}},
		{"hours_note", []string{f.HoursNote}}, {"accreditations", f.Accreditations}, {"licenses", f.Licenses},
		{"facility_type", []string{f.FacilityType, f.OperatorType}}, {"raw_codes", f.RawCodes}, {"note", []string{f.Note}},
		{"source", []string{f.Source, f.SourceID, f.LastVerified}},
	}
	for _, fl := range fields {
		for _, v := range fl.vals {
			if HasControl(v) {
				return fl.name, true
			}
		}
	}
	return "", false
}

// HasControl reports whether s holds a control character: C0 (NUL to
// U+001F), DEL or C1. Importers remove them at the edge (see CleanText).
func HasControl(s string) bool {
	return strings.ContainsFunc(s, isControl)
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// CleanText removes control characters from text read from a source, turning
// tabs and line breaks into spaces, and reports whether it changed anything.
func CleanText(s string) (string, bool) {
	if !HasControl(s) {
		return s, false
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			return ' '
		case isControl(r):
			return -1
		}
		return r
	}, s), true
}
