package data

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/carefinder/carefinder/directory"
)

// The files of an HSDS JSON export.
const (
	HSDSServicesFile      = "services.json"
	HSDSOrganizationsFile = "organizations.json"
	HSDSTaxonomiesFile    = "taxonomies.json"
	HSDSTermsFile         = "taxonomy_terms.json"
	// HSDSDataPackageFile describes the tables of a CSV export.
	HSDSDataPackageFile = "datapackage.json"
)

// ExportCounts says what an HSDS export wrote.
type ExportCounts struct {
	Services      int
	Organizations int
	Locations     int
	Files         []string
}

// activeByID returns the active facilities of fs, sorted by id, so that an
// export of the same directory is always the same.
func activeByID(fs []*directory.Facility) []*directory.Facility {
	out := make([]*directory.Facility, 0, len(fs))
	for _, f := range fs {
		if f.Active {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *directory.Facility) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// WriteHSDSJSON writes the active facilities of fs into dir as HSDS 3.0
// JSON: services.json (an array of service documents, one per line, each
// valid against schema/compiled/service.json), organizations.json (the
// organization documents), taxonomies.json and taxonomy_terms.json.
func WriteHSDSJSON(dir string, fs []*directory.Facility, tax *directory.Taxonomy) (ExportCounts, error) {
	var c ExportCounts
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, fmt.Errorf("export: %w", err)
	}
	active := activeByID(fs)
	write := func(name string, n int, item func(i int) any) error {
		return writeFile(filepath.Join(dir, name), func(w io.Writer) error {
			if _, err := io.WriteString(w, "["); err != nil {
				return err
			}
			for i := range n {
				b, err := json.Marshal(item(i))
				if err != nil {
					return err
				}
				sep := ",\n"
				if i == 0 {
					sep = "\n"
				}
				if _, err := io.WriteString(w, sep); err != nil {
					return err
				}
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			_, err := io.WriteString(w, "\n]\n")
			return err
		})
	}
	if err := write(HSDSServicesFile, len(active), func(i int) any { return HSDSServiceOf(active[i], tax) }); err != nil {
		return c, err
	}
	if err := write(HSDSOrganizationsFile, len(active), func(i int) any { return HSDSOrganizationOf(active[i], tax) }); err != nil {
		return c, err
	}
	taxes := HSDSTaxonomies()
	if err := write(HSDSTaxonomiesFile, len(taxes), func(i int) any { return taxes[i] }); err != nil {
		return c, err
	}
	terms := HSDSTaxonomyTerms(tax)
	if err := write(HSDSTermsFile, len(terms), func(i int) any { return terms[i] }); err != nil {
		return c, err
	}
	c.Services, c.Organizations, c.Locations = len(active), len(active), len(active)
	c.Files = []string{HSDSServicesFile, HSDSOrganizationsFile, HSDSTaxonomiesFile, HSDSTermsFile}
	return c, nil
}

// writeFile writes path through a buffer, from a temporary file renamed
// into place, so that a failed export leaves no half-written file.
func writeFile(path string, fill func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := fill(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	return nil
}

// hsdsTable is one table of the HSDS tabular format: its name in the
// schema (schema/compiled/tabular.json), its file and its columns in the
// specification's order.
type hsdsTable struct {
	name, path string
	columns    []string
	// numbers are the columns of type number.
	numbers []string
}

// hsdsTables are the tables CareFinder writes, in the order of the
// datapackage.
var hsdsTables = []hsdsTable{
	{"organization", "organizations.csv", []string{"id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"}, []string{"year_incorporated"}},
	{"service", "services.csv", []string{"id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified"}, []string{"minimum_age", "maximum_age"}},
	{"location", "locations.csv", []string{"id", "location_type", "url", "organization_id", "name", "alternate_name", "description", "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"}, []string{"latitude", "longitude"}},
	{"service_at_location", "service_at_location.csv", []string{"id", "service_id", "location_id", "description"}, nil},
	{"address", "addresses.csv", []string{"id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type"}, nil},
	{"phone", "phones.csv", []string{"id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number", "extension", "type", "description"}, []string{"extension"}},
	{"schedule", "schedules.csv", []string{"id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"}, []string{"timezone", "count", "interval"}},
	{"language", "languages.csv", []string{"id", "service_id", "location_id", "phone_id", "name", "code", "note"}, nil},
	{"attribute", "attributes.csv", []string{"id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"}, nil},
	{"taxonomy", "taxonomies.csv", []string{"id", "name", "description", "uri", "version"}, nil},
	{"taxonomy_term", "taxonomy_terms.csv", []string{"id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"}, nil},
}

// HSDSTableFiles returns the file of every table of a CSV export, by the
// table's name in the HSDS tabular schema ("service": "services.csv").
func HSDSTableFiles() map[string]string {
	out := map[string]string{}
	for _, t := range hsdsTables {
		out[t.name] = t.path
	}
	return out
}

// HSDSNumberColumns returns the columns of type number of each table.
func HSDSNumberColumns() map[string][]string {
	out := map[string][]string{}
	for _, t := range hsdsTables {
		out[t.name] = t.numbers
	}
	return out
}

// hsdsRows flattens facilities into the rows of each table, by table name.
func hsdsRows(active []*directory.Facility, tax *directory.Taxonomy) map[string][]map[string]string {
	rows := map[string][]map[string]string{}
	add := func(table string, row map[string]string) { rows[table] = append(rows[table], row) }
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	for _, f := range active {
		s := HSDSServiceOf(f, tax)
		o := s.Organization
		add("organization", map[string]string{"id": o.ID, "name": o.Name, "description": o.Description, "website": o.Website})
		add("service", map[string]string{"id": s.ID, "organization_id": s.OrganizationID, "name": s.Name, "alternate_name": s.AlternateName,
			"description": s.Description, "url": s.URL, "status": s.Status, "accreditations": s.Accreditations,
			"assured_date": s.AssuredDate, "licenses": s.Licenses, "last_modified": s.LastModified})
		for _, sal := range s.ServiceAtLocations {
			l := sal.Location
			add("location", map[string]string{"id": l.ID, "location_type": l.LocationType, "organization_id": l.OrganizationID, "name": l.Name,
				"latitude": num(l.Latitude), "longitude": num(l.Longitude), "external_identifier": l.ExternalIdentifier, "external_identifier_type": l.ExternalIdentifierType})
			add("service_at_location", map[string]string{"id": sal.ID, "service_id": sal.ServiceID, "location_id": sal.LocationID})
			for _, a := range l.Addresses {
				add("address", map[string]string{"id": a.ID, "location_id": a.LocationID, "address_1": a.Address1, "address_2": a.Address2, "city": a.City,
					"state_province": a.StateProvince, "postal_code": a.PostalCode, "country": a.Country, "address_type": a.AddressType})
			}
		}
		for _, p := range s.Phones {
			add("phone", map[string]string{"id": p.ID, "service_id": p.ServiceID, "number": p.Number, "extension": num(p.Extension), "type": p.Type, "description": p.Description})
		}
		for _, sc := range s.Schedules {
			add("schedule", map[string]string{"id": sc.ID, "service_id": sc.ServiceID, "freq": sc.Freq, "byday": sc.ByDay, "opens_at": sc.OpensAt, "closes_at": sc.ClosesAt, "notes": sc.Notes})
		}
		for _, l := range s.Languages {
			add("language", map[string]string{"id": l.ID, "service_id": l.ServiceID, "name": l.Name, "code": l.Code})
		}
		for _, a := range s.Attributes {
			add("attribute", map[string]string{"id": a.ID, "link_id": a.LinkID, "taxonomy_term_id": a.TaxonomyTermID, "link_type": a.LinkType, "link_entity": a.LinkEntity, "value": a.Value})
		}
	}
	for _, t := range HSDSTaxonomies() {
		add("taxonomy", map[string]string{"id": t.ID, "name": t.Name, "description": t.Description, "version": t.Version})
	}
	for _, t := range HSDSTaxonomyTerms(tax) {
		add("taxonomy_term", map[string]string{"id": t.ID, "code": t.Code, "name": t.Name, "description": t.Description, "parent_id": t.ParentID,
			"taxonomy": t.Taxonomy, "language": t.Language, "taxonomy_id": t.TaxonomyID})
	}
	return rows
}

// WriteHSDSCSV writes the active facilities of fs into dir as HSDS 3.0's
// tabular format: one CSV file per table (UTF-8, a header row, the
// specification's columns in its order) and datapackage.json, the
// Frictionless data package that describes them.
func WriteHSDSCSV(dir string, fs []*directory.Facility, tax *directory.Taxonomy) (ExportCounts, error) {
	var c ExportCounts
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, fmt.Errorf("export: %w", err)
	}
	active := activeByID(fs)
	rows := hsdsRows(active, tax)
	for _, t := range hsdsTables {
		err := writeFile(filepath.Join(dir, t.path), func(w io.Writer) error {
			cw := csv.NewWriter(w)
			if err := cw.Write(t.columns); err != nil {
				return err
			}
			rec := make([]string, len(t.columns))
			for _, r := range rows[t.name] {
				for i, col := range t.columns {
					rec[i] = r[col]
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
			cw.Flush()
			return cw.Error()
		})
		if err != nil {
			return c, err
		}
		c.Files = append(c.Files, t.path)
	}
	if err := writeFile(filepath.Join(dir, HSDSDataPackageFile), func(w io.Writer) error {
		b, err := json.MarshalIndent(hsdsDataPackage(), "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}); err != nil {
		return c, err
	}
	c.Files = append(c.Files, HSDSDataPackageFile)
	c.Services, c.Organizations, c.Locations = len(active), len(active), len(active)
	return c, nil
}

// hsdsDataPackage describes the CSV tables as a Frictionless tabular data
// package.
func hsdsDataPackage() map[string]any {
	var resources []any
	for _, t := range hsdsTables {
		var fields []any
		for _, col := range t.columns {
			typ := "string"
			if slices.Contains(t.numbers, col) {
				typ = "number"
			}
			fields = append(fields, map[string]string{"name": col, "type": typ})
		}
		resources = append(resources, map[string]any{
			"name": t.name, "path": t.path, "profile": "tabular-data-resource", "format": "csv",
			"mediatype": "text/csv", "encoding": "utf-8", "schema": map[string]any{"fields": fields, "primaryKey": "id"},
		})
	}
	return map[string]any{
		"name": "carefinder-hsds", "title": "CareFinder treatment facilities, HSDS " + HSDSVersion,
		"profile": "tabular-data-package", "resources": resources,
	}
}
