package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/carefinder/carefinder/directory"
)

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

var keyRE = regexp.MustCompile(`^pk_[a-z2-7]+\.[A-Za-z0-9_-]{43}$`)

func TestPartnerCommands(t *testing.T) {
	data := t.TempDir()
	environ := map[string]string{"CAREFINDER_DATA": data}
	area := filepath.Join(t.TempDir(), "davidson.geojson")
	os.WriteFile(area, []byte(`{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-87.05,35.97],[-86.52,35.97],[-86.52,36.41],[-87.05,36.41],[-87.05,35.97]]]}}`), 0o644)

	code, out, errs := runCLI(t, environ, "partner", "add", "--name", "Davidson County Health",
		"--origin", "https://health.example.org", "--origin", "http://localhost:8000",
		"--region-geojson", area, "--default", "care=detox", "--default", "radius=50mi", "--rate-limit", "300")
	if code != exitOK {
		t.Fatalf("partner add: exit %d\n%s%s", code, out, errs)
	}
	key := lastLine(out)
	if !keyRE.MatchString(key) {
		t.Fatalf("last line %q is not a key:\n%s", key, out)
	}
	keyID, secret, _ := strings.Cut(key, ".")
	for _, want := range []string{"Davidson County Health", keyID, "https://health.example.org, http://localhost:8000", "care=detox&radius=50mi", "300 requests a minute", "an area of 1 polygon(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("partner add output lacks %q:\n%s", want, out)
		}
	}

	// The store has the hash, never the secret.
	db, err := os.ReadFile(filepath.Join(data, "carefinder.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(data, "carefinder.db-wal"))
	if strings.Contains(string(db)+string(wal), secret) {
		t.Error("the database file holds the key's secret")
	}
	if !strings.Contains(string(db)+string(wal), directory.HashSecret(secret)) {
		t.Error("the database file lacks the secret's hash (is the test looking in the right file?)")
	}

	code, out, _ = runCLI(t, environ, "partner", "add", "--name", "Clinic", "--origin", "https://clinic.example", "--region-state", "tn,ky")
	if code != exitOK || !strings.Contains(out, "state TN, KY") || !keyRE.MatchString(lastLine(out)) {
		t.Fatalf("second partner: exit %d\n%s", code, out)
	}
	clinicID, _, _ := strings.Cut(lastLine(out), ".")

	code, out, errs = runCLI(t, environ, "partner", "list")
	if code != exitOK {
		t.Fatalf("partner list: exit %d %s", code, errs)
	}
	for _, want := range []string{keyID, clinicID, "Davidson County Health", "enabled", "300", "https://health.example.org http://localhost:8000", "Requests per day"} {
		if !strings.Contains(out, want) {
			t.Errorf("partner list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Error("partner list prints the secret")
	}

	code, out, errs = runCLI(t, environ, "partner", "disable", clinicID)
	if code != exitOK || !strings.Contains(out, "Disabled "+clinicID) {
		t.Fatalf("partner disable: exit %d %s %s", code, out, errs)
	}
	if _, out, _ = runCLI(t, environ, "partner", "list"); !regexp.MustCompile(clinicID + `\s+Clinic\s+disabled`).MatchString(out) {
		t.Errorf("partner list after disable:\n%s", out)
	}
	if code, _, errs = runCLI(t, environ, "partner", "disable", "pk_nosuchkey"); code != exitFailure || !strings.Contains(errs, "pk_nosuchkey") {
		t.Errorf("disabling an unknown key: exit %d %s", code, errs)
	}
}

func TestPartnerAddRefuses(t *testing.T) {
	dir := t.TempDir()
	environ := map[string]string{"CAREFINDER_DATA": dir}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	line := write("line.geojson", `{"type":"LineString","coordinates":[[0,0],[1,1]]}`)
	open := write("open.geojson", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`)
	broken := write("broken.geojson", `{"type": "Polygon", "coordinates": [[[0,0],`)
	base := []string{"partner", "add", "--name", "X", "--origin", "https://x.example"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no name", []string{"partner", "add", "--origin", "https://x.example"}, exitUsage, "--name is required"},
		{"no origin", []string{"partner", "add", "--name", "X"}, exitUsage, "at least one --origin"},
		{"origin with path", append(base, "--origin", "https://x.example/page"), exitUsage, "no path"},
		{"origin without scheme", append(base, "--origin", "x.example"), exitUsage, "not an origin"},
		{"bad state", append(base, "--region-state", "Tennessee"), exitUsage, `"Tennessee" is not a U.S. state`},
		{"county", append(base, "--region-county", "Davidson County, TN"), exitUsage, "--region-county is not supported yet"},
		{"missing file", append(base, "--region-geojson", filepath.Join(dir, "nope.geojson")), exitFailure, "nope.geojson"},
		{"not an area", append(base, "--region-geojson", line), exitFailure, "line.geojson: a LineString is not an area"},
		{"open ring", append(base, "--region-geojson", open), exitFailure, "open.geojson: polygon 1, ring 1 is not closed"},
		{"broken json", append(base, "--region-geojson", broken), exitFailure, "broken.geojson: not GeoJSON"},
		{"bad default", append(base, "--default", "care=detx"), exitUsage, `--default care: `},
		{"default not allowed", append(base, "--default", "cursor=x"), exitUsage, `"cursor" cannot have a default`},
		{"default place not placed", append(base, "--default", "near=Springfield"), exitUsage, `--default near: add the state, such as "Springfield, MO"`},
		{"default without value", append(base, "--default", "care"), exitUsage, "name=value"},
		{"zero rate limit", append(base, "--rate-limit", "0"), exitUsage, "--rate-limit"},
		{"no subcommand", []string{"partner"}, exitUsage, "partner add|list|disable"},
		{"unknown subcommand", []string{"partner", "remove"}, exitUsage, `unknown command "partner remove"`},
		{"disable without id", []string{"partner", "disable"}, exitUsage, "KEYID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, environ, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.want, out, errs)
			}
		})
	}
	if _, out, _ := runCLI(t, environ, "partner", "list"); !strings.Contains(out, "No partners yet") {
		t.Errorf("a refused add stored something:\n%s", out)
	}
}

// serve wires partners and rate limits: a key added on the command line
// works at once on a running server, anonymous requests are limited per
// address, the key per its own limit, and usage reaches `partner list`.
func TestServeWithPartners(t *testing.T) {
	data := t.TempDir()
	environ := map[string]string{"CAREFINDER_DATA": data}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := ServeConfig{Addr: "127.0.0.1:0", DemoSize: 200, SyncInterval: time.Second, RateLimit: 4}
	cfg.data = data
	base, errc := startServe(t, ctx, cfg)
	code, out, errs := runCLI(t, environ, "partner", "add", "--name", "P", "--origin", "https://p.example", "--rate-limit", "8")
	if code != exitOK {
		t.Fatalf("partner add: %d %s %s", code, out, errs)
	}
	key := lastLine(out)
	get := func(query string, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/search?near=37203&radius=any&limit=1"+query, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	// --rate-limit 4: a bucket of one, refilled every 15 s.
	if res := get("", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("first anonymous request: %d", res.StatusCode)
	}
	if res := get("", ""); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("second anonymous request: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// The key has its own bucket (8 a minute: 2 at once).
	for i := range 2 {
		res := get("&key="+key, "https://p.example")
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != "https://p.example" {
			t.Fatalf("keyed request %d: %d, ACAO %q", i, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	if res := get("&key="+key, "https://p.example"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third keyed request: %d, want 429", res.StatusCode)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// Usage was written at shutdown: two requests served today.
	_, out, _ = runCLI(t, environ, "partner", "list")
	keyID, _, _ := strings.Cut(key, ".")
	if !regexp.MustCompile(keyID + `(\s+0)*\s+2\s+2\s*$`).MatchString(strings.TrimSpace(out)) {
		t.Errorf("partner list does not count 2 requests today:\n%s", out)
	}
}
