// Package bench measures CareFinder's search against two baselines on the
// same directories and the same queries, and checks that all of them give
// the same answers.
//
// The engines: "carefinder", the real search.Index; "bleve", Bleve used the
// obvious way (its own scorch index with default settings, a geo-distance
// query, term filters, a geo-distance sort and term facets); and "scan", a
// brute-force haversine scan. Each engine runs on each dataset in a child
// process of its own, so that its build time and peak memory are its own;
// the parent then checks every answer against a brute-force oracle and
// prints the tables.
//
// The datasets: "real", the SAMHSA 2015 directory (11,928 facilities), and
// synthetic national directories of any size from data.GenerateDemo with a
// fixed seed ("100k", "1m"). A million facilities take about a gigabyte in
// each process (the generator's records), one process at a time plus the
// parent's oracle afterwards; the bleve baseline builds its index for
// several minutes, and answers a query in up to a second or more, so
// MaxTime cuts its runs short. Run it alone:
//
//	carefinder-bench --datasets 1m --queries 500 --json 1m.json
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/search"
)

// Defaults of Config.
const (
	DefaultQueries     = 2000
	DefaultConcurrency = 2
	DefaultWarmup      = 200
	DefaultSeed        = 42
	DefaultMinTime     = time.Second
	DefaultMaxTime     = 8 * time.Second
	// maxWarmupTime bounds a warm-up.
	maxWarmupTime = 2 * time.Second
	// warmupShare: the warm-up is at most this fraction of the timed
	// queries.
	warmupShare = 10
	// childStopTimeout is how long a child process may take to stop when
	// the run is cancelled.
	childStopTimeout = 10 * time.Second
)

// ErrMismatch is returned by Run when an engine's answer differs from the
// oracle's beyond the allowances.
var ErrMismatch = errors.New("answers differ from the oracle")

// Config says what to measure.
type Config struct {
	Datasets  []string
	Engines   []string
	Workloads []string
	// Queries is the number of timed queries per workload;
	// BaselineQueries, when set, is that of bleve and scan.
	Queries         int
	BaselineQueries int
	Warmup          int
	Concurrency     int
	// MinTime is the least time a timed run lasts: an engine that answers
	// every query sooner goes round them again. MaxTime is the most: an
	// engine still busy then stops taking queries (0: no limit).
	MinTime, MaxTime time.Duration
	Seed             uint64
	// SAMHSA is the path of the real 2015 directory.
	SAMHSA string
	// DataDir holds the indexes built (in a temporary directory inside it,
	// removed afterwards); empty means the system's temporary directory.
	DataDir string
	// HTTP, when set, also serves the carefinder engine through the real
	// web handler on loopback and puts it under load.
	HTTP *HTTPConfig
	// JSON, when set, receives the report as JSON.
	JSON string
	// AllowMismatch makes Run succeed despite mismatches.
	AllowMismatch bool
	// Child is the command line that runs one engine on one dataset in a
	// child process, reading a child spec on stdin (see RunChild); nil
	// runs every engine in this process (peak memory is then not each
	// engine's own).
	Child    []string
	ChildEnv []string
	// Stderr receives the children's progress logs.
	Stderr io.Writer
	Logger *slog.Logger
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if len(c.Datasets) == 0 || len(c.Engines) == 0 || len(c.Workloads) == 0 {
		return errors.New("give at least one dataset, engine and workload")
	}
	for _, d := range c.Datasets {
		if _, err := ParseDatasetName(d); err != nil {
			return err
		}
	}
	for _, e := range c.Engines {
		if !slices.Contains(AllEngines(), e) {
			return fmt.Errorf("unknown engine %q: use %s", e, strings.Join(AllEngines(), ", "))
		}
	}
	for _, w := range c.Workloads {
		if !slices.Contains(AllWorkloads(), w) {
			return fmt.Errorf("unknown workload %q: use %s", w, strings.Join(AllWorkloads(), ", "))
		}
	}
	switch {
	case c.Queries < 1 || c.Queries > 1_000_000:
		return fmt.Errorf("queries %d: must be from 1 to 1000000", c.Queries)
	case c.BaselineQueries < 0 || c.BaselineQueries > c.Queries:
		return fmt.Errorf("baseline queries %d: must be from 0 (automatic) to --queries", c.BaselineQueries)
	case c.Warmup < 0:
		return fmt.Errorf("warm-up %d: must not be negative", c.Warmup)
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("concurrency %d: must be from 1 to 1024", c.Concurrency)
	case c.MinTime < 0 || c.MinTime > time.Minute:
		return fmt.Errorf("minimum time %s: must be from 0 to 1m", c.MinTime)
	case c.MaxTime < 0 || c.MaxTime > time.Hour || c.MaxTime > 0 && c.MaxTime < c.MinTime:
		return fmt.Errorf("maximum time %s: must be from the minimum time to 1h, or 0 for no limit", c.MaxTime)
	}
	if c.HTTP != nil {
		if !slices.Contains(c.Engines, EngineCareFinder) {
			return errors.New("the HTTP run serves the carefinder engine: include it in the engines")
		}
		return c.HTTP.validate()
	}
	return nil
}

