package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carefinder/carefinder/web"
)

func TestAccessLogPolicy(t *testing.T) {
	e := mustServer(t)
	tests := []struct {
		policy     string
		wantOK     int // lines logged for 10 successful requests
		wantErrors int // for 2 errors
	}{
		{"all", 10, 2},
		{"errors", 0, 2},
		{"off", 0, 0},
		{"1/5", 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			policy, err := web.ParseAccessLogPolicy(tt.policy)
			if err != nil {
				t.Fatal(err)
			}
			logs := &syncBuffer{}
			srv := httptest.NewServer(web.NewServer(web.Config{
				Index: e.index, Store: e.store, Gazetteer: e.gaz,
				Logger: slog.New(slog.NewJSONHandler(logs, nil)), AccessLog: policy,
			}).Handler())
			defer srv.Close()
			for range 10 {
				resp, err := http.Get(srv.URL + "/api/v1/search?near=37203&q=secret-value")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			for range 2 {
				resp, err := http.Get(srv.URL + "/api/v1/search?near=99999")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			ok := strings.Count(logs.String(), `"status":200`)
			bad := strings.Count(logs.String(), `"status":400`)
			if ok != tt.wantOK || bad != tt.wantErrors {
				t.Errorf("logged %d successes and %d errors, want %d and %d:\n%s", ok, bad, tt.wantOK, tt.wantErrors, logs)
			}
			if strings.Contains(logs.String(), "secret-value") {
				t.Errorf("the access log records the query string (keys, what people search for):\n%s", logs)
			}
		})
	}
	for _, bad := range []string{"some", "1/0", "1/x", "2/3"} {
		if _, err := web.ParseAccessLogPolicy(bad); err == nil {
			t.Errorf("ParseAccessLogPolicy(%q) accepted it", bad)
		}
	}
}
