package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the command line in process and returns its exit status and
// output.
func runCLI(tb testing.TB, environ map[string]string, args ...string) (int, string, string) {
	tb.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return environ[k] },
	})
	return code, out.String(), errb.String()
}

// startServe runs Serve with cfg on a free port until ctx ends, and
// returns its base URL and the channel Serve's result arrives on.
func startServe(tb testing.TB, ctx context.Context, cfg ServeConfig) (string, <-chan error) {
	tb.Helper()
	addrc, errc := make(chan string, 1), make(chan error, 1)
	cfg.Listening = func(a string) { addrc <- a }
	go func() { errc <- Serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	select {
	case a := <-addrc:
		return "http://" + a, errc
	case err := <-errc:
		tb.Fatal(err)
	case <-time.After(60 * time.Second):
		tb.Fatal("server did not start")
	}
	return "", nil
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string // in stdout+stderr
	}{
		{nil, exitUsage, "commands:"},
		{[]string{"--help"}, exitOK, "serve"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"serve", "--help"}, exitOK, "-addr"},
		{[]string{"import", "--help"}, exitOK, "-dry-run"},
		{[]string{"reindex", "--help"}, exitOK, "-data"},
		{[]string{"version"}, exitOK, "carefinder "},
		{[]string{"version", "extra"}, exitUsage, "no arguments"},
		{[]string{"serve", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"serve", "--gc-floor", "-1"}, exitUsage, "--gc-floor -1: want 0 to 1048576 MiB"},
		{[]string{"serve", "--gc-headroom", "-5"}, exitUsage, "--gc-headroom -5: want 0 to 1048576 MiB"},
		{[]string{"serve", "--gc-headroom", "9007199254740992"}, exitUsage, "--gc-headroom 9007199254740992: want 0 to 1048576 MiB"},
		{[]string{"import", "x.csv"}, exitUsage, "--format is required"},
		{[]string{"import", "--format", "csv", "x.csv"}, exitUsage, `format "csv" is not supported`},
		{[]string{"import", "--format", "samhsa-2015"}, exitUsage, "exactly one FILE"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.want, out, errs)
			}
		})
	}
}

func TestEnvironmentSetsFlags(t *testing.T) {
	code, _, errs := runCLI(t, map[string]string{"CAREFINDER_SYNC_INTERVAL": "often"}, "serve")
	if code != exitUsage || !strings.Contains(errs, "CAREFINDER_SYNC_INTERVAL") {
		t.Errorf("bad env value: exit %d, %s", code, errs)
	}
}

const sampleCSV = `Name1,Name2,Name3,Address1,Address2,Address3,City,State,ZIP_Code,Contact,Note,Keys,loc_ID,Longitude,Latitude,Match Score
Music City Detox Test,,,1 Broadway,,,Nashville,TN,37203,(615)555-0100,,SAF/SA/DT/HID/OP/SF/MD/,1TN37203,-86.7816,36.1522,100.0
Bad Row Test,,,2 Broadway,,,Nashville,TN,37203,(615)555-0101,,SAF/SA/DT/,2TN37203,not-a-number,36.15,100.0
`