// queriesFor is how many queries engine runs per workload.
func (c *Config) queriesFor(engine string) int {
	if engine != EngineCareFinder && c.BaselineQueries > 0 {
		return c.BaselineQueries
	}
	return c.Queries
}

// childSpec is what a child process runs: one engine on one dataset.
type childSpec struct {
	Dataset     string        `json:"dataset"`
	Engine      string        `json:"engine"`
	Workloads   []string      `json:"workloads"`
	Queries     int           `json:"queries"`
	Warmup      int           `json:"warmup"`
	Concurrency int           `json:"concurrency"`
	MinTime     time.Duration `json:"min_time"`
	MaxTime     time.Duration `json:"max_time"`
	Seed        uint64        `json:"seed"`
	SAMHSA      string        `json:"samhsa"`
	DataDir     string        `json:"data_dir"`
	HTTP        *HTTPConfig   `json:"http,omitempty"`
}

// EngineRun is what one engine did on one dataset.
type EngineRun struct {
	Dataset    string  `json:"dataset"`
	Engine     string  `json:"engine"`
	Facilities int     `json:"facilities"`
	LoadS      float64 `json:"load_s"`
	BuildS     float64 `json:"build_s"`
	// TextReadyS is, for carefinder, when its Bleve index was filled and
	// done merging (search.Index.Wait), from the start of the build:
	// BuildS is when every search could be answered.
	TextReadyS float64 `json:"text_ready_s,omitempty"`
	// RestartOpenMs and RestartFirstMs time a restart of the carefinder
	// index: search.Open on the existing directory, then the first query.
	RestartOpenMs  float64       `json:"restart_open_ms,omitempty"`
	RestartFirstMs float64       `json:"restart_first_query_ms,omitempty"`
	PeakRSS        int64         `json:"peak_rss_bytes"`
	InProcess      bool          `json:"in_process,omitempty"`
	Workloads      []WorkloadRun `json:"workloads"`
	HTTP           []HTTPRun     `json:"http,omitempty"`
	Notes          []string      `json:"notes,omitempty"`
}

// WorkloadRun is one engine's timed run of one workload.
type WorkloadRun struct {
	Workload string `json:"workload"`
	// Skipped says why the workload was not run.
	Skipped string `json:"skipped,omitempty"`
	// Queries is how many queries the workload had; Ran, how many of them
	// were run before MaxTime (each once, or more when the run went
	// round again: Stats.N counts the calls).
	Queries int      `json:"queries"`
	Ran     int      `json:"ran"`
	Warmup  int      `json:"warmup"`
	Stats   Stats    `json:"stats"`
	Answers []Answer `json:"answers,omitempty"`
}

