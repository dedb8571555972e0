package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"github.com/carefinder/carefinder/directory"
)

// Source is what an Index follows: the directory store's change sequence.
type Source interface {
	// ChangedSince returns up to limit facilities (removed ones included)
	// written after seq, in sequence order.
	ChangedSince(ctx context.Context, seq int64, limit int) ([]*directory.Facility, error)
}

var _ Source = (*directory.Store)(nil)

// ErrLocked is returned by Open when another process holds the index.
var ErrLocked = errors.New("the search index is held by another process (is `carefinder serve` running?)")

// Internal keys and files of the index directory.
const (
	internalSeq     = "carefinder:seq"
	internalMapping = "carefinder:mapping"
	currentFile     = "CURRENT"
	lockFile        = "LOCK"
	// batchSize is how many documents go into one Bleve batch: large
	// batches cost hundreds of MB (bleve #1304).
	batchSize = 1000
	// changesPage is how many changes one Sync reads at a time.
	changesPage = 1000
	// fillPage is how many records a fill reads at a time, and so the
	// most documents in one of its Bleve batches. A fill runs while
	// searches are served, its reader a page or two ahead of Bleve: at
	// 1000 its pages and batch kept 20-30 MB more of a 100,000-facility
	// server's heap live (gctrace: 82-100 MB during the fill, 63-75 MB at
	// 250), and the garbage collector lets the heap grow with what is live.
	fillPage = 250
	// applyChunk is how many changes Sync applies under one write lock:
	// searches wait for at most that many documents to be indexed.
	applyChunk = 256
	// snapshotEvery is how often a changing catalog is saved, so that a
	// crash does not leave much to catch up on at the next start.
	snapshotEvery = 5 * time.Minute
)

// ErrClosed is returned by a search of an Index that was closed.
var ErrClosed = errors.New("the search index is closed")

// Index is the search index of the directory. Its methods are safe for
// concurrent use; only one process may open an index directory. Searches
// read the current generation (see generation); writers (Sync, Rebuild,
// Follow) take turns.
type Index struct {
	dir    string
	src    Source
	tax    *directory.Taxonomy
	bits   *termBits
	labels *labelMatcher
	lock   *dirLock

	// syncMu serializes writers: Sync, Rebuild and Close.
	syncMu sync.Mutex
	cur    atomic.Pointer[generation]
	closed atomic.Bool

	// What a writer last saw of the store, for Stats.
	storeSeq  atomic.Int64
	storeErr  atomic.Pointer[brokenError]
	diskLow   atomic.Pointer[brokenError]
	rebuilds  atomic.Int64
	rebuildAt atomic.Pointer[time.Time] // when a broken generation is next replaced

	// minFree is the space kept free on the index's disk.
	minFree uint64
	// background says Open and Rebuild return once the catalog is built,
	// Bleve being filled behind (see WithBackgroundText).
	background bool
	// fill is the Bleve fill of the current generation still running, if
	// any; only a holder of syncMu replaces it.
	fill atomic.Pointer[bleveFill]
	// hooks lets tests inject faults; nil in production.
	hooks *testHooks
}

// testHooks are faults tests inject into the index's writes.
type testHooks struct {
	// batch, if set, runs before each Bleve batch and fails it with
	// its error.
	batch func() error
}

// Option configures Open.
type Option func(*Index)

// WithBackgroundText makes Open and Rebuild publish a new generation as
// soon as its catalog is built, and fill its Bleve index behind it: every
// search is answered meanwhile (text by the catalog's word index, which
// scores as Bleve does), and Stats.TextIndexReady says when Bleve has
// caught up. Without it they return only once Bleve is filled too. Wait
// waits for the fill either way.
func WithBackgroundText() Option { return func(ix *Index) { ix.background = true } }

// WithMinFreeDisk sets the space the index leaves free on its disk; below
// it the index stops taking changes until there is room (see minFreeDisk,
// the default).
func WithMinFreeDisk(bytes uint64) Option { return func(ix *Index) { ix.minFree = bytes } }

