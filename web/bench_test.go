package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkSearch measures the web layer around search — routing, parameter
// parsing, geocoding, JSON or GeoJSON — over the test fixture, through the
// handler and through a loopback server. internal/bench has the same over a
// national directory (BenchmarkSearchHTTP).
//
//	go test -run '^$' -bench Search -benchmem ./web
func BenchmarkSearch(b *testing.B) {
	e := mustServer(b)
	h := e.server.Handler()
	for _, tc := range []struct{ name, path string }{
		{"json", "/api/v1/search?near=37203&care=detox,inpatient&payment=medicaid"},
		{"geojson", "/api/v1/search?near=37203&care=detox,inpatient&payment=medicaid&format=geojson"},
		{"nationwide", "/api/v1/search?near=37203&radius=any"},
		{"city", "/api/v1/search?near=Nashville,+TN"},
		{"text", "/api/v1/search?near=37203&q=detx"},
	} {
		b.Run("handler/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body)
				}
			}
		})
		b.Run("loopback/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				resp, err := http.Get(e.srv.URL + tc.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", tc.path, resp.StatusCode)
				}
			}
		})
	}
}