// RunChild reads a child spec from in, runs it and writes its EngineRun
// as JSON to out.
func RunChild(ctx context.Context, in io.Reader, out io.Writer, logger *slog.Logger) error {
	var spec childSpec
	if err := json.NewDecoder(in).Decode(&spec); err != nil {
		return fmt.Errorf("read child spec: %w", err)
	}
	run, err := runEngine(ctx, spec, logger)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(run)
}

// runEngine loads a dataset, builds one engine over it and runs every
// workload.
func runEngine(ctx context.Context, spec childSpec, logger *slog.Logger) (*EngineRun, error) {
	logger = logger.With("dataset", spec.Dataset, "engine", spec.Engine)
	run := &EngineRun{Dataset: spec.Dataset, Engine: spec.Engine}
	start := time.Now()
	ds, err := LoadDataset(ctx, spec.Dataset, spec.SAMHSA)
	if err != nil {
		return nil, err
	}
	run.Facilities, run.LoadS = len(ds.Facilities), time.Since(start).Seconds()
	gaz, err := geo.NewGazetteer()
	if err != nil {
		return nil, err
	}
	workloads := make([]Workload, len(spec.Workloads))
	for i, name := range spec.Workloads {
		if workloads[i], err = Queries(name, spec.Queries, spec.Seed, gaz.ZIPs(), ds); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp(spec.DataDir, "carefinder-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	logger.Info("building", "facilities", len(ds.Facilities))
	runtime.GC()
	start = time.Now()
	eng, err := OpenEngine(ctx, spec.Engine, ds, dir)
	if err != nil {
		return nil, err
	}
	defer func() { eng.Close() }()
	run.BuildS = time.Since(start).Seconds()
	logger.Info("built", "took", time.Since(start).Round(time.Millisecond))
	if cf, ok := eng.(*careFinder); ok {
		// Measure searches alone, not searches beside Bleve's writes.
		if err := cf.ix.Wait(ctx); err != nil {
			return nil, fmt.Errorf("carefinder: fill the text index: %w", err)
		}
		run.TextReadyS = time.Since(start).Seconds()
		logger.Info("text index ready", "took", time.Since(start).Round(time.Millisecond))
	}
	if b, ok := eng.(*bleveEngine); ok {
		run.Notes = append(run.Notes, fmt.Sprintf("bleve: %d segments after the build", b.segments()))
	}

	ti := newTermIndex(directory.DefaultTaxonomy())
	for _, w := range workloads {
		wr, err := runWorkload(ctx, eng, w, spec, ti, logger)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", spec.Engine, w.Name, err)
		}
		run.Workloads = append(run.Workloads, wr)
	}
	if b, ok := eng.(*bleveEngine); ok {
		run.Notes = append(run.Notes, fmt.Sprintf("bleve: %d segments after the queries", b.segments()))
	}

	if cf, ok := eng.(*careFinder); ok {
		typical, err := Queries(WorkloadTypical, max(spec.Queries, 1), spec.Seed, gaz.ZIPs(), ds)
		if err != nil {
			return nil, err
		}
		open, first, err := cf.restart(ctx, typical.Queries[0])
		if err != nil {
			return nil, err
		}
		run.RestartOpenMs, run.RestartFirstMs = ms(open), ms(first)
		logger.Info("restarted", "open", open.Round(time.Microsecond), "first_query", first.Round(time.Microsecond))
		if spec.HTTP != nil {
			urls := make([]string, len(typical.Queries))
			for i, q := range typical.Queries {
				urls[i] = SearchURL(q)
			}
			if run.HTTP, err = runHTTP(ctx, cf.ix, ds, urls, *spec.HTTP, logger); err != nil {
				return nil, fmt.Errorf("http: %w", err)
			}
		}
	}
	run.PeakRSS = peakRSS()
	return run, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runWorkload times one workload on eng and keeps every answer.
func runWorkload(ctx context.Context, eng Engine, w Workload, spec childSpec, ti *termIndex, logger *slog.Logger) (WorkloadRun, error) {
	wr := WorkloadRun{Workload: w.Name}
	if w.Name == WorkloadText && eng.Name() == EngineScan {
		wr.Skipped = "the scan has no text analysis"
		return wr, nil
	}
	qs := slices.Clone(w.Queries)
	skipped := slices.Clone(w.Skip)
	if w.Offset > 0 {
		p, ok := eng.(pager)
		if !ok {
			return wr, errors.New("the engine cannot page")
		}
		for i := range qs {
			if skipped[i] {
				continue
			}
			c, err := p.CursorAt(ctx, qs[i], w.Offset)
			if err != nil {
				return wr, fmt.Errorf("query %d: page %d: %w", i, w.Offset/pageSize+1, err)
			}
			qs[i].Cursor = c
		}
	}
	var (
		timed []search.Query
		index []int
		err   error
	)
	for i, q := range qs {
		if !skipped[i] {
			timed = append(timed, q)
			index = append(index, i)
		}
	}
	warmFor := maxWarmupTime
	if spec.MaxTime > 0 {
		warmFor = min(warmFor, spec.MaxTime/4)
	}
	wr.Warmup, err = warmUp(ctx, eng, timed[:min(spec.Warmup, len(timed)/warmupShare)], warmFor)
	if err != nil {
		return wr, err
	}
	logger.Info("timing", "workload", w.Name, "queries", len(timed))
	slab := newAnswerSlab(ti, len(timed), pageSize)
	stats, ran := timedRun(ctx, eng, timed, spec.Concurrency, limits{min: spec.MinTime, max: spec.MaxTime}, slab.record)
	if err := ctx.Err(); err != nil {
		return wr, err
	}
	wr.Stats, wr.Queries, wr.Ran = stats, len(timed), ran
	wr.Answers = make([]Answer, len(qs))
	for i := range wr.Answers {
		wr.Answers[i].Skipped = true
	}
	for j, i := range index {
		if slab.ran[j] {
			wr.Answers[i] = slab.answers[j]
		}
	}
	logger.Info("timed", "workload", w.Name, "p50_ms", round3(stats.P50Ms), "p99_ms", round3(stats.P99Ms), "per_s", int(stats.PerSecond), "errors", stats.Errors)
	return wr, nil
}

func round3(x float64) float64 {
	s := fmt.Sprintf("%.3g", x)
	var y float64
	fmt.Sscan(s, &y)
	return y
}

// peakRSS returns the process's peak resident set size (VmHWM), or 0 where
// /proc is not there.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb * 1024
		}
	}
	return 0
}