// Stats describes an index.
type Stats struct {
	// Facilities is the number of active facilities searches see.
	Facilities int `json:"facilities"`
	// Seq is the last change of the store the index reflects.
	Seq int64 `json:"seq"`
	// StoreSeq is the store's last change, as last read; Lag is how many
	// changes the index is behind it.
	StoreSeq int64 `json:"store_seq"`
	Lag      int64 `json:"lag"`
	// BuiltAt is when the current generation was built or opened.
	BuiltAt time.Time `json:"built_at"`
	// Generation names the current generation (its index directory);
	// Bytes is its size on disk when built or opened.
	Generation string `json:"generation"`
	Bytes      uint64 `json:"bytes"`
	// Rebuilds counts the generations built since the index opened.
	Rebuilds int64 `json:"rebuilds"`
	// TextIndexReady is false while the current generation's Bleve index
	// is still being filled (see WithBackgroundText): nationwide text is
	// then answered by the catalog's word index.
	TextIndexReady bool `json:"text_index_ready"`
	// Broken says why the current generation takes no more changes: a
	// write to its index failed. Searches still get its answers; a fresh
	// generation replaces it as soon as one can be built.
	Broken      string    `json:"broken,omitempty"`
	BrokenSince time.Time `json:"broken_since,omitzero"`
	// StoreError says why the index could not read the store's changes
	// last time it tried: searches still get answers, perhaps stale.
	StoreError      string    `json:"store_error,omitempty"`
	StoreErrorSince time.Time `json:"store_error_since,omitzero"`
	// NextRebuild is when Follow next tries to replace a broken
	// generation, after a failed try.
	NextRebuild time.Time `json:"next_rebuild,omitzero"`
	// DiskLow says the index's disk is too full to take changes safely:
	// searches answer from what the index holds until there is room.
	DiskLow      string    `json:"disk_low,omitempty"`
	DiskLowSince time.Time `json:"disk_low_since,omitzero"`
}

// Open opens the index in dir, creating or rebuilding it from src when it
// is missing, unreadable or of an older layout, then catches up with every
// change src has. Index directories left by an interrupted rebuild are
// removed. It returns ErrLocked if another process holds dir.
func Open(ctx context.Context, dir string, src Source, tax *directory.Taxonomy, opts ...Option) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, src: src, tax: tax, bits: newTermBits(tax), lock: lock, minFree: minFreeDisk,
		labels: newLabelMatcher(tax, newMapping().AnalyzerNamed(en.AnalyzerName))}
	for _, o := range opts {
		o(ix)
	}
	if err := ix.open(ctx); err != nil {
		lock.unlock()
		return nil, err
	}
	if !ix.background {
		if err := ix.waitFill(ctx); err != nil {
			ix.Close()
			return nil, err
		}
	}
	return ix, nil
}

func (ix *Index) open(ctx context.Context) error {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	name := ix.currentName()
	ix.removeStale(name)
	storeSeq, knowsSeq := ix.sourceSeq(ctx)
	path := filepath.Join(ix.dir, name)
	idx, bleveSeq, err := openBleve(path)
	if err == nil && knowsSeq && bleveSeq > storeSeq {
		// The index is ahead of the store: the store was replaced.
		idx.Close()
		err = fmt.Errorf("index at change %d, store at %d", bleveSeq, storeSeq)
	}
	if err != nil {
		// Missing, unreadable, outdated or from another store: build
		// anew from the store.
		return ix.rebuildLocked(ctx)
	}
	cat, catSeq, err := loadSnapshot(ix.dir, ix.bits)
	if err != nil || (knowsSeq && catSeq > storeSeq) {
		if cat, catSeq, err = ix.loadCatalog(ctx); err != nil {
			idx.Close()
			return err
		}
	}
	// Bring Bleve and the catalog to the same change before anyone reads
	// them: after a crash they may stand at different ones.
	seq, err := ix.catchUp(ctx, idx, bleveSeq, cat, catSeq)
	if err != nil {
		idx.Close()
		return err
	}
	g := newGeneration(name, path, idx, cat, seq)
	g.snapSeq = catSeq
	g.bytes = dirBytes(path)
	g.textReady.Store(true)
	ix.cur.Store(g)
	_, err = ix.syncLocked(ctx)
	return err
}

// catchUp applies the store's changes after bleveSeq to idx and those after
// catSeq to cat, and returns the change both then stand at. Nothing reads
// them yet.
func (ix *Index) catchUp(ctx context.Context, idx bleve.Index, bleveSeq int64, cat *catalog, catSeq int64) (int64, error) {
	from := min(bleveSeq, catSeq)
	for {
		fs, err := ix.src.ChangedSince(ctx, from, changesPage)
		if err != nil {
			return 0, fmt.Errorf("open index: read changes: %w", err)
		}
		if len(fs) == 0 {
			return from, nil
		}
		var forBleve []*directory.Facility
		for _, f := range fs {
			if f.Seq > bleveSeq {
				forBleve = append(forBleve, f)
			}
			if f.Seq > catSeq {
				cat.apply(f)
			}
		}
		from = fs[len(fs)-1].Seq
		if err := ix.writeBleve(idx, forBleve, from); err != nil {
			return 0, fmt.Errorf("open index: %w", err)
		}
	}
}

