package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	// maxTextCandidates is the most facilities within a radius that a
	// text search names to Bleve one by one; beyond it Bleve searches
	// everywhere and the catalog keeps those within the radius.
	maxTextCandidates = 20000
	// snapshotEvery is how often a changing catalog is saved, so that a
	// crash does not leave much to catch up on at the next start.
	snapshotEvery = 5 * time.Minute
)

// Index is the search index of the directory. Its methods are safe for
// concurrent use; only one process may open an index directory.
type Index struct {
	dir    string
	src    Source
	tax    *directory.Taxonomy
	bits   *termBits
	labels *labelMatcher
	lock   *dirLock

	// syncMu serializes writers (Sync, Rebuild).
	syncMu sync.Mutex

	mu       sync.RWMutex // guards everything below
	bleve    bleve.Index
	cat      *catalog
	bleveSeq int64 // last change applied to Bleve
	catSeq   int64 // last change applied to the catalog
	built    time.Time
	snapSeq  int64     // catSeq when the catalog was last saved
	snapAt   time.Time // when it was
}

// Stats describes an index.
type Stats struct {
	Facilities int       `json:"facilities"`
	Seq        int64     `json:"seq"`
	IndexSeq   int64     `json:"index_seq"`
	BuiltAt    time.Time `json:"built_at"`
}

// Open opens the index in dir, creating or rebuilding it from src when it
// is missing, unreadable or of an older layout, then catches up with every
// change src has. It returns ErrLocked if another process holds dir.
func Open(ctx context.Context, dir string, src Source, tax *directory.Taxonomy) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, lockFile))
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, src: src, tax: tax, bits: newTermBits(tax), lock: lock,
		labels: newLabelMatcher(tax, newMapping().AnalyzerNamed(en.AnalyzerName))}
	if err := ix.open(ctx); err != nil {
		lock.unlock()
		return nil, err
	}
	return ix, nil
}

