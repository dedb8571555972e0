package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestSearchAnswersMatchEncodingJSON sends searches through the whole
// handler and compares each answer, byte for byte, with what encoding/json
// made of the same search before the hand-written encoder (ReferenceSearch):
// the fixture's odd records, then many typical searches of the real 2015
// directory (skipped with -short or without ../shared), as JSON and GeoJSON,
// in English and Spanish. The handler reuses its buffers from one request to
// the next, so a stale byte would show too.
func TestSearchAnswersMatchEncodingJSON(t *testing.T) {
	tests := []struct {
		name  string
		env   func(t *testing.T) *env
		paths func(e *env) []string
	}{
		{"fixture", func(t *testing.T) *env { return mustServer(t) }, func(*env) []string {
			return []string{
				"near=37203", "near=37203&care=detox&limit=3", "near=37203&radius=any&limit=100", "near=37203&radius=1mi&care=residential-long-term",
				"q=cumberland&near=37203", "q=detox", "care=detox", "", "near=Nashville,+TN&lang=es", "near=37203&radius=10mi&lang=es&limit=2",
				"near=37203&limit=2&format=geojson", "near=37203&radius=any&format=geojson&lang=es", "near=37203&limit=1", "near=37203&sort=name",
				"lat=36.16&lon=-86.78&radius=40km&payment=medicaid&language=es", "near=37203&gender=female&population=women",
			}
		}},
		{"real", func(t *testing.T) *env {
			if testing.Short() {
				t.Skip("indexes the real directory; skipped with -short")
			}
			return mustServerWith(t, realFacilities(t), nil, nil)
		}, func(e *env) []string {
			paths := typicalQueries(e, 400)
			for i := range paths {
				switch i % 8 {
				case 1:
					paths[i] += "&lang=es"
				case 2:
					paths[i] += "&format=geojson"
				case 3:
					paths[i] += "&limit=100"
				case 4:
					paths[i] += "&q=recovery"
				case 5:
					paths[i] = "near=" + strconv.Itoa(10000+i*211) + "&radius=any&care=detox"
				}
			}
			return paths
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.env(t)
			h := e.server.Handler()
			compared := 0
			for _, p := range tt.paths(e) {
				path := "/api/v1/search?" + p
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				want, err := e.server.ReferenceSearch(httptest.NewRequest(http.MethodGet, path, nil))
				if err != nil {
					if rec.Code < 400 {
						t.Errorf("%s: %d, but the reference failed: %v", path, rec.Code, err)
					}
					continue
				}
				if rec.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
				if got := rec.Body.Bytes(); !bytes.Equal(got, want) {
					t.Errorf("%s: the answer differs from encoding/json's:\n got %s\nwant %s", path, got, want)
				}
				if n := rec.Header().Get("Content-Length"); n != strconv.Itoa(len(want)) {
					t.Errorf("%s: Content-Length %s, body %d bytes", path, n, len(want))
				}
				compared++
			}
			if compared < 10 {
				t.Errorf("only %d answers compared", compared)
			}
			t.Logf("%d answers identical", compared)
		})
	}
}