// sourceSeq asks the source for its last change number, if it can tell.
func (ix *Index) sourceSeq(ctx context.Context) (int64, bool) {
	s, ok := ix.src.(interface {
		Seq(context.Context) (int64, error)
	})
	if !ok {
		return 0, false
	}
	seq, err := s.Seq(ctx)
	return seq, err == nil
}

func (ix *Index) currentName() string {
	b, err := os.ReadFile(filepath.Join(ix.dir, currentFile))
	if err != nil {
		return "index"
	}
	return strings.TrimSpace(string(b))
}

// openBleve opens an existing Bleve index and checks it was built by this
// version's mapping.
func openBleve(path string) (bleve.Index, int64, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, 0, err
	}
	idx, err := bleve.OpenUsing(path, bleveConfig())
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	v, err := idx.GetInternal([]byte(internalMapping))
	if err != nil || string(v) != mappingVersion {
		idx.Close()
		return nil, 0, fmt.Errorf("open %s: built with mapping %q, want %q", path, v, mappingVersion)
	}
	raw, err := idx.GetInternal([]byte(internalSeq))
	if err != nil {
		idx.Close()
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	seq, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		idx.Close()
		return nil, 0, fmt.Errorf("open %s: bad sequence %q", path, raw)
	}
	return idx, seq, nil
}

// bleveConfig is the scorch configuration of every Bleve index.
//
// Batches are unsafe: Batch returns once Bleve holds the batch in memory,
// not once it has written it to disk (scorch's default, which made a build
// wait for a thousand fsyncs and took 40 % of its time). Nothing is lost
// by it: Bleve persists whole snapshots, each with the change number
// writeBleve records in it, so after a crash Bleve reopens at some earlier
// change and catchUp applies the store's changes since.
func bleveConfig() map[string]any {
	return map[string]any{"bolt_timeout": "1s", "unsafe_batch": true}
}

// flushTimeout bounds how long a fill's end or a generation's close waits
// for Bleve to write what it holds (see flushBleve).
const flushTimeout = 30 * time.Second

// bleveStat reads one of scorch's counters.
func bleveStat(idx bleve.Index, key string) uint64 {
	m, _ := idx.StatsMap()["index"].(map[string]any)
	v, _ := m[key].(uint64)
	return v
}