// TestServeImportReindex runs the real service on a free port, then an
// import and a reindex beside it, as an operator would.
func TestServeImportReindex(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := ServeConfig{Addr: "127.0.0.1:0", DemoSize: 300, SyncInterval: 100 * time.Millisecond,
		TileURL: "https://{s}.tiles.example.org/{z}/{x}/{y}.png", TileAttribution: "Example tiles"}
	cfg.data = data
	base, errc := startServe(t, ctx, cfg)

	// The search page's map uses the tile server configured, which its
	// Content-Security-Policy lets images come from.
	page, err := http.Get(base + "/search?near=37203")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if csp := page.Header.Get("Content-Security-Policy"); page.StatusCode != 200 || !strings.Contains(csp, "img-src 'self' data: https://*.tiles.example.org;") ||
		!strings.Contains(string(body), `data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png" data-attribution="Example tiles"`) {
		t.Errorf("search page: %d, CSP %q, tiles not configured:\n%.3000s", page.StatusCode, csp, body)
	}

	type result struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		DistanceKm float64  `json:"distance_km"`
		Care       []string `json:"care"`
	}
	type answer struct {
		Total   int      `json:"total"`
		Results []result `json:"results"`
	}
	get := func(path string) (int, answer) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a answer
		json.NewDecoder(resp.Body).Decode(&a)
		return resp.StatusCode, a
	}
	// The demo directory answers the README's first query (nationwide:
	// 300 demo facilities may have no detox within 25 miles).
	code, a := get("/api/v1/search?near=37203&care=detox&radius=any")
	if code != 200 || a.Total == 0 {
		t.Fatalf("demo search: %d, %d results", code, a.Total)
	}
	for i, r := range a.Results {
		if i > 0 && r.DistanceKm < a.Results[i-1].DistanceKm {
			t.Errorf("results not nearest first at %d", i)
		}
	}

	// An import beside the running server reaches search within seconds.
	csvPath := filepath.Join(dir, "in.csv")
	os.WriteFile(csvPath, []byte(sampleCSV), 0o644)
	code2, out, errs := runCLI(t, map[string]string{"CAREFINDER_DATA": data}, "import", "--format", "samhsa-2015", csvPath)
	if code2 != exitOK {
		t.Fatalf("import: exit %d\n%s%s", code2, out, errs)
	}
	if !strings.Contains(out, "1 inserted") || !strings.Contains(errs, "in.csv:3: rejected") {
		t.Errorf("import report:\n%s\n%s", out, errs)
	}
	// The store held only the demo: the real directory replaced it.
	if !strings.Contains(out, "its 300 fictional facilities were removed from search") {
		t.Errorf("import did not say it retired the demo:\n%s", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, a = get("/api/v1/search?near=37203&radius=1mi&q=music+city+detox+test")
		if a.Total == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("imported facility not searchable after 10 s (total %d)", a.Total)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Importing the same file again changes nothing.
	_, out, _ = runCLI(t, map[string]string{"CAREFINDER_DATA": data}, "import", "--format", "samhsa-2015", csvPath)
	if !strings.Contains(out, "0 inserted, 0 updated, 1 unchanged") {
		t.Errorf("second import: %s", out)
	}

	// reindex while the server holds the index asks the server to rebuild.
	code3, out, errs := runCLI(t, map[string]string{"CAREFINDER_DATA": data}, "reindex")
	if code3 != exitOK || !strings.Contains(out, "asked to rebuild") {
		t.Fatalf("reindex beside server: exit %d %s %s", code3, out, errs)
	}
	time.Sleep(500 * time.Millisecond)
	if _, a := get("/api/v1/search?near=37203&radius=1mi&q=music+city+detox+test"); a.Total != 1 {
		t.Errorf("after rebuild: %d", a.Total)
	}
	if _, a := get("/api/v1/search?near=37203&radius=any"); a.Total != 1 {
		t.Errorf("demo facilities still searchable beside the real one: %d results", a.Total)
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	// With no server running, reindex rebuilds in place.
	code4, out, errs := runCLI(t, map[string]string{"CAREFINDER_DATA": data}, "reindex")
	if code4 != exitOK || !strings.Contains(out, "Rebuilt the index: 1 facilities") {
		t.Errorf("reindex alone: exit %d %s %s", code4, out, errs)
	}
}

func TestImportMissingFile(t *testing.T) {
	code, _, errs := runCLI(t, map[string]string{"CAREFINDER_DATA": t.TempDir()}, "import", "--format", "samhsa-2015", "/nonexistent.csv")
	if code != exitFailure || !strings.Contains(errs, "/nonexistent.csv") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestImportWrongFormatFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(p, []byte("a,b,c\n1,2,3\n"), 0o644)
	data := t.TempDir()
	code, _, errs := runCLI(t, map[string]string{"CAREFINDER_DATA": data}, "import", "--format", "samhsa-2015", p)
	if code != exitFailure || !strings.Contains(errs, "x.csv") {
		t.Errorf("exit %d: %s", code, errs)
	}
}
