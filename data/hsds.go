package data

import (
	"crypto/sha1"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefinder/carefinder/directory"
)

// Open Referral's Human Services Data Specification (HSDS) 3.0 is how 211
// directories and other referral systems exchange their data. CareFinder
// writes each facility as one organization running one service at one
// location:
//
//   - the service: name, alternate_name (the alternate names joined by
//     "; "), description, url (the website), status "active",
//     accreditations and licenses (joined by "; "), assured_date (the
//     record's LastVerified), last_modified (when the store last wrote it),
//     phones (main, intake, 24/7 hotline, told apart by description),
//     schedules (one weekly schedule per opening interval), languages, and
//     attributes;
//   - the organization: the facility's name, description and website;
//   - the location, through service_at_locations: the name, the point, the
//     address (address_2 holds the lines after the first, one per line),
//     and external_identifier, the facility's CareFinder id;
//   - attributes carry the taxonomy: one per term, with the term
//     (taxonomy_term) of the group's taxonomy ("carefinder-care",
//     "carefinder-payment", …), and, in the "carefinder-facts" taxonomy,
//     what HSDS has no field for: the source and its id, whether the
//     facility is open 24/7 (only when the source says), its type and
//     operator, the note, the hours note, and the codes that map onto no
//     term. A fact the source does not give has no attribute: unknown is
//     not no.
//
// Ids are UUIDs derived from the facility's id (version 5), so an export
// of the same directory always gives the same ids. Reading HSDS back (of
// CareFinder's or of another system) gives one facility per service at a
// location; see ParseHSDSJSON.

// HSDSVersion is the version of HSDS CareFinder reads and writes.
const HSDSVersion = "3.0"

// HSDSProfile is the URL of the HSDS profile CareFinder's documents follow:
// the base specification.
const HSDSProfile = "https://openreferral.org/specification/3.0"

// HSDSSource is the Provenance.Source of facilities read from HSDS that do
// not carry CareFinder's own record of their source.
const HSDSSource = "hsds"

// HSDSIDPrefix starts the ID of facilities read from another system's HSDS.
const HSDSIDPrefix = "hsds-"

// Taxonomies of CareFinder's HSDS documents.
const (
	// hsdsTaxonomyPrefix starts the name of each group's taxonomy:
	// "carefinder-care".
	hsdsTaxonomyPrefix = "carefinder-"
	// HSDSFactsTaxonomy is the taxonomy of facts HSDS has no field for.
	HSDSFactsTaxonomy = "carefinder-facts"
	// hsdsExternalIDType is the location's external_identifier_type of a
	// CareFinder facility id.
	hsdsExternalIDType = "carefinder"
)

// The terms of HSDSFactsTaxonomy: an attribute's value holds the fact.
const (
	factSource       = "source"
	factSourceID     = "source_id"
	factOpen247      = "open_24_7"
	factFacilityType = "facility_type"
	factOperatorType = "operator_type"
	factNote         = "note"
	factHoursNote    = "hours_note"
	factRawCode      = "raw_code"
	factWebsite      = "website"
)

// hsdsFacts describes each fact, for its taxonomy term.
var hsdsFacts = []struct{ code, name, description string }{
	{factSource, "Source", "The data set the record comes from (samhsa-2015, findtreatment, …)."},
	{factSourceID, "Source id", "The record's id in its source."},
	{factOpen247, "Open 24/7", "Whether the facility is open around the clock: true or false; absent when the source does not say."},
	{factFacilityType, "Facility type", "What kind of place it is (substance-use, mental-health, mixed, general-hospital, …)."},
	{factOperatorType, "Operator", "Who runs it (private-nonprofit, state-government, federal-va, …)."},
	{factNote, "Note", "Free text from the source."},
	{factHoursNote, "Hours note", "What the weekly opening hours do not say."},
	{factRawCode, "Source code", "A code of the source that maps onto no CareFinder term, kept as given."},
	{factWebsite, "Website as given", "A website the source gives that is not a valid web address."},
}

