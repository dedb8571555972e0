package data

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"github.com/carefinder/carefinder/directory"
)

// hsdsCSVRow is a row of an HSDS table: its cells by column, and its line.
type hsdsCSVRow struct {
	line  int
	cells map[string]string
}

// csvTable is a table read from a CSV file.
type csvTable struct {
	path string
	rows []hsdsCSVRow
}

// readCSVTable reads the CSV file path of fsys by its header. A missing
// file is an empty table when optional. Rows that are not valid CSV are
// rejected in rep.
func readCSVTable(ctx context.Context, fsys fs.FS, path string, optional bool, rep *ParseReport) (*csvTable, error) {
	t := &csvTable{path: path}
	f, err := fsys.Open(path)
	if errors.Is(err, fs.ErrNotExist) && optional {
		return t, nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, directory.Errorf(directory.EINVALID, "not an HSDS CSV data package: %s is missing", path)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if b, err := br.Peek(3); err == nil && string(b) == "\xEF\xBB\xBF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return t, nil
	}
	if err != nil {
		return nil, directory.Errorf(directory.EINVALID, "%s: the header is not valid CSV: %v", path, err)
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = strings.ToLower(strings.TrimSpace(h))
	}
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
				return nil, fmt.Errorf("read %s: %w", path, err)
			}
			rep.Rejected = append(rep.Rejected, Rejection{pe.StartLine, fmt.Sprintf("%s line %d: is not valid CSV: %v", path, pe.StartLine, pe.Err)})
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(cols) {
			rep.Rejected = append(rep.Rejected, Rejection{line, fmt.Sprintf("%s line %d: has %d columns, want %d like the header", path, line, len(rec), len(cols))})
			continue
		}
		row := hsdsCSVRow{line: line, cells: make(map[string]string, len(cols))}
		for i, c := range cols {
			if rec[i] != "" {
				row.cells[c] = strings.ToValidUTF8(rec[i], "\uFFFD")
			}
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// by groups rows by the value of column col.
func (t *csvTable) by(col string) map[string][]hsdsCSVRow {
	out := make(map[string][]hsdsCSVRow, len(t.rows))
	for _, r := range t.rows {
		if k := r.cells[col]; k != "" {
			out[k] = append(out[k], r)
		}
	}
	return out
}

// number reads a number column: nil when empty; reason when not a number.
func (r hsdsCSVRow) number(path, col string) (*float64, string) {
	s := strings.TrimSpace(r.cells[col])
	if s == "" {
		return nil, ""
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Sprintf("%s line %d: %s %q is not a number", path, r.line, col, s)
	}
	return &v, ""
}

// ParseHSDSCSV reads HSDS 3.0's tabular format (the CSV files of a data
// package, as `carefinder export --format hsds-csv` writes them) from fsys
// into facilities, joining the tables as ParseHSDSJSON reads the nested
// documents: services.csv, service_at_location.csv and locations.csv are
// needed, the rest (organizations, addresses, phones, schedules,
// languages, attributes, taxonomy_terms) are read when present. Columns
// are found by their header, in any order.
//
// A rejection's line is the line of services.csv of the service, or of the
// file its reason names.
func ParseHSDSCSV(ctx context.Context, fsys fs.FS, opts ParseOptions) (*ParseReport, error) {
	p := newHSDSReader(opts)
	p.sep = ": "
	files := HSDSTableFiles()
	read := func(table string, optional bool) (*csvTable, error) {
		return readCSVTable(ctx, fsys, files[table], optional, p.rep)
	}
	services, err := read("service", false)
	if err != nil {
		return nil, err
	}
	sals, err := read("service_at_location", false)
	if err != nil {
		return nil, err
	}
	locations, err := read("location", false)
	if err != nil {
		return nil, err
	}
	tables := map[string]*csvTable{}
	for _, name := range []string{"organization", "address", "phone", "schedule", "language", "attribute", "taxonomy_term"} {
		if tables[name], err = read(name, true); err != nil {
			return nil, err
		}
	}
	for _, r := range tables["taxonomy_term"].rows {
		c := r.cells
		p.foreign[c["id"]] = HSDSTaxonomyTerm{ID: c["id"], Code: c["code"], Name: c["name"], Taxonomy: c["taxonomy"], TaxonomyID: c["taxonomy_id"]}
	}
	orgs := tables["organization"].by("id")
	locByID := locations.by("id")
	salBySvc := sals.by("service_id")
	addrByLoc := tables["address"].by("location_id")
	phoneBySvc := tables["phone"].by("service_id")
	phoneByLoc := tables["phone"].by("location_id")
	schedBySvc := tables["schedule"].by("service_id")
	langBySvc := tables["language"].by("service_id")
	attrByLink := tables["attribute"].by("link_id")

	phones := func(rows []hsdsCSVRow) ([]HSDSPhone, string) {
		var out []HSDSPhone
		for _, r := range rows {
			ext, reason := r.number(files["phone"], "extension")
			if reason != "" {
				return nil, reason
			}
			c := r.cells
			out = append(out, HSDSPhone{ID: c["id"], ServiceID: c["service_id"], LocationID: c["location_id"], Number: c["number"],
				Extension: ext, Type: c["type"], Description: c["description"]})
		}
		return out, ""
	}
	for i, r := range services.rows {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		c := r.cells
		at := fmt.Sprintf("%s line %d", files["service"], r.line)
		reject := func(reason string) { p.rep.Rejected = append(p.rep.Rejected, Rejection{r.line, reason}) }
		s := HSDSService{ID: c["id"], OrganizationID: c["organization_id"], Name: c["name"], AlternateName: c["alternate_name"],
			Description: c["description"], URL: c["url"], Status: c["status"], Accreditations: c["accreditations"], Licenses: c["licenses"],
			AssuredDate: c["assured_date"], LastModified: c["last_modified"]}
		if s.ID == "" {
			reject(at + ": id is empty")
			continue
		}
		if o, ok := orgs[s.OrganizationID]; ok {
			oc := o[0].cells
			s.Organization = &HSDSOrganization{ID: oc["id"], Name: oc["name"], Description: oc["description"], Website: oc["website"]}
		}
		var reason string
		if s.Phones, reason = phones(phoneBySvc[s.ID]); reason != "" {
			reject(reason)
			continue
		}
		for _, sr := range schedBySvc[s.ID] {
			sc := sr.cells
			s.Schedules = append(s.Schedules, HSDSSchedule{ID: sc["id"], ServiceID: sc["service_id"], Freq: sc["freq"], ByDay: sc["byday"],
				OpensAt: sc["opens_at"], ClosesAt: sc["closes_at"], Notes: sc["notes"]})
		}
		for _, lr := range langBySvc[s.ID] {
			s.Languages = append(s.Languages, HSDSLanguage{ID: lr.cells["id"], ServiceID: s.ID, Name: lr.cells["name"], Code: lr.cells["code"]})
		}
		for _, ar := range attrByLink[s.ID] {
			ac := ar.cells
			s.Attributes = append(s.Attributes, HSDSAttribute{ID: ac["id"], LinkID: ac["link_id"], TaxonomyTermID: ac["taxonomy_term_id"],
				LinkType: ac["link_type"], LinkEntity: ac["link_entity"], Value: ac["value"]})
		}
		for _, sr := range salBySvc[s.ID] {
			sal := HSDSServiceAtLocation{ID: sr.cells["id"], ServiceID: s.ID, LocationID: sr.cells["location_id"]}
			if lrows, ok := locByID[sal.LocationID]; ok {
				lrow := lrows[0]
				lc := lrow.cells
				loc := &HSDSLocation{ID: lc["id"], LocationType: lc["location_type"], OrganizationID: lc["organization_id"], Name: lc["name"],
					ExternalIdentifier: lc["external_identifier"], ExternalIdentifierType: lc["external_identifier_type"]}
				if loc.Latitude, reason = lrow.number(files["location"], "latitude"); reason == "" {
					loc.Longitude, reason = lrow.number(files["location"], "longitude")
				}
				if reason == "" {
					loc.Phones, reason = phones(phoneByLoc[loc.ID])
				}
				if reason != "" {
					break
				}
				for _, ar := range addrByLoc[loc.ID] {
					a := ar.cells
					loc.Addresses = append(loc.Addresses, HSDSAddress{ID: a["id"], LocationID: a["location_id"], Address1: a["address_1"], Address2: a["address_2"],
						City: a["city"], StateProvince: a["state_province"], PostalCode: a["postal_code"], Country: a["country"], AddressType: a["address_type"]})
				}
				sal.Location = loc
			}
			s.ServiceAtLocations = append(s.ServiceAtLocations, sal)
		}
		if reason != "" {
			reject(reason)
			continue
		}
		p.add(r.line, at, &s)
	}
	return p.finish(), nil
}
