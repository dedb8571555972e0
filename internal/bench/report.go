package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report is everything a run measured.
type Report struct {
	Started  time.Time        `json:"started"`
	Finished time.Time        `json:"finished"`
	Machine  Machine          `json:"machine"`
	Settings Settings         `json:"settings"`
	Datasets []*DatasetReport `json:"datasets"`
}

// Machine describes where the run took place.
type Machine struct {
	CPU        string `json:"cpu"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
}

// Settings are the run's parameters.
type Settings struct {
	Queries         int         `json:"queries"`
	BaselineQueries int         `json:"baseline_queries,omitempty"`
	Warmup          int         `json:"warmup"`
	Concurrency     int         `json:"concurrency"`
	MinTimeS        float64     `json:"min_time_s"`
	MaxTimeS        float64     `json:"max_time_s"`
	Seed            uint64      `json:"seed"`
	Engines         []string    `json:"engines"`
	Workloads       []string    `json:"workloads"`
	HTTP            *HTTPConfig `json:"http,omitempty"`
}

// DatasetReport is what every engine did on one dataset.
type DatasetReport struct {
	Name       string          `json:"name"`
	Facilities int             `json:"facilities"`
	Engines    []*EngineRun    `json:"engines"`
	Checks     []CheckRow      `json:"checks"`
	Text       *TextComparison `json:"text,omitempty"`
	Notes      []string        `json:"notes,omitempty"`
}

func newReport(cfg Config) *Report {
	return &Report{
		Started: time.Now().UTC(),
		Machine: Machine{CPU: cpuModel(), NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
			GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH},
		Settings: Settings{Queries: cfg.Queries, BaselineQueries: cfg.BaselineQueries, Warmup: cfg.Warmup,
			Concurrency: cfg.Concurrency, MinTimeS: cfg.MinTime.Seconds(), MaxTimeS: cfg.MaxTime.Seconds(), Seed: cfg.Seed, Engines: cfg.Engines, Workloads: cfg.Workloads, HTTP: cfg.HTTP},
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func (r *Report) mismatches() int {
	n := 0
	for _, d := range r.Datasets {
		for _, c := range d.Checks {
			n += c.Mismatches
		}
	}
	return n
}

// writeMarkdown writes the tables, ready for the README's Performance
// section.
func (r *Report) writeMarkdown(out io.Writer) error {
	w := &errWriter{w: out}
	m := r.Machine
	w.printf("## Search benchmark\n\n")
	w.printf("%s, %d CPUs (GOMAXPROCS %d), %s, %s. %s queries per workload, %d at a time, after an untimed warm-up (at most %d queries, a tenth of the run, or 2 s); an engine that finishes in under %s goes round them again, so \"queries\" counts timed calls, and one still busy after %s stops. Query points are ZIP centroids drawn uniformly (seed %d), the same for every engine. The run took %s.\n",
		m.CPU, m.NumCPU, m.GOMAXPROCS, m.GoVersion, m.OS, count(r.Settings.Queries), r.Settings.Concurrency, r.Settings.Warmup,
		secs(r.Settings.MinTimeS), secs(r.Settings.MaxTimeS), r.Settings.Seed, r.Finished.Sub(r.Started).Round(time.Second))
	for _, d := range r.Datasets {
		r.writeDataset(w, d)
	}
	r.writeHTTP(w)
	w.printf("\nWorkloads: **typical** = 25 mi, 1–2 care types, ⅓ with a payment filter, nearest first, facets of every group, first 20; **radius100** = the same within 100 mi; **any** = the same at any distance (nearest 20 nationwide); **text** = a phrase from %q within 25 mi; **deep** = page 10 of the typical query within 100 mi (carefinder follows 9 cursors before the clock starts, the baselines use offset 180; points are drawn again until page 10 is full). Ratios are the baseline's latency over carefinder's on the same workload.\n", textQueries)
	return w.err
}

func (r *Report) writeDataset(w *errWriter, d *DatasetReport) {
	w.printf("\n### %s: %s facilities\n\n", d.Name, count(d.Facilities))
	w.printf("| engine | load data | build index | text index ready | restart: open | restart: first query | peak RSS |\n|---|--:|--:|--:|--:|--:|--:|\n")
	for _, e := range d.Engines {
		restartOpen, restartFirst, textReady := "—", "—", "—"
		if e.Engine == EngineCareFinder {
			restartOpen, restartFirst = dur(e.RestartOpenMs), dur(e.RestartFirstMs)
			textReady = secs(e.TextReadyS)
		}
		rss := bytesMB(e.PeakRSS)
		if e.InProcess {
			rss += " (shared process)"
		}
		w.printf("| %s | %s | %s | %s | %s | %s | %s |\n", e.Engine, secs(e.LoadS), secs(e.BuildS), textReady, restartOpen, restartFirst, rss)
	}
	cf := map[string]Stats{}
	for _, e := range d.Engines {
		if e.Engine == EngineCareFinder {
			for _, wr := range e.Workloads {
				cf[wr.Workload] = wr.Stats
			}
		}
	}
	w.printf("\n| workload | engine | queries | p50 | p90 | p99 | max | queries/s | allocs/query | KB/query | p50 vs carefinder | p99 vs carefinder |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, wl := range r.Settings.Workloads {
		for _, e := range d.Engines {
			for _, wr := range e.Workloads {
				if wr.Workload != wl {
					continue
				}
				if wr.Skipped != "" {
					w.printf("| %s | %s | — | | | | | | | | | (%s) |\n", wl, e.Engine, wr.Skipped)
					continue
				}
				s := wr.Stats
				r50, r99 := "", ""
				if base, ok := cf[wl]; ok && e.Engine != EngineCareFinder && base.N > 0 {
					r50, r99 = ratio(s.P50Ms, base.P50Ms), ratio(s.P99Ms, base.P99Ms)
				}
				errs := ""
				if s.Errors > 0 {
					errs = fmt.Sprintf(" (%d errors)", s.Errors)
				}
				w.printf("| %s | %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", wl, e.Engine, count(s.N), errs,
					dur(s.P50Ms), dur(s.P90Ms), dur(s.P99Ms), dur(s.MaxMs), count(int(math.Round(s.PerSecond))),
					num(s.AllocsPerOp), num(kb(s.BytesPerOp)), r50, r99)
			}
		}
	}
	if len(d.Checks) > 0 {
		w.printf("\nCorrectness: every timed answer (total, facets of every term, the page of ids in order) against a brute-force haversine oracle. Allowed: facilities within 10 m of the circle's edge, and the order of hits less than 1 m apart. \"Bleve's Earth model\" counts answers that differ beyond that but equal the oracle run with Bleve's own distance (a haversine whose Earth radius varies with latitude, 6356.8–6378.1 km instead of 6371.0 km, on quantized points).\n\n")
		w.printf("| workload | engine | checked | exact | edge ≤ 10 m | ties < 1 m | Bleve's Earth model | mismatches |\n|---|---|--:|--:|--:|--:|--:|--:|\n")
		for _, c := range d.Checks {
			bm := "—"
			if c.Engine == EngineBleve {
				bm = count(c.BleveModel)
			}
			w.printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Workload, c.Engine, count(c.Checked), count(c.Exact),
				count(c.Edge), count(c.Tie), bm, mark(c.Mismatches))
		}
		for _, c := range d.Checks {
			for _, ex := range c.Examples {
				w.printf("\n- mismatch, %s, %s: %s", c.Engine, c.Workload, ex)
			}
		}
		w.printf("\n")
	}
	if t := d.Text; t != nil {
		w.printf("\nText queries are not checked against the oracle (stemming and typo tolerance have no brute-force equivalent; the scan does not run them). %s and %s gave the same total for %s of %s queries and the same first page for %s (mean total %.1f, mean |difference| %.2f).\n",
			t.Engines[0], t.Engines[1], count(t.TotalsEqual), count(t.Compared), count(t.PagesEqual), t.MeanTotal, t.MeanAbsDiff)
	}
	var notes []string
	notes = append(notes, d.Notes...)
	for _, e := range d.Engines {
		notes = append(notes, e.Notes...)
	}
	if len(notes) > 0 {
		w.printf("\n")
		for _, n := range notes {
			w.printf("- %s\n", n)
		}
	}
}

func (r *Report) writeHTTP(w *errWriter) {
	var rows []string
	var verdicts []string
	for _, d := range r.Datasets {
		for _, e := range d.Engines {
			for _, h := range e.HTTP {
				mode := fmt.Sprintf("closed loop, %d connections", h.Connections)
				if h.Mode == "open" {
					mode = fmt.Sprintf("open loop at %s/s, %d connections", count(h.Rate), h.Connections)
				}
				bad := fmt.Sprintf("%d / %d", h.Non200, h.Errors)
				if h.Dropped > 0 {
					bad += fmt.Sprintf(" (+%d not sent)", h.Dropped)
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", d.Name, mode, secs(h.DurationS), count(h.Requests),
					count(int(math.Round(h.Stats.PerSecond))), dur(h.Stats.P50Ms), dur(h.Stats.P90Ms), dur(h.Stats.P99Ms), dur(h.Stats.MaxMs), bad))
				if h.Mode == "open" {
					verdicts = append(verdicts, fmt.Sprintf("%s: the open loop's pacer let 99%% of requests go within %s of their scheduled time.", d.Name, dur(h.PacerLateP99Ms)))
					ok := h.Stats.P99Ms <= 20 && h.Stats.PerSecond >= float64(h.Rate)*0.99 && h.Non200+h.Errors+h.Dropped == 0
					verdicts = append(verdicts, fmt.Sprintf("%s: %s requests/s answered (asked %s/s), p99 %s: the target \"≥ %s requests/s at p99 ≤ 20 ms\" is %s.",
						d.Name, count(int(math.Round(h.Stats.PerSecond))), count(h.Rate), dur(h.Stats.P99Ms), count(h.Rate), map[bool]string{true: "met", false: "NOT met"}[ok]))
				}
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	w.printf("\n### HTTP: carefinder through web.NewServer on 127.0.0.1\n\n")
	w.printf("Typical queries as `/api/v1/search?lat=…&lon=…&radius=25mi&care=…[&payment=…]`, JSON answers read in full, every status checked; a Go client with keep-alive in the same process (it shares the %d CPUs with the server, so these are floors). Open loop: requests sent on a fixed schedule, latency from the scheduled time (no coordinated omission).\n\n", r.Machine.NumCPU)
	w.printf("| dataset | mode | duration | requests | requests/s | p50 | p90 | p99 | max | non-200 / errors |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range rows {
		w.printf("%s\n", row)
	}
	for _, v := range verdicts {
		w.printf("\n%s\n", v)
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// dur formats milliseconds with a unit that keeps 3 significant digits.
func dur(msec float64) string {
	switch {
	case math.IsNaN(msec):
		return "—"
	case msec == 0:
		return "0"
	case msec < 1:
		return sig3(msec*1000) + " µs"
	case msec < 1000:
		return sig3(msec) + " ms"
	}
	return sig3(msec/1000) + " s"
}

func secs(s float64) string { return dur(s * 1000) }

func sig3(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

func kb(b float64) float64 {
	if b < 0 {
		return b
	}
	return b / 1024
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "—"
	}
	return "×" + sig3(a/b)
}

func num(x float64) string {
	if x < 0 || math.IsNaN(x) {
		return "—"
	}
	if x >= 1000 {
		return count(int(math.Round(x)))
	}
	return sig3(x)
}

func bytesMB(b int64) string {
	if b <= 0 {
		return "—"
	}
	return count(int(math.Round(float64(b)/(1<<20)))) + " MB"
}

func mark(n int) string {
	if n == 0 {
		return "0"
	}
	return "**" + count(n) + "**"
}

// count formats an integer with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