// HSDSService is an HSDS service document (schema/compiled/service.json),
// as far as CareFinder fills it.
type HSDSService struct {
	ID                 string                  `json:"id"`
	OrganizationID     string                  `json:"organization_id,omitempty"`
	Name               string                  `json:"name"`
	AlternateName      string                  `json:"alternate_name,omitempty"`
	Description        string                  `json:"description,omitempty"`
	URL                string                  `json:"url,omitempty"`
	Status             string                  `json:"status"`
	Accreditations     string                  `json:"accreditations,omitempty"`
	Licenses           string                  `json:"licenses,omitempty"`
	AssuredDate        string                  `json:"assured_date,omitempty"`
	LastModified       string                  `json:"last_modified,omitempty"`
	Organization       *HSDSOrganization       `json:"organization,omitempty"`
	Phones             []HSDSPhone             `json:"phones,omitempty"`
	Schedules          []HSDSSchedule          `json:"schedules,omitempty"`
	ServiceAtLocations []HSDSServiceAtLocation `json:"service_at_locations,omitempty"`
	Languages          []HSDSLanguage          `json:"languages,omitempty"`
	Attributes         []HSDSAttribute         `json:"attributes,omitempty"`
}

// HSDSOrganization is an HSDS organization. Locations and Services are
// filled in organization documents (schema/compiled/organization.json),
// not inside a service.
type HSDSOrganization struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Website     string          `json:"website,omitempty"`
	Locations   []HSDSLocation  `json:"locations,omitempty"`
	Services    []HSDSService   `json:"services,omitempty"`
	Attributes  []HSDSAttribute `json:"attributes,omitempty"`
}

// HSDSServiceAtLocation links a service to a location where it is given.
type HSDSServiceAtLocation struct {
	ID         string        `json:"id"`
	ServiceID  string        `json:"service_id,omitempty"`
	LocationID string        `json:"location_id,omitempty"`
	Location   *HSDSLocation `json:"location,omitempty"`
	// Service is filled in service_at_location list answers of the API.
	Service *HSDSService `json:"service,omitempty"`
}

// HSDSLocation is a place.
type HSDSLocation struct {
	ID                     string        `json:"id"`
	LocationType           string        `json:"location_type"`
	OrganizationID         string        `json:"organization_id,omitempty"`
	Name                   string        `json:"name,omitempty"`
	Latitude               *float64      `json:"latitude,omitempty"`
	Longitude              *float64      `json:"longitude,omitempty"`
	ExternalIdentifier     string        `json:"external_identifier,omitempty"`
	ExternalIdentifierType string        `json:"external_identifier_type,omitempty"`
	Addresses              []HSDSAddress `json:"addresses,omitempty"`
	Phones                 []HSDSPhone   `json:"phones,omitempty"`
}