func (ix *Index) open(ctx context.Context) error {
	name := ix.currentName()
	storeSeq, knowsSeq := ix.sourceSeq(ctx)
	idx, seq, err := openBleve(filepath.Join(ix.dir, name))
	if err == nil && knowsSeq && seq > storeSeq {
		// The index is ahead of the store: the store was replaced.
		idx.Close()
		err = fmt.Errorf("index at change %d, store at %d", seq, storeSeq)
	}
	if err != nil {
		// Missing, unreadable, outdated or from another store: build
		// anew from the store.
		return ix.Rebuild(ctx)
	}
	cat, catSeq, err := loadSnapshot(ix.dir, ix.bits)
	if err != nil || (knowsSeq && catSeq > storeSeq) {
		if cat, catSeq, err = ix.loadCatalog(ctx, nil); err != nil {
			idx.Close()
			return err
		}
	}
	ix.bleve, ix.bleveSeq, ix.cat, ix.catSeq, ix.built = idx, seq, cat, catSeq, time.Now()
	ix.snapSeq, ix.snapAt = catSeq, time.Now()
	_, err = ix.Sync(ctx)
	return err
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

// saveSnapshotLocked saves the catalog; ix.mu must be held (read or write).
func (ix *Index) saveSnapshotLocked() error {
	if err := saveSnapshot(ix.dir, ix.cat, ix.catSeq); err != nil {
		return err
	}
	ix.snapSeq, ix.snapAt = ix.catSeq, time.Now()
	return nil
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
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": "1s"})
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

// newBleve creates an empty Bleve index at path. Geopoints keep Bleve's
// default encoding: the S2 plugin (faster for geo queries, shared/BLEVE.md)
// races with itself on concurrent bounding-box queries (seen with -race in
// blevesearch/geo's RegionTermIndexer), and this index only uses a box to
// narrow text matches; the catalog does the geo search.
func newBleve(path string) (bleve.Index, error) {
	os.RemoveAll(path)
	idx, err := bleve.NewUsing(path, newMapping(), scorch.Name, scorch.Name, map[string]any{
		"bolt_timeout": "1s",
	})
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", path, err)
	}
	if err := idx.SetInternal([]byte(internalMapping), []byte(mappingVersion)); err != nil {
		idx.Close()
		return nil, err
	}
	return idx, nil
}

// loadCatalog reads every facility from the source into a fresh catalog;
// each page is also passed to also, when set. It returns the catalog and
// the last sequence number read.
func (ix *Index) loadCatalog(ctx context.Context, also func([]*directory.Facility) error) (*catalog, int64, error) {
	cat := newCatalog(ix.bits)
	var seq int64
	for {
		fs, err := ix.src.ChangedSince(ctx, seq, changesPage)
		if err != nil {
			return nil, 0, fmt.Errorf("load directory: %w", err)
		}
		if len(fs) == 0 {
			break
		}
		for _, f := range fs {
			cat.apply(f)
		}
		if also != nil {
			if err := also(fs); err != nil {
				return nil, 0, err
			}
		}
		seq = fs[len(fs)-1].Seq
	}
	cat.compact()
	return cat, seq, nil
}

// Rebuild builds a new index from every record of the source, beside the
// current one, then swaps it in; searches continue meanwhile against the
// old one.
func (ix *Index) Rebuild(ctx context.Context) error {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	name := fmt.Sprintf("index-%d", time.Now().UnixNano())
	path := filepath.Join(ix.dir, name)
	idx, err := newBleve(path)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		idx.Close()
		os.RemoveAll(path)
		return err
	}
	cat, seq, err := ix.loadCatalog(ctx, func(fs []*directory.Facility) error {
		return indexBatch(idx, fs, ix.tax)
	})
	if err != nil {
		return fail(err)
	}
	if err := idx.SetInternal([]byte(internalSeq), []byte(strconv.FormatInt(seq, 10))); err != nil {
		return fail(fmt.Errorf("rebuild index: %w", err))
	}
	if err := writeFileAtomic(filepath.Join(ix.dir, currentFile), []byte(name+"\n")); err != nil {
		return fail(fmt.Errorf("rebuild index: %w", err))
	}
	if err := saveSnapshot(ix.dir, cat, seq); err != nil {
		return fail(err)
	}
	ix.mu.Lock()
	old := ix.bleve
	ix.bleve, ix.bleveSeq, ix.cat, ix.catSeq, ix.built = idx, seq, cat, seq, time.Now()
	ix.snapSeq, ix.snapAt = seq, time.Now()
	ix.mu.Unlock()
	if old != nil {
		old.Close()
	}
	ix.removeStale(name)
	return nil
}

