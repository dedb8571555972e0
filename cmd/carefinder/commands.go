package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/carefinder/carefinder/data"
	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/geo"
	"github.com/carefinder/carefinder/internal/gcfloor"
	"github.com/carefinder/carefinder/search"
	"github.com/carefinder/carefinder/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const (
	// defaultDemoSize is how many demo facilities an empty directory gets.
	defaultDemoSize = 3000
	// demoSeed fixes the demo directory, so every fresh start shows the same.
	demoSeed = 2015
	// defaultRateLimit is the anonymous requests a minute one client address
	// may make: a person searching makes a few a minute, and a shared
	// address (a library, a clinic, a phone carrier's NAT) several people's
	// worth; a script looping over the API is held to two a second.
	defaultRateLimit = 120
	// usageFlushEvery is how often partner request counts are written.
	usageFlushEvery = 5 * time.Second
)

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "-dirty"
				}
			}
		}
		if rev != "" {
			return "dev-" + rev[:min(12, len(rev))] + dirty
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func versionCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	return func(_ context.Context, args []string, e env) error {
		if len(args) > 0 {
			return usageError{"version takes no arguments"}
		}
		fmt.Fprintln(e.stdout, "carefinder", buildVersion())
		return nil
	}
}

// openStore opens the directory store the flags name.
func (sf *storeFlags) openStore(ctx context.Context) (*directory.Store, error) {
	dsn := sf.database
	if dsn == "" {
		if err := os.MkdirAll(sf.data, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		dsn = filepath.Join(sf.data, "carefinder.db")
	}
	s, err := directory.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open directory store: %w", err)
	}
	return s, nil
}

func (sf *storeFlags) indexDir() string { return filepath.Join(sf.data, "index") }

// ServeConfig is everything `carefinder serve` needs.
type ServeConfig struct {
	storeFlags
	Addr         string
	DemoSize     int
	SyncInterval time.Duration
	// AccessLog is "all", "errors", "off" or "1/N".
	AccessLog string
	// RateLimit is anonymous requests a minute per client address; 0 for
	// none.
	RateLimit int
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// TileURL and TileAttribution are the search page's map tiles.
	TileURL         string
	TileAttribution string
	// GCFloorMiB is the heap, in MiB, the garbage collector lets grow
	// before a cycle while little is live (internal/gcfloor); 0 for Go's
	// default rule.
	GCFloorMiB int
	// GCHeadroomMiB caps, in MiB, the garbage the heap may gather
	// before a cycle once it is past the floor (internal/gcfloor); 0 for
	// Go's rule.
	GCHeadroomMiB int
	// Listening, if set, is told the bound address once the server
	// accepts connections (tests listen on :0).
	Listening func(addr string)
}

// defaultGCFloorMiB is serve's --gc-floor: see internal/gcfloor. It was
// 128: a server over 100,000 facilities, whose live heap is 60-75 MB, then
// collected only at 128 MB, and peaked above 200 MB with Bleve's files and
// the runtime's own; at 96 the 2015 directory (17 MB live) still collects
// more than four times less often than at Go's default.
const defaultGCFloorMiB = 96

// maxGCMiB bounds --gc-floor and --gc-headroom (1 TiB): larger values
// would overflow once turned into bytes.
const maxGCMiB = 1 << 20

// defaultGCHeadroomMiB is serve's --gc-headroom: see internal/gcfloor.
// It was 128, and at 100,000 facilities GOGC's own rule (as much garbage
// as is live) applied. Past 192 MB live the garbage is gcfloor's minimum
// of a quarter of the live heap instead (120 MB for the 480 MB of a
// million facilities, as 128 MB was before).
const defaultGCHeadroomMiB = 48

func serveCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	cfg := ServeConfig{}
	cfg.register(fs)
	fs.StringVar(&cfg.Addr, "addr", ":8080", "address to listen on, HOST:PORT")
	fs.IntVar(&cfg.DemoSize, "demo-size", defaultDemoSize, "facilities in the demo directory loaded into an empty store; 0 loads none")
	fs.DurationVar(&cfg.SyncInterval, "sync-interval", time.Second, "how often to pick up changes other processes wrote to the store")
	fs.StringVar(&cfg.AccessLog, "access-log", "all", "which requests to log: all, errors, off, or 1/N (one in N successful requests; errors always)")
	fs.IntVar(&cfg.RateLimit, "rate-limit", defaultRateLimit, "public API requests a minute per client address without a partner key; 0 for no limit (load tests, private deployments)")
	fs.Func("trusted-proxies", "comma-separated proxies (CIDR or address) whose X-Forwarded-For names the client, e.g. 127.0.0.1,10.0.0.0/8", func(s string) error {
		p, err := web.ParseTrustedProxies(s)
		cfg.TrustedProxies = p
		return err
	})
	fs.StringVar(&cfg.TileURL, "tile-url", web.DefaultTileURL, "map tiles of the search page: a URL template with {z}, {x}, {y} (and {s})")
	fs.StringVar(&cfg.TileAttribution, "tile-attribution", "", "the credit (HTML) the tile server asks for; empty means OpenStreetMap's with the default --tile-url")
	fs.IntVar(&cfg.GCHeadroomMiB, "gc-headroom", defaultGCHeadroomMiB, "MiB of garbage the heap may gather before the garbage collector runs, once the heap is past --gc-floor (less memory on a large directory, whose catalog is cheap to collect); 0 for Go's default; GOGC in the environment overrides it")
	fs.IntVar(&cfg.GCFloorMiB, "gc-floor", defaultGCFloorMiB, "MiB the heap may grow to before the garbage collector runs, while less is live (fewer collections on a small directory); 0 for Go's default; GOGC in the environment overrides it")
	return func(ctx context.Context, args []string, e env) error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q", args[0])}
		}
		logger := slog.New(slog.NewTextHandler(e.stderr, nil))
		return Serve(ctx, cfg, logger)
	}
}

// Serve runs the search service until ctx ends.
func Serve(ctx context.Context, cfg ServeConfig, logger *slog.Logger) error {
	start := time.Now()
	accessLog, err := web.ParseAccessLogPolicy(cfg.AccessLog)
	if err != nil {
		return usageError{err.Error()}
	}
	for _, f := range []struct {
		name string
		mib  int
	}{{"--gc-floor", cfg.GCFloorMiB}, {"--gc-headroom", cfg.GCHeadroomMiB}} {
		if f.mib < 0 || f.mib > maxGCMiB {
			return usageError{fmt.Sprintf("%s %d: want 0 to %d MiB", f.name, f.mib, maxGCMiB)}
		}
	}
	if f := gcfloor.Start(uint64(cfg.GCFloorMiB)<<20, uint64(cfg.GCHeadroomMiB)<<20); f != nil {
		defer f.Stop()
	}
	store, err := cfg.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	gaz, err := geo.NewGazetteer()
	if err != nil {
		return err
	}
	if err := loadDemoIfEmpty(ctx, store, gaz, cfg.DemoSize, logger); err != nil {
		return err
	}
	// Serve as soon as the catalog is built: Bleve, which only nationwide
	// text needs, is filled behind it (see search.WithBackgroundText).
	ix, err := search.Open(ctx, cfg.indexDir(), store, store.Taxonomy(), search.WithBackgroundText())
	if err != nil {
		return fmt.Errorf("open search index: %w", err)
	}
	defer ix.Close()
	st := ix.Stats()
	logger.Info("index ready", "facilities", st.Facilities, "seq", st.Seq, "text_index_ready", st.TextIndexReady, "took", time.Since(start).Round(time.Millisecond))
	if !st.TextIndexReady {
		go func() {
			if err := ix.Wait(ctx); err != nil {
				switch {
				case ctx.Err() != nil: // shutting down
				case errors.Is(err, context.Canceled):
					logger.Info("text index fill stopped: a rebuild replaced it")
				default:
					logger.Error("text index", "err", err)
				}
				return
			}
			logger.Info("text index ready", "took", time.Since(start).Round(time.Millisecond))
		}()
	}

	secret, err := webSecret(ctx, store)
	if err != nil {
		return err
	}
	srv := web.NewServer(web.Config{
		Index:     ix,
		Store:     store,
		Gazetteer: gaz,
		Taxonomy:  store.Taxonomy(),
		Logger:    logger,
		Version:   buildVersion(),
		AccessLog: accessLog,

		Partners:       store,
		RateLimit:      cfg.RateLimit,
		TrustedProxies: cfg.TrustedProxies,

		TileURL:         cfg.TileURL,
		TileAttribution: cfg.TileAttribution,
		Secret:          secret,
	})
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       web.ConnContext,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	ln = web.Listener(ln)
	logger.Info("listening", "addr", ln.Addr().String(), "data", cfg.data, "version", buildVersion())
	if cfg.Listening != nil {
		cfg.Listening(ln.Addr().String())
	}

	followCtx, stopFollow := context.WithCancel(ctx)
	defer stopFollow()
	go ix.Follow(followCtx, store, search.FollowOptions{Interval: cfg.SyncInterval, OnEvent: logFollowEvent(logger, ix)})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		flushUsage(followCtx, srv, logger)
	}()

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopFollow()
	<-flushed
	if err := srv.FlushUsage(shutdownCtx); err != nil {
		logger.Error("record partner usage", "err", err)
	}
	return nil
}