// runChild runs spec in a child process, or in this one.
func (c *Config) runChild(ctx context.Context, spec childSpec) (*EngineRun, error) {
	if len(c.Child) == 0 {
		run, err := runEngine(ctx, spec, c.Logger)
		if run != nil {
			run.InProcess = true
		}
		return run, err
	}
	in, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, c.Child[0], c.Child[1:]...)
	// On cancellation, ask the child to stop, so that it removes its
	// index directory; kill it if it does not.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = childStopTimeout
	cmd.Env = append(os.Environ(), c.ChildEnv...)
	cmd.Stdin = bytes.NewReader(in)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = c.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s on %s: child process: %w", spec.Engine, spec.Dataset, err)
	}
	var run EngineRun
	if err := json.Unmarshal(out.Bytes(), &run); err != nil {
		return nil, fmt.Errorf("%s on %s: child's answer: %w", spec.Engine, spec.Dataset, err)
	}
	return &run, nil
}

// Run measures every engine on every dataset, checks their answers, and
// writes the tables (markdown) to out and, if asked, the JSON report. It
// returns ErrMismatch after writing them if answers differed beyond the
// allowances (unless AllowMismatch).
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	if slices.Contains(cfg.Datasets, DatasetReal) {
		if _, err := os.Stat(cfg.SAMHSA); err != nil {
			return fmt.Errorf("the real dataset needs the 2015 SAMHSA directory: %w (give --samhsa FILE, or set CAREFINDER_SHARED)", err)
		}
	}
	rep := newReport(cfg)
	for _, name := range cfg.Datasets {
		dr, err := runDataset(ctx, cfg, name)
		if err != nil {
			return err
		}
		rep.Datasets = append(rep.Datasets, dr)
	}
	rep.Finished = time.Now().UTC()
	if err := rep.writeMarkdown(out); err != nil {
		return err
	}
	if cfg.JSON != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(cfg.JSON, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if n := rep.mismatches(); n > 0 && !cfg.AllowMismatch {
		return fmt.Errorf("%w: %d answers (see the correctness table)", ErrMismatch, n)
	}
	return nil
}