// removeStale deletes index directories other than the current one.
func (ix *Index) removeStale(current string) {
	entries, _ := os.ReadDir(ix.dir)
	for _, e := range entries {
		if e.IsDir() && e.Name() != current && (e.Name() == "index" || strings.HasPrefix(e.Name(), "index-")) {
			os.RemoveAll(filepath.Join(ix.dir, e.Name()))
		}
	}
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// indexBatch writes facilities to Bleve in batches: active ones indexed,
// removed ones deleted.
func indexBatch(idx bleve.Index, fs []*directory.Facility, tax *directory.Taxonomy) error {
	for start := 0; start < len(fs); start += batchSize {
		b := idx.NewBatch()
		for _, f := range fs[start:min(start+batchSize, len(fs))] {
			if f.Active {
				if err := b.Index(f.ID, bleveDoc(f, tax)); err != nil {
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
	return nil
}

// Sync applies every change the source has beyond what the index holds and
// returns how many it applied. Writes made by other processes reach search
// this way; the server calls it every second or so.
func (ix *Index) Sync(ctx context.Context) (int, error) {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	applied := 0
	for {
		ix.mu.RLock()
		from := min(ix.bleveSeq, ix.catSeq)
		ix.mu.RUnlock()
		fs, err := ix.src.ChangedSince(ctx, from, changesPage)
		if err != nil {
			return applied, fmt.Errorf("sync index: %w", err)
		}
		if len(fs) == 0 {
			return applied, nil
		}
		last := fs[len(fs)-1].Seq
		var forBleve []*directory.Facility
		for _, f := range fs {
			if f.Seq > ix.bleveSeq {
				forBleve = append(forBleve, f)
			}
		}
		if len(forBleve) > 0 {
			b := ix.bleve
			if err := indexBatch(b, forBleve, ix.tax); err != nil {
				return applied, fmt.Errorf("sync index: %w", err)
			}
			if err := b.SetInternal([]byte(internalSeq), []byte(strconv.FormatInt(last, 10))); err != nil {
				return applied, fmt.Errorf("sync index: %w", err)
			}
		}
		ix.mu.Lock()
		for _, f := range fs {
			if f.Seq > ix.catSeq {
				ix.cat.apply(f)
			}
		}
		if ix.cat.needsCompaction() {
			ix.cat.compact()
		}
		ix.bleveSeq, ix.catSeq = max(ix.bleveSeq, last), max(ix.catSeq, last)
		ix.mu.Unlock()
		applied += len(fs)
		if ix.catSeq != ix.snapSeq && time.Since(ix.snapAt) > snapshotEvery {
			ix.mu.RLock()
			err := ix.saveSnapshotLocked()
			ix.mu.RUnlock()
			if err != nil {
				return applied, err
			}
		}
	}
}

// Get returns the active facility with the given id, as the index has it.
func (ix *Index) Get(id string) (*directory.Facility, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.cat.get(id)
}

// Stats returns the index's size and position in the change sequence.
func (ix *Index) Stats() Stats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return Stats{Facilities: ix.cat.live, Seq: ix.catSeq, IndexSeq: ix.bleveSeq, BuiltAt: ix.built}
}

// Close closes the index and releases the directory.
func (ix *Index) Close() error {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var err error
	if ix.cat != nil && ix.catSeq != ix.snapSeq {
		err = ix.saveSnapshotLocked()
	}
	if ix.bleve != nil {
		err = errors.Join(err, ix.bleve.Close())
		ix.bleve = nil
	}
	ix.lock.unlock()
	return err
}

// Search answers q. Bad queries get a *directory.Error naming the
// parameter.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	if err := q.Normalize(ix.tax); err != nil {
		return nil, err
	}
	var scores map[string]float64
	var within []string
	if q.Text != "" {
		// Within a radius, the catalog names the few facilities that can
		// qualify, and Bleve scores the text of those alone.
		if q.HasLocation && q.RadiusKm > 0 {
			ix.mu.RLock()
			within = ix.cat.candidates(&q, maxTextCandidates)
			ix.mu.RUnlock()
		}
		var err error
		if scores, err = ix.textScores(ctx, &q, within); err != nil {
			return nil, err
		}
	}
	ix.mu.RLock()
	res, err := ix.cat.run(ctx, &q, scores, within != nil)
	ix.mu.RUnlock()
	if err != nil || res.Total > 0 || within == nil || !q.HasLocation || q.RadiusKm == 0 {
		return res, err
	}
	// Nothing matched the text within the radius: how far is the nearest
	// match anywhere?
	everywhere, err := ix.textScores(ctx, &q, nil)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if d, ok := ix.cat.nearest(q.Center, ix.bits.filters(&q), everywhere); ok {
		res.NearestKm = &d
	}
	return res, nil
}

// textScores asks Bleve for every facility matching q's text, with its
// relevance score: among within when it is not nil, else everywhere. The
// filters are left to the catalog: facilities that fail one group's filter
// still count in that group's facets.
func (ix *Index) textScores(ctx context.Context, q *Query, within []string) (map[string]float64, error) {
	if within != nil && len(within) == 0 {
		return map[string]float64{}, nil
	}
	ix.mu.RLock()
	idx := ix.bleve
	n := len(ix.cat.entries)
	ix.mu.RUnlock()

	conj, ok := ix.textQuery(q.Text)
	if !ok {
		return map[string]float64{}, nil // only stop words: nothing to match
	}
	if within != nil {
		ids := bleve.NewDocIDQuery(within)
		conj.AddQuery(ids)
	}
	// Words found in the name itself (exactly: the fuzzy match is above)
	// rank a facility higher.
	name := bleve.NewMatchQuery(q.Text)
	name.SetField(fieldName)
	name.SetBoost(3)
	top := bleve.NewBooleanQuery()
	top.AddMust(conj)
	top.AddShould(name)

	req := bleve.NewSearchRequestOptions(top, max(n, 1), 0, false)
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("text search: %w", err)
	}
	scores := make(map[string]float64, len(res.Hits))
	for _, h := range res.Hits {
		scores[h.ID] = h.Score
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
