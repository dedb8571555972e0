package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/sharedtest"
)

const ftSample = "../../data/testdata/findtreatment/sample.json"

// TestImportFindTreatment imports the FindTreatment sample, then a newer
// copy of it: changed facilities are updated, new ones added, and the one
// it no longer lists leaves search; a dry run first says what would change.
func TestImportFindTreatment(t *testing.T) {
	dir := t.TempDir()
	environ := map[string]string{"CAREFINDER_DATA": filepath.Join(dir, "data")}
	code, out, errs := runCLI(t, environ, "import", "--format", "findtreatment", ftSample)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"12 rows read, 6 inserted, 0 updated, 0 unchanged, 6 rejected, 1 warnings", "OTP=1", "SL:Cape Verdean Creole=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		`sample.json:93: rejected: rows[3].latitude "not-a-number" is not a number`,
		`sample.json:177: rejected: page 3: rows[2].state: "Texas" is not a two-letter state code`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}

	// The newer copy: Crossroads is gone, Music City has a new phone, a
	// new clinic opened.
	raw, err := os.ReadFile(ftSample)
	if err != nil {
		t.Fatal(err)
	}
	newer := string(raw)
	for _, r := range [][2]string{{`"MTExMDEy"`, `"NEW001"`}, {`"Crossroads Campus"`, `"Brand New Clinic"`}, {`"707 Oak Street"`, `"99 New Road"`}} {
		newer = strings.Replace(newer, r[0], r[1], 1)
	}
	newer = strings.Replace(newer, `"(615) 555-0171"`, `"(615) 555-0172"`, 1)
	next := filepath.Join(dir, "newer.json")
	if err := os.WriteFile(next, []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, environ, "import", "--format", "findtreatment", "--dry-run", "--verbose", next)
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"Dry run, nothing written: would import",
		"Would change: 1 new facilities, 1 updated, 1 removed from search",
		"would be inserted: ft-",
		"would be updated:  ft-",
		"Music City Methadone Clinic",
		"would be removed:  ft-",
		"Crossroads Campus",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCLI(t, environ, "import", "--format", "findtreatment", next)
	if code != exitOK || !strings.Contains(out, "1 inserted, 1 updated, 4 unchanged") || !strings.Contains(out, "1 facilities of this source that the file no longer lists were removed") {
		t.Fatalf("newer copy: exit %d\n%s%s", code, out, errs)
	}
	store, err := directory.Open(context.Background(), filepath.Join(dir, "data", "carefinder.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var crossroads *directory.Facility
	all, err := allFacilities(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.Name == "Crossroads Campus" {
			crossroads = f
		}
	}
	if crossroads == nil || crossroads.Active {
		t.Errorf("Crossroads Campus should stay in the store, inactive: %+v", crossroads)
	}
}

var lastModifiedRE = regexp.MustCompile(`"last_modified":"[^"]*"|,[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z\r?$`)

// exportAndCompare exports the store of environ in format, imports the
// files into an empty store, exports that, and compares the two exports:
// they are the same but for last_modified, the time each store wrote the
// record.
func exportAndCompare(t *testing.T, environ map[string]string, format string) {
	t.Helper()
	dir := t.TempDir()
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	if code, out, errs := runCLI(t, environ, "export", "--format", format, first); code != exitOK {
		t.Fatalf("export: exit %d\n%s%s", code, out, errs)
	}
	other := map[string]string{"CAREFINDER_DATA": filepath.Join(dir, "data2")}
	code, out, errs := runCLI(t, other, "import", "--format", format, first)
	if code != exitOK || !strings.Contains(out, " 0 rejected") {
		t.Fatalf("import the export: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := runCLI(t, other, "export", "--format", format, second); code != exitOK {
		t.Fatalf("export again: exit %d\n%s%s", code, out, errs)
	}
	files, err := os.ReadDir(first)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		a, err := os.ReadFile(filepath.Join(first, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(second, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		strip := func(b []byte) string {
			lines := strings.Split(string(b), "\n")
			for i, l := range lines {
				lines[i] = lastModifiedRE.ReplaceAllString(l, "")
			}
			return strings.Join(lines, "\n")
		}
		if strip(a) != strip(b) {
			t.Errorf("%s: the round trip changed it:\n%.2000s", f.Name(), cmp.Diff(strip(a), strip(b)))
		}
	}
}

func TestHSDSRoundTripCLI(t *testing.T) {
	environ := map[string]string{"CAREFINDER_DATA": filepath.Join(t.TempDir(), "data")}
	if code, out, errs := runCLI(t, environ, "import", "--format", "findtreatment", ftSample); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, format := range []string{"hsds-json", "hsds-csv"} {
		t.Run(format, func(t *testing.T) { exportAndCompare(t, environ, format) })
	}
}

// The real 2015 directory survives export, import and export again.
func TestRealDirectoryHSDSRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 11,928 facilities twice; skipped with -short")
	}
	path := sharedtest.File(t, "data/samhsa-directory-2015.csv")
	environ := map[string]string{"CAREFINDER_DATA": filepath.Join(t.TempDir(), "data")}
	if code, out, errs := runCLI(t, environ, "import", "--format", "samhsa-2015", path); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	exportAndCompare(t, environ, "hsds-json")
}

func TestExportUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "--help"}, exitOK, "-format"},
		{[]string{"export", dir}, exitUsage, "--format is required"},
		{[]string{"export", "--format", "xml", dir}, exitUsage, `format "xml" is not supported`},
		{[]string{"export", "--format", "hsds-json"}, exitUsage, "exactly one DIR"},
		{[]string{"import", "--format", "hsds-csv", "-"}, exitUsage, "reads a directory"},
		{[]string{"import", "--format", "findtreatment", dir}, exitFailure, "the directory has no .json files"},
		{[]string{"import", "--format", "hsds-csv", dir}, exitFailure, "services.csv is missing"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			environ := map[string]string{"CAREFINDER_DATA": filepath.Join(dir, "data")}
			code, out, errs := runCLI(t, environ, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.want, out, errs)
			}
		})
	}
}
