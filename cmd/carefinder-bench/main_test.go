package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefinder/carefinder/internal/bench"
)

// TestMain lets this test binary stand in for carefinder-bench when it
// starts its child processes (it runs os.Executable()).
func TestMain(m *testing.M) {
	if os.Getenv(strings.Split(childEnv, "=")[0]) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// runCLI runs carefinder-bench with args and the given environment, and
// returns its exit status and output.
func runCLI(t *testing.T, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	for k, v := range environ {
		t.Setenv(k, v)
	}
	var out, errs strings.Builder
	code := run(context.Background(), args, strings.NewReader(""), &out, &errs)
	return code, out.String(), errs.String()
}

func TestBenchUsage(t *testing.T) {
	tests := []struct {
		environ map[string]string
		args    []string
		code    int
		want    string
	}{
		{nil, []string{"--help"}, exitOK, "-http-duration"},
		{nil, []string{"extra"}, exitUsage, `unexpected argument "extra"`},
		{nil, []string{"--engines", "carefinder,solr"}, exitUsage, `unknown engine "solr"`},
		{nil, []string{"--workloads", "typical,fast"}, exitUsage, `unknown workload "fast"`},
		{nil, []string{"--urls", "-5"}, exitUsage, `--urls -5: want a number of URLs`},
		{nil, []string{"--datasets", "0k"}, exitUsage, `unknown dataset "0k"`},
		{nil, []string{"--rate", "100"}, exitUsage, "--rate needs --http"},
		{nil, []string{"--http", "--engines", "bleve"}, exitUsage, "include it in the engines"},
		{nil, []string{"--http", "--http-duration", "1h"}, exitUsage, "at most 10m0s"},
		{nil, []string{"--queries", "0"}, exitUsage, "queries 0"},
		// An operator's environment does not reach the benchmark's flags.
		{map[string]string{"CAREFINDER_ENGINES": "lucene", "CAREFINDER_DATA": "/nonexistent", "CAREFINDER_CHILD": "1"}, []string{"--datasets", "0k"}, exitUsage, `unknown dataset "0k"`},
		{map[string]string{"CAREFINDER_SHARED": "/nonexistent"}, []string{"--datasets", "real"}, exitFailure, "/nonexistent/data/samhsa-directory-2015.csv"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, tt.environ, tt.args...)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tt.code, tt.want, out, errs)
			}
		})
	}
}

// TestBenchEndToEnd runs a small benchmark as an operator would: every
// engine in its own child process, every workload, the HTTP runs, the
// oracle's check, the tables and the JSON.
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three engines in child processes; skipped with -short")
	}
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	code, out, errs := runCLI(t, nil, "--synthetic", "5000", "--queries", "40", "--warmup", "4",
		"--min-time", "0", "--max-time", "5s", "--http", "--http-duration", "1s", "--rate", "300", "--json", jsonPath)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	want := []string{
		"### 5k: 5,000 facilities",
		"| carefinder | ", "| bleve | ", "| scan | ",
		"| text | scan | — |",
		"| 5k | closed loop, 8 connections | ",
		"| 5k | open loop at 300/s, 8 connections | ",
		"the target \"≥ 300 requests/s at p99 ≤ 20 ms\" is",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	for _, w := range bench.AllWorkloads() {
		for _, e := range bench.AllEngines() {
			rows := strings.Count(out, fmt.Sprintf("| %s | %s | ", w, e))
			wantRows := 2 // timing, correctness
			if w == bench.WorkloadText {
				wantRows = 1 // not checked against the oracle
			}
			if rows != wantRows {
				t.Errorf("%d rows for %s/%s, want %d", rows, w, e, wantRows)
			}
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
	var rep bench.Report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if len(rep.Datasets) != 1 || len(rep.Datasets[0].Engines) != 3 || rep.Datasets[0].Facilities != 5000 {
		t.Fatalf("JSON report: %+v", rep)
	}
	for _, e := range rep.Datasets[0].Engines {
		if e.PeakRSS <= 0 || e.InProcess {
			t.Errorf("%s: peak RSS %d, in process %v: want its own child process", e.Engine, e.PeakRSS, e.InProcess)
		}
		if e.Engine == bench.EngineCareFinder && (len(e.HTTP) != 2 || e.RestartOpenMs <= 0) {
			t.Errorf("carefinder: %d HTTP runs, restart %v ms", len(e.HTTP), e.RestartOpenMs)
		}
	}
	for _, c := range rep.Datasets[0].Checks {
		if c.Mismatches > 0 || c.Checked == 0 && c.Workload != bench.WorkloadDeep {
			t.Errorf("check %+v", c)
		}
	}
}

// TestBenchURLs checks --urls: N typical query paths, the same for the same
// seed, different for another.
func TestBenchURLs(t *testing.T) {
	tests := []struct {
		args  []string
		lines int
	}{
		{[]string{"--urls", "1"}, 1},
		{[]string{"--urls", "50"}, 50},
		{[]string{"--urls", "50", "--seed", "7"}, 50},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != tt.lines {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), tt.lines, out)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "/api/v1/search?") || !strings.Contains(l, "radius=25mi") || !strings.Contains(l, "care=") || !strings.Contains(l, "lat=") {
					t.Errorf("not a typical query: %q", l)
				}
			}
			_, again, _ := runCLI(t, nil, tt.args...)
			if again != out {
				t.Errorf("a second run printed other URLs")
			}
			if seen[out] {
				t.Errorf("the same URLs as another seed or count")
			}
			seen[out] = true
		})
	}
}
