// Command carefinder-bench measures CareFinder's search against two
// baselines — Bleve used the obvious way and a brute-force haversine scan —
// on the real 2015 directory and on synthetic ones, each engine in a child
// process of its own, and checks every answer against a brute-force oracle.
//
//	carefinder-bench [--datasets real,100k] [--engines …] [--http --rate 5000] …
//
// It is a development tool, kept out of the carefinder binary; its flags
// read no environment variables. See the README's performance section.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/bench"
)

// Exit statuses: 0 success, 1 failure, 2 bad usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// childEnv is set in the environment of the processes carefinder-bench
// starts, so that a test binary standing in for it knows to act as it.
const childEnv = "CAREFINDER_BENCH_CHILD=1"

// samhsaFile is where the real 2015 directory lives, below the shared
// reference directory.
const samhsaFile = "data/samhsa-directory-2015.csv"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Config is everything carefinder-bench needs.
type Config struct {
	Datasets, Engines, Workloads string
	Synthetic                    int
	Queries, BaselineQueries     int
	Warmup, Concurrency          int
	MinTime, MaxTime             time.Duration
	Seed                         uint64
	HTTP                         bool
	HTTPDuration                 time.Duration
	HTTPConcurrency, Rate        int
	SAMHSA, Data, JSON           string
	AllowMismatch, Child         bool
	// URLs, above 0, prints that many typical query paths (for a load
	// generator such as wrk) instead of benchmarking.
	URLs int
}

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("carefinder-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{}
	fs.StringVar(&cfg.Datasets, "datasets", "real,100k", "directories to search, comma-separated: real (the 2015 SAMHSA directory), 100k, 1m (synthetic, fixed seed); 1m takes about a gigabyte per process and a long Bleve build")
	fs.StringVar(&cfg.Engines, "engines", strings.Join(bench.AllEngines(), ","), "engines to compare, comma-separated")
	fs.StringVar(&cfg.Workloads, "workloads", strings.Join(bench.AllWorkloads(), ","), "workloads, comma-separated")
	fs.IntVar(&cfg.Queries, "queries", bench.DefaultQueries, "timed queries per workload")
	fs.IntVar(&cfg.BaselineQueries, "baseline-queries", 0, "timed queries per workload for bleve and scan; 0 means --queries")
	fs.IntVar(&cfg.Warmup, "warmup", bench.DefaultWarmup, "untimed queries before each timed run (at most a tenth of the timed queries)")
	fs.IntVar(&cfg.Concurrency, "concurrency", bench.DefaultConcurrency, "queries in flight at once")
	fs.DurationVar(&cfg.MinTime, "min-time", bench.DefaultMinTime, "least duration of a timed run: an engine that answers every query sooner goes round them again")
	fs.DurationVar(&cfg.MaxTime, "max-time", bench.DefaultMaxTime, "most duration of a timed run: an engine still busy then stops taking queries (the slow baselines on large directories); 0 for no limit")
	fs.Uint64Var(&cfg.Seed, "seed", bench.DefaultSeed, "seed of the query generator")
	fs.BoolVar(&cfg.HTTP, "http", false, "also serve carefinder through the web handler on 127.0.0.1 and load it over HTTP")
	fs.DurationVar(&cfg.HTTPDuration, "http-duration", 10*time.Second, "duration of each HTTP run")
	fs.IntVar(&cfg.HTTPConcurrency, "http-concurrency", 8, "HTTP connections (requests in flight in the closed loop)")
	fs.IntVar(&cfg.Rate, "rate", 0, "with --http, also send this many requests per second on a fixed schedule (open loop)")
	fs.StringVar(&cfg.SAMHSA, "samhsa", "", "the 2015 SAMHSA directory CSV (default $CAREFINDER_SHARED/"+samhsaFile+", else ../shared/"+samhsaFile+")")
	fs.StringVar(&cfg.Data, "data", "", "directory to build the indexes in, inside a temporary directory removed afterwards (default the system's)")
	fs.StringVar(&cfg.JSON, "json", "", "also write the results as JSON to this file")
	fs.BoolVar(&cfg.AllowMismatch, "allow-mismatch", false, "exit 0 even when an engine's answers differ from the oracle's")
	fs.IntVar(&cfg.Synthetic, "synthetic", 0, "measure a synthetic directory of this many facilities instead of --datasets")
	fs.IntVar(&cfg.URLs, "urls", 0, "print this many typical query paths (/api/v1/search?lat=…), one a line, from the query generator (--seed), and exit")
	fs.BoolVar(&cfg.Child, "child", false, "run one engine on one dataset as the child process this program starts for it (spec on stdin, JSON on stdout)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: carefinder-bench [flags]\n\nMeasure CareFinder's search against Bleve and a scan, and check every answer.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "carefinder-bench: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	var err error
	switch {
	case cfg.URLs < 0:
		err = usageError{fmt.Sprintf("--urls %d: want a number of URLs, 1 or more", cfg.URLs)}
	case cfg.URLs > 0:
		err = printURLs(stdout, cfg.URLs, cfg.Seed)
	case cfg.Child:
		err = bench.RunChild(ctx, stdin, stdout, logger)
	default:
		var bc bench.Config
		if bc, err = cfg.benchConfig(); err == nil {
			bc.Logger, bc.Stderr = logger, stderr
			err = bench.Run(ctx, bc, stdout)
		}
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "carefinder-bench: %v\n", err)
		fs.Usage()
		return exitUsage
	default:
		fmt.Fprintf(stderr, "carefinder-bench: %v\n", err)
		return exitFailure
	}
}