// HSDSAddress is a postal address of a location.
type HSDSAddress struct {
	ID            string `json:"id"`
	LocationID    string `json:"location_id,omitempty"`
	Address1      string `json:"address_1"`
	Address2      string `json:"address_2,omitempty"`
	City          string `json:"city"`
	StateProvince string `json:"state_province"`
	PostalCode    string `json:"postal_code"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
}

// HSDSPhone is a telephone number.
type HSDSPhone struct {
	ID          string   `json:"id"`
	ServiceID   string   `json:"service_id,omitempty"`
	LocationID  string   `json:"location_id,omitempty"`
	Number      string   `json:"number"`
	Extension   *float64 `json:"extension,omitempty"`
	Type        string   `json:"type,omitempty"`
	Description string   `json:"description,omitempty"`
}

// HSDSSchedule is when a service is open: CareFinder writes one weekly
// schedule per opening interval.
type HSDSSchedule struct {
	ID        string `json:"id"`
	ServiceID string `json:"service_id,omitempty"`
	Freq      string `json:"freq,omitempty"`
	ByDay     string `json:"byday,omitempty"`
	OpensAt   string `json:"opens_at,omitempty"`
	ClosesAt  string `json:"closes_at,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

// HSDSLanguage is a language a service is given in.
type HSDSLanguage struct {
	ID        string `json:"id"`
	ServiceID string `json:"service_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Code      string `json:"code,omitempty"`
}

// HSDSAttribute tags a service with a taxonomy term, and a value.
type HSDSAttribute struct {
	ID             string            `json:"id"`
	LinkID         string            `json:"link_id,omitempty"`
	TaxonomyTermID string            `json:"taxonomy_term_id,omitempty"`
	LinkType       string            `json:"link_type,omitempty"`
	LinkEntity     string            `json:"link_entity,omitempty"`
	Value          string            `json:"value,omitempty"`
	TaxonomyTerm   *HSDSTaxonomyTerm `json:"taxonomy_term,omitempty"`
}

// HSDSTaxonomy is a vocabulary of terms.
type HSDSTaxonomy struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version,omitempty"`
}

// HSDSTaxonomyTerm is a term of a taxonomy.
type HSDSTaxonomyTerm struct {
	ID          string `json:"id"`
	Code        string `json:"code,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ParentID    string `json:"parent_id,omitempty"`
	Taxonomy    string `json:"taxonomy,omitempty"`
	Language    string `json:"language,omitempty"`
	TaxonomyID  string `json:"taxonomy_id,omitempty"`
}

// hsdsNamespace is the namespace of CareFinder's version 5 UUIDs.
var hsdsNamespace = [16]byte{0x6f, 0x1c, 0x1a, 0x52, 0x2f, 0x6e, 0x4d, 0x8e, 0x9b, 0x4f, 0x0c, 0x1a, 0x5e, 0x7d, 0x2b, 0x10}

// HSDSID returns the UUID (version 5, RFC 9562) CareFinder gives the HSDS
// object named by parts: HSDSID("service", facilityID).
func HSDSID(parts ...string) string {
	h := sha1.New()
	h.Write(hsdsNamespace[:])
	h.Write([]byte(strings.Join(parts, "\x1f")))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// HSDSTaxonomyName returns the name of the HSDS taxonomy of group g.
func HSDSTaxonomyName(g directory.Group) string { return hsdsTaxonomyPrefix + string(g) }

// HSDSTermID returns the id of the HSDS taxonomy term of g/slug.
func HSDSTermID(g directory.Group, slug string) string {
	return HSDSID("taxonomy_term", HSDSTaxonomyName(g), slug)
}

// HSDSTaxonomyID returns the id of the taxonomy named name.
func HSDSTaxonomyID(name string) string { return HSDSID("taxonomy", name) }

// HSDSTaxonomies returns CareFinder's taxonomies: one per group, and the
// facts.
func HSDSTaxonomies() []HSDSTaxonomy {
	var out []HSDSTaxonomy
	for _, g := range directory.Groups() {
		name := HSDSTaxonomyName(g)
		out = append(out, HSDSTaxonomy{ID: HSDSTaxonomyID(name), Name: name,
			Description: "CareFinder's " + string(g) + " terms: the " + string(g) + " filter of its search.", Version: "1"})
	}
	out = append(out, HSDSTaxonomy{ID: HSDSTaxonomyID(HSDSFactsTaxonomy), Name: HSDSFactsTaxonomy,
		Description: "Facts about a CareFinder facility that HSDS has no field for; the attribute's value holds the fact.", Version: "1"})
	return out
}

// HSDSTaxonomyTerms returns every term of CareFinder's taxonomies, groups
// in display order and terms in the taxonomy's order, then the facts.
func HSDSTaxonomyTerms(tax *directory.Taxonomy) []HSDSTaxonomyTerm {
	var out []HSDSTaxonomyTerm
	for _, g := range directory.Groups() {
		for _, t := range tax.Terms(g) {
			out = append(out, hsdsTerm(t))
		}
	}
	for _, f := range hsdsFacts {
		out = append(out, factTerm(f.code))
	}
	return out
}

func hsdsTerm(t directory.Term) HSDSTaxonomyTerm {
	name := HSDSTaxonomyName(t.Group)
	term := HSDSTaxonomyTerm{
		ID: HSDSTermID(t.Group, t.Slug), Code: t.Slug, Name: t.Label.EN, Description: t.Explanation.EN,
		Taxonomy: name, Language: "en", TaxonomyID: HSDSTaxonomyID(name),
	}
	if t.Parent != "" {
		term.ParentID = HSDSTermID(t.Group, t.Parent)
	}
	return term
}

func factTerm(code string) HSDSTaxonomyTerm {
	i := slices.IndexFunc(hsdsFacts, func(f struct{ code, name, description string }) bool { return f.code == code })
	f := hsdsFacts[i]
	return HSDSTaxonomyTerm{
		ID: HSDSID("taxonomy_term", HSDSFactsTaxonomy, code), Code: code, Name: f.name, Description: f.description,
		Taxonomy: HSDSFactsTaxonomy, Language: "en", TaxonomyID: HSDSTaxonomyID(HSDSFactsTaxonomy),
	}
}

// hsdsExtRE splits a number CareFinder wrote ("(617) 555-0155 ext. 204")
// into the number and its extension.
var hsdsExtRE = regexp.MustCompile(`^(.*\S) ext\. ([0-9]{1,6})$`)

// weekdayCodes are iCal's day codes, Sunday first like time.Weekday.
var weekdayCodes = [7]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}

// HSDSServiceOf returns the HSDS service document of f: with its
// organization and its service at location. tax gives the terms' names.
func HSDSServiceOf(f *directory.Facility, tax *directory.Taxonomy) HSDSService {
	sid := HSDSID("service", f.ID)
	org := hsdsOrganization(f)
	loc := hsdsLocation(f)
	s := HSDSService{
		ID:             sid,
		OrganizationID: org.ID,
		Name:           f.Name,
		AlternateName:  strings.Join(f.AlternateNames, "; "),
		Description:    f.Description,
		Status:         "active",
		Accreditations: strings.Join(f.Accreditations, "; "),
		Licenses:       strings.Join(f.Licenses, "; "),
		AssuredDate:    f.LastVerified,
		Organization:   &org,
		ServiceAtLocations: []HSDSServiceAtLocation{{
			ID: HSDSID("service_at_location", f.ID), ServiceID: sid, LocationID: loc.ID, Location: &loc,
		}},
	}
	if !f.Active {
		s.Status = "inactive"
	}
	if !f.UpdatedAt.IsZero() {
		s.LastModified = f.UpdatedAt.UTC().Format(time.RFC3339)
	}
	if validWebsite(f.Website) {
		s.URL = f.Website
	}
	for _, p := range []struct{ kind, number string }{{"main", f.Phones.Main}, {"intake", f.Phones.Intake}, {"hotline_24_7", f.Phones.Hotline}} {
		if p.number == "" {
			continue
		}
		ph := HSDSPhone{ID: HSDSID("phone", f.ID, p.kind), ServiceID: sid, Number: p.number, Type: "voice", Description: p.kind}
		if m := hsdsExtRE.FindStringSubmatch(p.number); m != nil {
			ext, _ := strconv.ParseFloat(m[2], 64)
			ph.Number, ph.Extension = m[1], &ext
		}
		s.Phones = append(s.Phones, ph)
	}
	for i, h := range f.Hours {
		s.Schedules = append(s.Schedules, HSDSSchedule{ID: HSDSID("schedule", f.ID, strconv.Itoa(i)), ServiceID: sid,
			Freq: "WEEKLY", ByDay: weekdayCodes[h.Day], OpensAt: h.Opens, ClosesAt: h.Closes})
	}
	for _, slug := range f.Services.Language {
		name := slug
		if t, ok := tax.Lookup(directory.GroupLanguage, slug); ok {
			name = t.Label.EN
		}
		s.Languages = append(s.Languages, HSDSLanguage{ID: HSDSID("language", f.ID, slug), ServiceID: sid, Name: name, Code: slug})
	}
	attr := func(term HSDSTaxonomyTerm, key, value string) {
		s.Attributes = append(s.Attributes, HSDSAttribute{
			ID: HSDSID("attribute", f.ID, term.Taxonomy, term.Code, key), LinkID: sid, TaxonomyTermID: term.ID,
			LinkType: "service", LinkEntity: "service", Value: value, TaxonomyTerm: &term,
		})
	}
	for _, g := range directory.Groups() {
		for _, slug := range f.Services.Get(g) {
			t, ok := tax.Lookup(g, slug)
			if !ok {
				t = directory.Term{Group: g, Slug: slug, Label: directory.Text{EN: slug}}
			}
			attr(hsdsTerm(t), "", "")
		}
	}
	fact := func(code, value string) {
		if value != "" {
			attr(factTerm(code), value, value)
		}
	}
	fact(factSource, f.Source)
	fact(factSourceID, f.SourceID)
	if f.Open247 != nil {
		fact(factOpen247, strconv.FormatBool(*f.Open247))
	}
	fact(factFacilityType, f.FacilityType)
	fact(factOperatorType, f.OperatorType)
	fact(factNote, f.Note)
	fact(factHoursNote, f.HoursNote)
	if !validWebsite(f.Website) {
		fact(factWebsite, f.Website)
	}
	for _, c := range f.RawCodes {
		fact(factRawCode, c)
	}
	return s
}

// HSDSOrganizationOf returns the HSDS organization document of f: the
// organization with its location and its service.
func HSDSOrganizationOf(f *directory.Facility, tax *directory.Taxonomy) HSDSOrganization {
	org := hsdsOrganization(f)
	org.Locations = []HSDSLocation{hsdsLocation(f)}
	svc := HSDSServiceOf(f, tax)
	svc.Organization = nil
	org.Services = []HSDSService{svc}
	return org
}

func hsdsOrganization(f *directory.Facility) HSDSOrganization {
	org := HSDSOrganization{ID: HSDSID("organization", f.ID), Name: f.Name, Description: f.Description}
	if validWebsite(f.Website) {
		org.Website = f.Website
	}
	return org
}

func hsdsLocation(f *directory.Facility) HSDSLocation {
	lat, lon := f.Lat, f.Lon
	loc := HSDSLocation{
		ID: HSDSID("location", f.ID), LocationType: "physical", OrganizationID: HSDSID("organization", f.ID),
		Name: f.Name, Latitude: &lat, Longitude: &lon,
		ExternalIdentifier: f.ID, ExternalIdentifierType: hsdsExternalIDType,
	}
	a := HSDSAddress{ID: HSDSID("address", f.ID), LocationID: loc.ID, City: f.Address.City,
		StateProvince: f.Address.State, PostalCode: f.Address.ZIP, Country: "US", AddressType: "physical"}
	if len(f.Address.Lines) > 0 {
		a.Address1 = f.Address.Lines[0]
		a.Address2 = strings.Join(f.Address.Lines[1:], "\n")
	}
	loc.Addresses = []HSDSAddress{a}
	return loc
}

// validWebsite reports whether s is an absolute http(s) URL, as HSDS's
// url fields must be.
func validWebsite(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// HSDSServiceListItem returns f's service as an HSDS API list gives it
// (schema/compiled/service_list.json): its one-to-one fields and its
// organization, without the nested lists.
func HSDSServiceListItem(f *directory.Facility, tax *directory.Taxonomy) HSDSService {
	s := HSDSServiceOf(f, tax)
	s.Phones, s.Schedules, s.ServiceAtLocations, s.Languages, s.Attributes = nil, nil, nil, nil, nil
	return s
}

// HSDSServiceAtLocationListItem returns f's service at its location as an
// HSDS API list gives it (schema/compiled/service_at_location_list.json).
func HSDSServiceAtLocationListItem(f *directory.Facility, tax *directory.Taxonomy) HSDSServiceAtLocation {
	s := HSDSServiceOf(f, tax)
	sal := s.ServiceAtLocations[0]
	loc := *sal.Location
	loc.Addresses, loc.Phones = nil, nil
	sal.Location = &loc
	item := HSDSServiceListItem(f, tax)
	sal.Service = &item
	return sal
}

// HSDSOrganizationListItem returns f's organization as an HSDS API list
// gives it (schema/compiled/organization_list.json).
func HSDSOrganizationListItem(f *directory.Facility) HSDSOrganization { return hsdsOrganization(f) }
