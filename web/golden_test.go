package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goldenVolatile are the parts of an answer that change from run to run
// (when records were written, the index's generation): masked before
// comparing.
var goldenVolatile = regexp.MustCompile(`"(created_at|updated_at|built_at|generation)":\s*"[^"]*"`)

// TestAPIGolden compares whole API answers — JSON, GeoJSON, errors — with
// golden files, so that any change to what clients receive shows up in a
// diff and is made on purpose:
//
//	go test ./web -run APIGolden -args -update
func TestAPIGolden(t *testing.T) {
	e := mustServer(t)
	tests := []struct{ name, path, accept string }{
		{"search-near-zip", "/api/v1/search?near=37203&care=detox&limit=3", ""},
		{"search-nationwide", "/api/v1/search?near=37203&radius=any&limit=2&payment=medicaid", ""},
		{"search-es", "/api/v1/search?near=37203&radius=10mi&lang=es&limit=2", ""},
		{"search-empty-nearest", "/api/v1/search?near=37203&radius=1mi&care=residential-long-term", ""},
		{"search-text", "/api/v1/search?q=cumberland&near=37203", ""},
		{"search-geojson", "/api/v1/search?near=37203&limit=2", "application/geo+json"},
		{"facility", "/api/v1/facilities/" + idMusicCity, ""},
		{"error-slug", "/api/v1/search?near=37203&care=detx", ""},
		{"error-radius", "/api/v1/search?near=37203&radius=600mi", ""},
		{"error-swapped", "/api/v1/search?near=-86.78,36.16", ""},
		{"geocode", "/api/v1/geocode?q=Nashville,+TN", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var v any
			if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
				t.Fatalf("%s: not JSON: %v", tt.path, err)
			}
			body, _ := json.MarshalIndent(v, "", "  ")
			got := goldenVolatile.ReplaceAll(body, []byte(`"$1": "…"`))
			got = append([]byte(strings.TrimSpace(resp.Status)+"\n"), got...)
			path := filepath.Join("testdata", "api", tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("%s differs from the answer to %s; if the change is meant, run go test ./web -run APIGolden -args -update\n%s", path, tt.path, got)
			}
		})
	}
}

// FuzzSearchParams sends arbitrary query strings to /api/v1/search and the
// search page: every answer must be a 200 or a 4xx with the error shape,
// never a 5xx or a panic.
func FuzzSearchParams(f *testing.F) {
	for _, s := range []string{
		"near=37203&care=detox", "near=Nashville,+TN&radius=40km&payment=medicaid&language=es", "lat=36.16&lon=-86.78&radius=10mi",
		"near=37203&radius=any&limit=100", "q=burprenorphine&near=02134", "near=37203&cursor=eyJxIjoxfQ", "near=99999",
		"radius=5", "limit=abc", "care=detx", "near=37203&sort=price", "near=%00", "q=" + strings.Repeat("a", 300),
		"near=-86.78,36.16", "format=geojson&near=37203", "format=csv&near=37203&care=detox", "lang=es&near=37203",
		"_=1700000000&utm_source=x&near=37203", "gender=female&population=women", "near=37203&radius=1e309",
	} {
		f.Add(s)
	}
	e := mustServer(f)
	h := e.server.Handler()
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for _, path := range []string{"/api/v1/search", "/search"} {
			req := httptest.NewRequest(http.MethodGet, "http://carefinder.test"+path, nil)
			req.URL.RawQuery = rawQuery
			req.RemoteAddr = "192.0.2.1:1234"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch {
			case rec.Code >= 500:
				t.Fatalf("%s?%s: status %d: %s", path, rawQuery, rec.Code, rec.Body)
			case rec.Code >= 400 && path == "/api/v1/search" && rec.Code != http.StatusTooManyRequests:
				var body struct {
					Error struct {
						Code    string `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
					t.Fatalf("%s?%s: status %d without the error shape: %s", path, rawQuery, rec.Code, rec.Body)
				}
			}
		}
	})
}