// benchConfig checks the flags and turns them into a bench.Config.
func (cfg *Config) benchConfig() (bench.Config, error) {
	bc := bench.Config{
		Datasets: splitList(cfg.Datasets), Engines: splitList(cfg.Engines), Workloads: splitList(cfg.Workloads),
		Queries: cfg.Queries, BaselineQueries: cfg.BaselineQueries, Warmup: cfg.Warmup, Concurrency: cfg.Concurrency,
		MinTime: cfg.MinTime, MaxTime: cfg.MaxTime, Seed: cfg.Seed, SAMHSA: cfg.SAMHSA, DataDir: cfg.Data, JSON: cfg.JSON, AllowMismatch: cfg.AllowMismatch,
	}
	if cfg.Synthetic > 0 {
		bc.Datasets = []string{bench.SyntheticName(cfg.Synthetic)}
	}
	if cfg.HTTP {
		bc.HTTP = &bench.HTTPConfig{Duration: cfg.HTTPDuration, Connections: cfg.HTTPConcurrency, Rate: cfg.Rate}
	} else if cfg.Rate > 0 {
		return bc, usageError{"--rate needs --http"}
	}
	if bc.SAMHSA == "" && slices.Contains(bc.Datasets, bench.DatasetReal) {
		shared := os.Getenv("CAREFINDER_SHARED")
		if shared == "" {
			shared = filepath.Join("..", "shared")
		}
		bc.SAMHSA = filepath.Join(shared, samhsaFile)
	}
	if err := bc.Validate(); err != nil {
		return bc, usageError{err.Error()}
	}
	exe, err := os.Executable()
	if err != nil {
		return bc, fmt.Errorf("find this program to start its children: %w", err)
	}
	bc.Child = []string{exe, "--child"}
	bc.ChildEnv = []string{childEnv}
	return bc, nil
}

// printURLs writes n typical query paths, drawn as the typical workload
// draws its queries, one a line.
func printURLs(w io.Writer, n int, seed uint64) error {
	gaz, err := geo.NewGazetteer()
	if err != nil {
		return fmt.Errorf("load the gazetteer: %w", err)
	}
	wl, err := bench.Queries(bench.WorkloadTypical, n, seed, gaz.ZIPs(), nil)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, q := range wl.Queries {
		fmt.Fprintln(bw, bench.SearchURL(q))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write the URLs: %w", err)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