// logFollowEvent logs what the index's follower did.
func logFollowEvent(logger *slog.Logger, ix *search.Index) func(search.FollowEvent) {
	return func(ev search.FollowEvent) {
		switch ev.Kind {
		case "synced":
			logger.Info("index synced", "changes", ev.Changes, "seq", ix.Stats().Seq, "took", ev.Took.Round(time.Millisecond))
		case "rebuilt":
			logger.Info("index rebuilt", "reason", ev.Reason, "facilities", ix.Stats().Facilities, "took", ev.Took.Round(time.Millisecond))
		default:
			logger.Error("index", "err", ev.Err)
		}
	}
}

// flushUsage writes partner request counts every few seconds until ctx
// ends.
func flushUsage(ctx context.Context, srv *web.Server, logger *slog.Logger) {
	t := time.NewTicker(usageFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := srv.FlushUsage(ctx); err != nil && ctx.Err() == nil {
			logger.Error("record partner usage", "err", err)
		}
	}
}

// metaWebSecret is the store key of the secret that signs the report
// form's tokens and keys the hashes of reporters' addresses: kept in the
// store so that it outlives restarts and is shared by every server.
const metaWebSecret = "web_secret"

// webSecret returns the pages' secret, making one on first use.
func webSecret(ctx context.Context, store *directory.Store) ([]byte, error) {
	v, err := store.Meta(ctx, metaWebSecret)
	if err != nil {
		return nil, err
	}
	if v == "" {
		b := make([]byte, 32)
		rand.Read(b) // never fails (crypto/rand)
		v = hex.EncodeToString(b)
		if err := store.SetMeta(ctx, metaWebSecret, v); err != nil {
			return nil, err
		}
	}
	return []byte(v), nil
}