// runDataset runs every engine on one dataset, one after another, then
// checks their answers.
func runDataset(ctx context.Context, cfg Config, name string) (*DatasetReport, error) {
	dr := &DatasetReport{Name: name}
	for _, eng := range cfg.Engines {
		n := cfg.queriesFor(eng)
		spec := childSpec{
			Dataset: name, Engine: eng, Workloads: cfg.Workloads, Queries: n, Warmup: cfg.Warmup,
			Concurrency: cfg.Concurrency, MinTime: cfg.MinTime, MaxTime: cfg.MaxTime, Seed: cfg.Seed, SAMHSA: cfg.SAMHSA, DataDir: cfg.DataDir,
		}
		if eng == EngineCareFinder {
			spec.HTTP = cfg.HTTP
		}
		cfg.Logger.Info("running", "dataset", name, "engine", eng, "queries_per_workload", n)
		run, err := cfg.runChild(ctx, spec)
		if err != nil {
			return nil, err
		}
		dr.Facilities = run.Facilities
		dr.Engines = append(dr.Engines, run)
		for _, wr := range run.Workloads {
			if wr.Skipped == "" && wr.Ran < wr.Queries {
				dr.Notes = append(dr.Notes, fmt.Sprintf("%s, %s: stopped taking queries after %s (--max-time): ran the first %s of %s", eng, wr.Workload, cfg.MaxTime, count(wr.Ran), count(wr.Queries)))
			}
		}
	}
	cfg.Logger.Info("checking answers against the oracle", "dataset", name)
	start := time.Now()
	ds, err := LoadDataset(ctx, name, cfg.SAMHSA)
	if err != nil {
		return nil, err
	}
	gaz, err := geo.NewGazetteer()
	if err != nil {
		return nil, err
	}
	o := newOracle(ds)
	for _, wname := range cfg.Workloads {
		answers := map[string][]Answer{}
		n := 0
		for _, run := range dr.Engines {
			for i := range run.Workloads {
				if wr := &run.Workloads[i]; wr.Workload == wname && wr.Skipped == "" {
					answers[run.Engine] = wr.Answers
					n = max(n, len(wr.Answers))
				}
			}
		}
		if wname == WorkloadText {
			if a, b := answers[EngineCareFinder], answers[EngineBleve]; a != nil && b != nil {
				dr.Text = compareText(a, b, [2]string{EngineCareFinder, EngineBleve})
			}
			continue
		}
		w, err := Queries(wname, n, cfg.Seed, gaz.ZIPs(), ds)
		if err != nil {
			return nil, err
		}
		if k := w.Skipped(); k > 0 {
			dr.Notes = append(dr.Notes, fmt.Sprintf("%s: %d of %d queries had no full page 10 even after %d redraws of the point; no engine ran them", wname, k, n, deepRedraws))
		}
		dr.Checks = append(dr.Checks, o.checkWorkload(w, answers, cfg.Engines)...)
	}
	for _, run := range dr.Engines {
		for i := range run.Workloads {
			run.Workloads[i].Answers = nil // checked; not for the report
		}
	}
	cfg.Logger.Info("checked", "dataset", name, "took", time.Since(start).Round(time.Millisecond))
	return dr, nil
}