// flushBleve waits until Bleve has written to disk every batch it held
// when called (batches are unsafe: see bleveConfig), or until ctx ends.
func flushBleve(ctx context.Context, idx bleve.Index) error {
	target := bleveStat(idx, "CurRootEpoch")
	for bleveStat(idx, "LastPersistedEpoch") < target {
		select {
		case <-ctx.Done():
			return fmt.Errorf("write the text index to disk: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// newBleve creates an empty Bleve index at path. It indexes no geopoint:
// the catalog does the geo search (see newMapping).
func newBleve(path string) (bleve.Index, error) {
	os.RemoveAll(path)
	idx, err := bleve.NewUsing(path, newMapping(), scorch.Name, scorch.Name, bleveConfig())
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", path, err)
	}
	if err := idx.SetInternal([]byte(internalMapping), []byte(mappingVersion)); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

// changesFunc reads a page of the changes after seq (see Source).
type changesFunc func(ctx context.Context, seq int64) ([]*directory.Facility, error)

// changes reads a page of the source's changes after seq, once.
func (ix *Index) changes(ctx context.Context, seq int64) ([]*directory.Facility, error) {
	return ix.src.ChangedSince(ctx, seq, changesPage)
}

// fillRetryMax bounds the wait between two tries of a fill to read a store
// that cannot be read.
const fillRetryMax = 5 * time.Second

// changesRetrying reads a page (fillPage) of the source's changes after
// seq for a fill, which must outlast a store outage (giving up would leave
// the generation broken, and a whole rebuild to do once the store is
// back): while the store cannot be read it says so in Stats.StoreError
// and tries again, each wait twice the last up to fillRetryMax, until ctx
// ends.
func (ix *Index) changesRetrying(ctx context.Context, seq int64) ([]*directory.Facility, error) {
	wait := 50 * time.Millisecond
	for {
		fs, err := ix.src.ChangedSince(ctx, seq, fillPage)
		if err == nil {
			ix.storeErr.Store(nil)
			return fs, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ix.storeErr.CompareAndSwap(nil, &brokenError{err: err, at: time.Now()})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, fillRetryMax)
	}
}

// eachPage reads the source's facilities with read, up to change upTo (all
// of them when upTo is negative), a page at a time in a goroutine that stays a page
// or two ahead, and calls each on every page in order. It returns the last
// change read and the first error of the reads or of each, which stops
// both. A record changed after upTo is not read: it is a change after it.
func (ix *Index) eachPage(ctx context.Context, upTo int64, read changesFunc, each func([]*directory.Facility) error) (last int64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []*directory.Facility, 2)
	var readErr error
	go func() {
		defer close(pages)
		var seq int64
		for {
			fs, err := read(ctx, seq)
			if err != nil {
				readErr = err
				return
			}
			n := len(fs)
			for upTo >= 0 && n > 0 && fs[n-1].Seq > upTo {
				n--
			}
			if n == 0 {
				return
			}
			select {
			case pages <- fs[:n]:
			case <-ctx.Done():
				return
			}
			if n < len(fs) {
				return
			}
			seq = fs[n-1].Seq
		}
	}()
	for fs := range pages {
		if err != nil {
			continue // drain
		}
		if err = each(fs); err != nil {
			cancel() // stop reading
		} else {
			last = fs[len(fs)-1].Seq
		}
	}
	// The reader is done: its error may be read.
	if err != nil {
		return 0, err
	}
	if readErr != nil {
		return 0, fmt.Errorf("read the store: %w", readErr)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return last, nil
}

// loadCatalog reads every facility from the source into a fresh catalog,
// and returns it with the last sequence number read.
func (ix *Index) loadCatalog(ctx context.Context) (*catalog, int64, error) {
	cat := newCatalog(ix.bits)
	seq, err := ix.eachPage(ctx, -1, ix.changes, func(fs []*directory.Facility) error {
		for _, f := range fs {
			cat.apply(f)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("load directory: %w", err)
	}
	return cat.finished(), seq, nil
}

// Rebuild builds a new generation from every record of the source, beside
// the current one, and publishes it; searches go on meanwhile against the
// current one, which closes once the last of them is done.
//
// With WithBackgroundText it returns once the new catalog is published,
// and Bleve is filled behind it.
func (ix *Index) Rebuild(ctx context.Context) error {
	ix.syncMu.Lock()
	if ix.closed.Load() {
		ix.syncMu.Unlock()
		return ErrClosed
	}
	err := ix.rebuildLocked(ctx)
	ix.syncMu.Unlock()
	if err != nil || ix.background {
		return err
	}
	return ix.waitFill(ctx)
}

func (ix *Index) rebuildLocked(ctx context.Context) (err error) {
	defer recoverInto(&err, "rebuild index")
	var need uint64
	if g := ix.cur.Load(); g != nil {
		need = g.bytes // the new generation takes about as much again
	}
	if err := ix.checkDisk(need); err != nil {
		ix.diskLow.Store(&brokenError{err: err, at: time.Now()})
		return fmt.Errorf("rebuild index: %w", err)
	}
	name := fmt.Sprintf("index-%d", time.Now().UnixNano())
	path := filepath.Join(ix.dir, name)
	idx, err := newBleve(path)
	if err != nil {
		os.RemoveAll(path)
		return err
	}
	// Stop the fill of the generation this one replaces, if any: its
	// Bleve is never going to be read.
	ix.stopFill()
	fail := func(err error) error {
		idx.Close()
		os.RemoveAll(path)
		return err
	}
	// The catalog first, alone: once it is built every search can be
	// answered (see Search), so it is published before Bleve is filled.
	cat, seq, err := ix.loadCatalog(ctx)
	if err != nil {
		return fail(fmt.Errorf("rebuild index: %w", err))
	}
	g := newGeneration(name, path, idx, cat, seq)
	g.snapSeq = -1 // not saved yet: the fill saves it
	old := ix.publish(g)
	ix.diskLow.Store(nil)
	// Directories of no generation (one that failed to open, say) go
	// now; the replaced generation's goes when its last search ends.
	keep := []string{name}
	if old != nil {
		keep = append(keep, old.name)
	}
	ix.removeStale(keep...)
	ix.rebuilds.Add(1)
	ix.rebuildAt.Store(nil)
	ix.startFill(g, seq)
	return nil
}

// bleveFill is the filling of a published generation's Bleve index from
// the store, in the background.
type bleveFill struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done closes
}

// startFill fills g's empty Bleve index with the store's records up to
// change upTo (those g's catalog was built from) in a goroutine, then,
// holding syncMu, with the changes Sync applied to the catalog meanwhile,
// and marks g's text index ready. The caller holds syncMu.
func (ix *Index) startFill(g *generation, upTo int64) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &bleveFill{cancel: cancel, done: make(chan struct{})}
	ix.fill.Store(f)
	go func() {
		defer close(f.done)
		defer cancel()
		f.err = ix.runFill(ctx, g, upTo)
		if f.err != nil && ctx.Err() == nil {
			// The catalog keeps answering everything; Follow replaces
			// the generation as it does any broken one.
			g.markBroken(f.err)
		}
	}()
}

// stopFill cancels the running fill, if any, and waits for it to end. The
// caller holds syncMu.
func (ix *Index) stopFill() {
	if f := ix.fill.Swap(nil); f != nil {
		f.cancel()
		<-f.done
	}
}

// waitFill waits for the current generation's fill, if one runs, and
// returns its error.
func (ix *Index) waitFill(ctx context.Context) error {
	f := ix.fill.Load()
	if f == nil {
		return nil
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait waits until the current generation's Bleve index is filled (see
// WithBackgroundText) and Bleve has finished merging what it wrote, so
// that nothing but searches runs; it returns the fill's error, if it
// failed. Benchmarks call it before they measure.
func (ix *Index) Wait(ctx context.Context) error {
	if err := ix.waitFill(ctx); err != nil {
		return err
	}
	for {
		g, err := ix.acquire()
		if err != nil {
			return err
		}
		busy, _ := g.bleve.StatsMap()["index"].(map[string]any)["index_bgthreads_active"].(bool)
		g.release()
		if !busy {
			return nil
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// runFill does startFill's work.
func (ix *Index) runFill(ctx context.Context, g *generation, upTo int64) (err error) {
	defer recoverInto(&err, "fill index")
	// The store's records up to upTo. A record changed after upTo comes
	// later, from the catch-up below.
	if _, err := ix.eachPage(ctx, upTo, ix.changesRetrying, func(fs []*directory.Facility) error {
		return ix.writeBleve(g.bleve, fs, upTo)
	}); err != nil {
		return fmt.Errorf("fill index: %w", err)
	}
	if err := g.bleve.SetInternal([]byte(internalSeq), []byte(strconv.FormatInt(upTo, 10))); err != nil {
		return fmt.Errorf("fill index: %w", err)
	}
	// Take syncMu, unless asked to stop: whoever stops a fill holds it.
	for !ix.syncMu.TryLock() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	defer ix.syncMu.Unlock()
	if ix.cur.Load() != g || ix.closed.Load() {
		return errors.New("fill index: the generation was replaced")
	}
	// The changes Sync applied to the catalog since upTo go to Bleve,
	// which nobody reads yet: searches go on meanwhile, and no lock of
	// theirs is held while the store is read. Newer changes are kept.
	var newer []*directory.Facility
	for from := upTo; ; {
		fs, err := ix.changesRetrying(ctx, from)
		if err != nil {
			return fmt.Errorf("fill index: %w", err)
		}
		if len(fs) == 0 {
			break
		}
		n := len(fs)
		for n > 0 && fs[n-1].Seq > g.seq {
			n--
		}
		if n > 0 {
			if err := ix.writeBleve(g.bleve, fs[:n], fs[n-1].Seq); err != nil {
				return fmt.Errorf("fill index: %w", err)
			}
		}
		newer = append(newer, fs[n:]...)
		from = fs[len(fs)-1].Seq
	}
	if err := ix.writeBleve(g.bleve, nil, g.seq); err != nil {
		return fmt.Errorf("fill index: %w", err)
	}
	// Then, in one step for searches, the newer changes go to both and
	// Bleve is read from now on: a facility changed after g.seq is in
	// Bleve only in its newer version, so searches must not see Bleve
	// before the catalog has that version too.
	g.mu.Lock()
	var err2 error
	if len(newer) > 0 {
		last := newer[len(newer)-1].Seq
		if err2 = ix.writeBleve(g.bleve, newer, last); err2 == nil {
			for _, f := range newer {
				g.cat.apply(f)
			}
			g.seq = last
		}
	}
	if err2 == nil {
		g.textReady.Store(true)
	}
	g.mu.Unlock()
	if err2 != nil {
		return fmt.Errorf("fill index: %w", err2)
	}
	// Now the generation is whole: save it as the one to open, once
	// Bleve has written it (within a bound: a disk that takes no more
	// writes must not hold syncMu for ever).
	fctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	if err := flushBleve(fctx, g.bleve); err != nil {
		return fmt.Errorf("fill index: %w", err)
	}
	if err := saveSnapshot(ix.dir, g.cat, g.seq); err != nil {
		return fmt.Errorf("fill index: %w", err)
	}
	g.snapSeq, g.snapAt = g.seq, time.Now()
	if err := writeFileAtomic(filepath.Join(ix.dir, currentFile), []byte(g.name+"\n")); err != nil {
		return fmt.Errorf("fill index: %w", err)
	}
	n := dirBytes(g.path)
	g.mu.Lock() // Stats reads it
	g.bytes = n
	g.mu.Unlock()
	return nil
}

// publish makes g the current generation and lets the one it replaces,
// which it returns, close once its last search is done.
func (ix *Index) publish(g *generation) *generation {
	old := ix.cur.Swap(g)
	if old != nil {
		old.retired.Store(true)
		old.release()
	}
	return old
}

// acquire pins the current generation; release it when done.
func (ix *Index) acquire() (*generation, error) {
	for {
		g := ix.cur.Load()
		if g == nil {
			return nil, ErrClosed
		}
		if g.tryAcquire() {
			return g, nil
		}
		// It closed between the load and the pin: a newer one is
		// current by now (or the index closed).
	}
}

// removeStale deletes index directories other than keep: those of
// rebuilds a crash interrupted, and of indexes that failed to open.
func (ix *Index) removeStale(keep ...string) {
	entries, _ := os.ReadDir(ix.dir)
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(keep, e.Name()) && (e.Name() == "index" || strings.HasPrefix(e.Name(), "index-")) {
			os.RemoveAll(filepath.Join(ix.dir, e.Name()))
		}
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeBleve writes facilities to a Bleve index in batches, active ones
// indexed and removed ones deleted, and records last as the change it
// reflects. A panic inside Bleve is returned as an error.
func (ix *Index) writeBleve(idx bleve.Index, fs []*directory.Facility, last int64) (err error) {
	defer recoverInto(&err, "index batch")
	for start := 0; start < len(fs); start += batchSize {
		if ix.hooks != nil && ix.hooks.batch != nil {
			if err := ix.hooks.batch(); err != nil {
				return fmt.Errorf("index batch: %w", err)
			}
		}
		b := idx.NewBatch()
		for _, f := range fs[start:min(start+batchSize, len(fs))] {
			if f.Active {
				if err := b.Index(f.ID, bleveDoc(f, ix.tax)); err != nil {
					return fmt.Errorf("index facility %s: %w", f.ID, err)
				}
			} else {
				b.Delete(f.ID)
			}
		}
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("index batch: %w", err)
		}
	}
	if err := idx.SetInternal([]byte(internalSeq), []byte(strconv.FormatInt(last, 10))); err != nil {
		return fmt.Errorf("index batch: record change %d: %w", last, err)
	}
	return nil
}

// recoverInto turns a panic into an error in *err, so that no failure deep
// in Bleve takes the process down.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: panic: %v", what, r)
	}
}

// Sync applies every change the source has beyond what the index holds and
// returns how many it applied. Writes made by other processes reach search
// this way; Follow calls it every second or so. A write to the index that
// fails marks the current generation broken (see Stats.Broken): it keeps
// answering, takes no more changes, and Rebuild replaces it.
func (ix *Index) Sync(ctx context.Context) (int, error) {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	return ix.syncLocked(ctx)
}

// ErrBroken wraps the error of a generation that failed a write.
var ErrBroken = errors.New("the search index failed a write and takes no more changes until it is rebuilt")

func (ix *Index) syncLocked(ctx context.Context) (int, error) {
	g, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	defer g.release()
	if b := g.brokenBy(); b != nil {
		if seq, ok := ix.sourceSeq(ctx); ok {
			ix.storeSeq.Store(seq) // for Stats.Lag
		}
		return 0, fmt.Errorf("%w: %v", ErrBroken, b)
	}
	applied := 0
	for {
		fs, err := ix.src.ChangedSince(ctx, g.seq, changesPage)
		if err != nil {
			if ctx.Err() == nil {
				ix.storeErr.CompareAndSwap(nil, &brokenError{err: err, at: time.Now()})
			}
			return applied, fmt.Errorf("sync index: read changes: %w", err)
		}
		ix.storeErr.Store(nil)
		if len(fs) == 0 {
			ix.storeSeq.Store(g.seq)
			break
		}
		ix.storeSeq.Store(max(ix.storeSeq.Load(), fs[len(fs)-1].Seq))
		if err := ix.checkDisk(g.bytes); err != nil {
			ix.diskLow.Store(&brokenError{err: err, at: time.Now()})
			return applied, err
		}
		ix.diskLow.Store(nil)
		for start := 0; start < len(fs); start += applyChunk {
			if err := ix.apply(g, fs[start:min(start+applyChunk, len(fs))]); err != nil {
				g.markBroken(err)
				return applied, fmt.Errorf("%w: %v", ErrBroken, err)
			}
			applied += min(applyChunk, len(fs)-start)
		}
	}
	if g.cat.needsCompaction() {
		// Build the compacted catalog beside the old one (nothing else
		// writes it: we hold syncMu), then swap it in.
		c := g.cat.compacted()
		g.mu.Lock()
		g.cat = c
		g.mu.Unlock()
	}
	if g.seq != g.snapSeq && time.Since(g.snapAt) > snapshotEvery {
		if err := saveSnapshot(ix.dir, g.cat, g.seq); err != nil {
			return applied, err
		}
		g.snapSeq, g.snapAt = g.seq, time.Now()
	}
	return applied, nil
}

// apply writes one chunk of changes to both halves of g under its write
// lock, so that a search sees all of it or none.
func (ix *Index) apply(g *generation, fs []*directory.Facility) error {
	last := fs[len(fs)-1].Seq
	g.mu.Lock()
	defer g.mu.Unlock()
	// A generation whose Bleve is still being filled gets these changes
	// from the fill's catch-up.
	if g.textReady.Load() {
		if err := ix.writeBleve(g.bleve, fs, last); err != nil {
			return err
		}
	}
	for _, f := range fs {
		g.cat.apply(f)
	}
	g.seq = last
	return nil
}

// Get returns the active facility with the given id, as the index has it.
func (ix *Index) Get(id string) (*directory.Facility, bool) {
	g, err := ix.acquire()
	if err != nil {
		return nil, false
	}
	defer g.release()
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.cat.get(id)
}

// Stats returns the index's size, position in the change sequence and
// health.
func (ix *Index) Stats() Stats {
	g, err := ix.acquire()
	if err != nil {
		return Stats{}
	}
	defer g.release()
	g.mu.RLock()
	st := Stats{Facilities: g.cat.live, Seq: g.seq, BuiltAt: g.built, Generation: g.name, Bytes: g.bytes, Rebuilds: ix.rebuilds.Load(),
		TextIndexReady: g.textReady.Load()}
	g.mu.RUnlock()
	st.StoreSeq = max(ix.storeSeq.Load(), st.Seq)
	st.Lag = st.StoreSeq - st.Seq
	if b := g.broken.Load(); b != nil {
		st.Broken, st.BrokenSince = b.err.Error(), b.at
	}
	if e := ix.storeErr.Load(); e != nil {
		st.StoreError, st.StoreErrorSince = e.err.Error(), e.at
	}
	if at := ix.rebuildAt.Load(); at != nil && st.Broken != "" {
		st.NextRebuild = *at
	}
	if d := ix.diskLow.Load(); d != nil {
		st.DiskLow, st.DiskLowSince = d.err.Error(), d.at
	}
	return st
}

// Close saves the catalog, closes the index once the searches in flight
// are done, and releases the directory.
func (ix *Index) Close() error {
	// A fill waiting for the store to come back may hold syncMu: ask it to
	// stop first.
	if f := ix.fill.Load(); f != nil {
		f.cancel()
	}
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	if ix.closed.Swap(true) {
		return nil
	}
	ix.stopFill()
	g := ix.cur.Swap(nil)
	if g == nil {
		ix.lock.unlock()
		return nil
	}
	var err error
	if g.seq != g.snapSeq && g.brokenBy() == nil {
		err = saveSnapshot(ix.dir, g.cat, g.seq)
	}
	// Wait for the searches in flight: the last one closes g.
	g.release()
	for g.refs.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
	err = errors.Join(err, g.close())
	ix.lock.unlock()
	return err
}

// Search answers q. Bad queries get a *directory.Error naming the
// parameter.
func (ix *Index) Search(ctx context.Context, q Query) (res *Result, err error) {
	if err := q.Normalize(ix.tax); err != nil {
		return nil, err
	}
	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	defer recoverInto(&err, "search")
	g.mu.RLock()
	defer g.mu.RUnlock()
	var scores []textHit
	var wq *wordQuery
	within := q.Text != "" && q.HasLocation && q.RadiusKm > 0
	switch {
	case q.Text == "":
	case within || g.brokenBy() != nil || !g.textReady.Load():
		if wq = g.cat.words.compile(q.Text, ix.labels, ix.bits); wq == nil {
			return nil, noWordsError(q.Text)
		}
		// Within a radius, only the facilities inside it need scoring:
		// the catalog's word index does it, with Bleve's matching and
		// scoring. It also stands in for Bleve when Bleve may not be
		// read (after a failed write its segments can be half closed)
		// or is still being filled (see WithBackgroundText).
		scores = g.cat.textHits(&q, wq)
	default:
		if scores, err = ix.textScores(ctx, g, &q); err != nil {
			return nil, err
		}
	}
	if res, err = g.cat.run(ctx, &q, scores, within); err != nil {
		return nil, err
	}
	res.Seq, res.Query = g.seq, q
	if res.Total > 0 || !within {
		return res, nil
	}
	// Nothing matched the text within the radius: how far is the nearest
	// match anywhere? (The same generation answers.)
	if d, found := g.cat.nearestText(&q, wq); found {
		res.NearestKm = &d
	}
	return res, nil
}

// noWordsError refuses a text made only of words too common to search
// ("the", "of and") or of no words at all (punctuation, control
// characters): it would match nothing, and an empty answer would not say
// why.
func noWordsError(text string) *QueryError {
	return queryErrorf(FieldText, "has no word to search for: %q is made of words too common to search, such as \"the\" or \"and\", or of no words at all; use other words, or leave it empty", text)
}

// textScores asks g's Bleve index for every facility matching q's text,
// everywhere, with its catalog position and relevance score. The filters
// are left to the catalog: facilities that fail one group's filter still
// count in that group's facets. The caller holds g.mu for reading.
func (ix *Index) textScores(ctx context.Context, g *generation, q *Query) ([]textHit, error) {
	conj, ok := ix.textQuery(q.Text)
	if !ok {
		return nil, noWordsError(q.Text)
	}
	// Words found in the name itself (exactly: the fuzzy match is above)
	// rank a facility higher.
	name := bleve.NewMatchQuery(q.Text)
	name.SetField(fieldName)
	name.SetBoost(3)
	top := bleve.NewBooleanQuery()
	top.AddMust(conj)
	top.AddShould(name)

	req := bleve.NewSearchRequestOptions(top, max(len(g.cat.entries), 1), 0, false)
	res, err := g.bleve.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("text search: %w", err)
	}
	scores := make([]textHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		if i, ok := g.cat.lookup(h.ID); ok {
			scores = append(scores, textHit{pos: i, score: h.Score})
		}
	}
	return scores, nil
}

// textQuery requires every word of text to match, typo-tolerant, in the
// facility's names and address (field all) or as the label of a service it
// offers. It reports false when no word survives analysis (only stop
// words).
func (ix *Index) textQuery(text string) (*bquery.ConjunctionQuery, bool) {
	conj := bleve.NewConjunctionQuery()
	for _, word := range strings.Fields(text) {
		if len(ix.labels.analyze(word)) == 0 {
			continue
		}
		m := bleve.NewMatchQuery(word)
		m.SetField(fieldAll)
		m.SetAutoFuzziness(true)
		m.SetOperator(bquery.MatchQueryOperatorAnd)
		either := []bquery.Query{m}
		for _, ref := range ix.labels.match(word) {
			tq := bleve.NewTermQuery(ref.Slug)
			tq.SetField(string(ref.Group))
			either = append(either, tq)
		}
		conj.AddQuery(bleve.NewDisjunctionQuery(either...))
	}
	return conj, len(conj.Conjuncts) > 0
}