// loadDemoIfEmpty fills a store that has never held anything with the
// generated demo directory, so a fresh start has something to search.
func loadDemoIfEmpty(ctx context.Context, store *directory.Store, gaz *geo.Gazetteer, n int, logger *slog.Logger) error {
	seq, err := store.Seq(ctx)
	if err != nil || seq > 0 || n <= 0 {
		return err
	}
	start := time.Now()
	fs := data.GenerateDemo(data.DemoOptions{Seed: demoSeed, N: n, ZIPs: gaz.ZIPs(), Taxonomy: store.Taxonomy(), Now: time.Now().UTC()})
	res, err := store.Import(ctx, fs, directory.ImportOptions{})
	if err != nil {
		return fmt.Errorf("load demo directory: %w", err)
	}
	logger.Info("loaded the demo directory into the empty store", "facilities", res.Inserted, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func reindexCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	sf := &storeFlags{}
	sf.register(fs)
	return func(ctx context.Context, args []string, e env) error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q", args[0])}
		}
		store, err := sf.openStore(ctx)
		if err != nil {
			return err
		}
		defer store.Close()
		start := time.Now()
		// Opening also catches up (or builds a missing index); the
		// Rebuild below then starts from the store afresh regardless.
		ix, err := search.Open(ctx, sf.indexDir(), store, store.Taxonomy())
		if errors.Is(err, search.ErrLocked) {
			// The server holds the index; ask it to rebuild.
			if err := search.RequestRebuild(ctx, store); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, "The server holds the index; it was asked to rebuild it and will within a few seconds.")
			return nil
		}
		if err != nil {
			return err
		}
		defer ix.Close()
		if err := ix.Rebuild(ctx); err != nil {
			return err
		}
		st := ix.Stats()
		fmt.Fprintf(e.stdout, "Rebuilt the index: %d facilities, change sequence %d, in %s.\n", st.Facilities, st.Seq, time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// importFormat is a file format `carefinder import` reads.
type importFormat struct {
	name string
	// source is the Provenance.Source of the records it gives; "" for
	// formats whose records carry their own (ParseReport.Source).
	source string
	// stableIDs says the source's own ids name a facility across editions.
	stableIDs bool
	// parse reads a file; dirFile, when set, is the file it reads in a
	// directory given instead.
	parse   func(ctx context.Context, r io.Reader, opts data.ParseOptions) (*data.ParseReport, error)
	dirFile string
	// parseDir, when set, reads a directory of files (a file given
	// stands for its directory when there is no parse).
	parseDir func(ctx context.Context, fsys fs.FS, opts data.ParseOptions) (*data.ParseReport, error)
}

// importFormats are the formats this build reads.
func importFormats() []importFormat {
	return []importFormat{
		{name: "samhsa-2015", source: data.SAMHSA2015Source, parse: data.ParseSAMHSA2015},
		{name: "findtreatment", source: data.FindTreatmentSource, stableIDs: true, parse: data.ParseFindTreatment, parseDir: data.ParseFindTreatmentDir},
		{name: "hsds-json", stableIDs: true, parse: data.ParseHSDSJSON, dirFile: data.HSDSServicesFile},
		{name: "hsds-csv", stableIDs: true, parseDir: data.ParseHSDSCSV},
	}
}

func formatNames() string {
	var names []string
	for _, f := range importFormats() {
		names = append(names, f.name)
	}
	return strings.Join(names, ", ")
}

// importFlags are the options of `carefinder import`.
type importFlags struct {
	storeFlags
	format     string
	dryRun     bool
	verbose    bool
	partial    bool
	retireDemo bool
}

func importCommand(fs *flag.FlagSet) func(context.Context, []string, env) error {
	f := &importFlags{}
	f.register(fs)
	fs.StringVar(&f.format, "format", "", "input format: "+formatNames())
	fs.BoolVar(&f.dryRun, "dry-run", false, "check the file and report what would change, writing nothing")
	fs.BoolVar(&f.verbose, "verbose", false, "list every row's warnings, not only their count by kind")
	fs.BoolVar(&f.partial, "partial", false, "the file holds part of the source's directory: keep the source's facilities it does not list (by default a file is the whole edition, and they are removed)")
	fs.BoolVar(&f.retireDemo, "retire-demo", false, "remove the generated demo facilities from the directory in the same import")
	return func(ctx context.Context, args []string, e env) error {
		if f.format == "" {
			return usageError{"--format is required (" + formatNames() + ")"}
		}
		i := slices.IndexFunc(importFormats(), func(x importFormat) bool { return x.name == f.format })
		if i < 0 {
			return usageError{fmt.Sprintf("format %q is not supported; use one of: %s", f.format, formatNames())}
		}
		if len(args) != 1 {
			return usageError{"give exactly one FILE, or - for standard input"}
		}
		return runImport(ctx, f, importFormats()[i], args[0], e)
	}
}

// maxListed bounds how many rejections, and line numbers per kind of
// warning, are printed without --verbose.
const maxListed = 50

func runImport(ctx context.Context, f *importFlags, format importFormat, path string, e env) error {
	start := time.Now()
	store, err := f.openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, name, err := parseInput(ctx, format, path, e, data.ParseOptions{Taxonomy: store.Taxonomy(), Now: time.Now().UTC()})
	if err != nil {
		return err
	}
	parsed := time.Since(start)
	source := format.source
	if source == "" {
		source = rep.Source
	}
	for i, r := range rep.Rejected {
		if i == maxListed && !f.verbose {
			fmt.Fprintf(e.stderr, "%s: … and %d more rejected rows (--verbose lists all)\n", name, len(rep.Rejected)-maxListed)
			break
		}
		fmt.Fprintf(e.stderr, "%s:%d: rejected: %s\n", name, r.Line, r.Reason)
	}
	if f.verbose {
		for _, w := range rep.Warnings {
			fmt.Fprintf(e.stderr, "%s:%d: warning: %s\n", name, w.Line, w.Reason)
		}
	}

	// Demo and real data never mix silently: a real directory replaces a
	// store's demo, and a store holding both says so.
	opts := directory.ImportOptions{
		DryRun: f.dryRun, Source: source, SourceIDsStable: format.stableIDs, Complete: !f.partial,
		ListChanges: f.dryRun && f.verbose,
	}
	switch {
	case rep.Partial && opts.Complete:
		fmt.Fprintf(e.stdout, "%s is not the whole directory (see the warnings): importing it as --partial, so facilities it does not list stay.\n", name)
		opts.Complete = false
	case source == "" && len(rep.Records) > 0:
		// Records of several sources: there is no one edition to complete.
		fmt.Fprintf(e.stdout, "%s holds records of several sources: importing it as --partial, so facilities it does not list stay.\n", name)
		opts.Complete = false
	}
	sources, err := store.Sources(ctx)
	if err != nil {
		return err
	}
	demo, other := 0, 0
	for _, sc := range sources {
		if sc.Source == data.DemoSource {
			demo = sc.Active
		} else if sc.Source != source {
			other += sc.Active
		}
	}
	if source != data.DemoSource && demo > 0 && (other == 0 || f.retireDemo) {
		opts.Retire = []string{data.DemoSource}
	}

	facilities := make([]directory.Facility, len(rep.Records))
	for i, r := range rep.Records {
		facilities[i] = r.Facility
	}
	var progress func(int)
	if file, ok := e.stderr.(*os.File); ok && isTerminal(file) {
		bar := progressbar.NewOptions(len(facilities),
			progressbar.OptionSetWriter(file), progressbar.OptionSetDescription("writing"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
		progress = func(done int) { bar.Set(done) }
		defer bar.Finish()
	}
	opts.Progress = progress
	res, err := store.Import(ctx, facilities, opts)
	if err != nil {
		return fmt.Errorf("%s: nothing was written: %w", name, err)
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(e.stderr, "%s:%d: rejected: is not a valid facility: %v\n", name, rep.Records[r.Index].Line, r.Err)
		rep.Rejected = append(rep.Rejected, data.Rejection{Line: rep.Records[r.Index].Line, Reason: r.Err.Error()})
	}
	printImportSummary(e.stdout, name, rep, res, f.dryRun, parsed, time.Since(start))
	if f.dryRun && f.verbose {
		for _, c := range res.Changes {
			fmt.Fprintf(e.stdout, "  would be %-9s %s  %s\n", c.Kind+":", c.ID, c.Name)
		}
	}
	switch {
	case res.Retired > 0:
		fmt.Fprintf(e.stdout, "The store held the generated demo directory: its %d fictional facilities %s removed from search, so results show real facilities only.\n",
			res.Retired, wouldBe(f.dryRun, "were", "would be"))
	case demo > 0 && source != data.DemoSource:
		fmt.Fprintf(e.stdout, "Warning: the directory also holds %d generated demo facilities (fictional names and phone numbers) that search shows beside the real ones; import again with --retire-demo to remove them.\n", demo)
	}
	if !f.dryRun && res.Inserted+res.Updated+res.Removed+res.Retired > 0 {
		fmt.Fprintln(e.stdout, "A running server picks the changes up within seconds; otherwise the index catches up when it next starts.")
	}
	return nil
}

// isTerminal reports whether f is a terminal, where progress bars go.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

func retiredNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d demo facilities retired", n)
}

// parseInput reads the file, directory or standard input (path "-") that
// an import names, with format. name is what messages call it.
func parseInput(ctx context.Context, format importFormat, path string, e env, opts data.ParseOptions) (rep *data.ParseReport, name string, err error) {
	if path == "-" {
		if format.parse == nil {
			return nil, "<stdin>", usageError{fmt.Sprintf("format %s reads a directory of files, not standard input", format.name)}
		}
		rep, err := format.parse(ctx, bufio.NewReaderSize(e.stdin, 1<<16), opts)
		if err != nil {
			return nil, "<stdin>", fmt.Errorf("<stdin>: %w", err)
		}
		return rep, "<stdin>", nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, path, err
	}
	if format.parseDir != nil && (st.IsDir() || format.parse == nil) {
		dir := path
		if !st.IsDir() {
			dir = filepath.Dir(path)
		}
		rep, err := format.parseDir(ctx, os.DirFS(dir), opts)
		if err != nil {
			return nil, dir, fmt.Errorf("%s: %w", dir, err)
		}
		return rep, dir, nil
	}
	if st.IsDir() {
		if format.dirFile == "" {
			return nil, path, usageError{fmt.Sprintf("%s is a directory; format %s reads one file (several pages may be concatenated: cat %s/*.json | carefinder import --format %s -)",
				path, format.name, path, format.name)}
		}
		path = filepath.Join(path, format.dirFile)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, path, err
	}
	defer file.Close()
	var in io.Reader = file
	if term, ok := e.stderr.(*os.File); ok && isTerminal(term) {
		if st, err := file.Stat(); err == nil {
			// A big file takes seconds to read: show how far along it is.
			bar := progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(term), progressbar.OptionSetDescription("reading"),
				progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
			in = io.TeeReader(file, bar)
			defer bar.Finish()
		}
	}
	rep, err = format.parse(ctx, bufio.NewReaderSize(in, 1<<16), opts)
	if err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	return rep, path, nil
}

func wouldBe(dryRun bool, done, would string) string {
	if dryRun {
		return would
	}
	return done
}

// printImportSummary writes what an import did and what a person checking
// it should look at: the actionable kinds of warning first, with lines.
func printImportSummary(w io.Writer, name string, rep *data.ParseReport, res directory.ImportResult, dryRun bool, parsed, took time.Duration) {
	verb := "Imported"
	if dryRun {
		verb = "Dry run, nothing written: would import"
	}
	fmt.Fprintf(w, "%s %s: %d rows read, %d inserted, %d updated, %d unchanged, %d rejected, %d warnings (parse %s, total %s).\n",
		verb, name, len(rep.Records)+len(rep.Rejected), res.Inserted, res.Updated, res.Unchanged, len(rep.Rejected), len(rep.Warnings),
		parsed.Round(time.Millisecond), took.Round(time.Millisecond))
	if dryRun && res.Inserted+res.Updated+res.Removed+res.Retired > 0 {
		fmt.Fprintf(w, "Would change: %d new facilities, %d updated, %d removed from search%s (--verbose lists them).\n",
			res.Inserted, res.Updated, res.Removed, retiredNote(res.Retired))
	}
	if res.Recognized > 0 {
		fmt.Fprintf(w, "%d records were recognised as facilities already in the directory under another id (renamed, moved or renumbered) and kept their ids.\n", res.Recognized)
	}
	if res.Removed > 0 {
		fmt.Fprintf(w, "%d facilities of this source that the file no longer lists %s removed from search (their records stay; --partial keeps them).\n",
			res.Removed, wouldBe(dryRun, "were", "would be"))
	}
	if rep.NamesJoined > 0 {
		fmt.Fprintf(w, "%d names that the source wrapped over its name lines were joined back into one.\n", rep.NamesJoined)
	}
	if kinds := data.CountWarnings(rep.Warnings); len(kinds) > 0 {
		fmt.Fprintln(w, "Warnings by kind, the ones to act on first (--verbose lists every row):")
		for _, k := range kinds {
			fmt.Fprintf(w, "  %6d  %s", k.Count, k.Summary)
			if k.Action != "" {
				fmt.Fprintf(w, ": %s", k.Action)
			}
			fmt.Fprintf(w, "\n          lines %s\n", listLines(k.Lines, maxListed))
		}
	}
	if codes := data.SortedCodes(rep.UnmappedCodes); len(codes) > 0 {
		var parts []string
		for _, c := range codes {
			parts = append(parts, c.Code+"="+strconv.Itoa(c.Count))
		}
		fmt.Fprintf(w, "Codes with no term in the taxonomy yet, kept raw on each record (not searchable), and the rows carrying each: %s\n", strings.Join(parts, " "))
	}
}

// listLines writes at most max line numbers, saying how many more there are.
func listLines(lines []int, max int) string {
	var b strings.Builder
	for i, l := range lines {
		if i == max {
			fmt.Fprintf(&b, " … and %d more", len(lines)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(l))
	}
	return b.String()
}
