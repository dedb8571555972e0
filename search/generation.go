package search

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
)

// A generation is one Bleve index together with the catalog derived from
// the same records: what a search reads. The index publishes its current
// generation through an atomic pointer; a search pins the generation it
// starts with for its whole life, so its text part (Bleve) and its
// location, filter and facet part (the catalog) always see the same
// records, whatever happens meanwhile:
//
//   - A rebuild builds the next generation beside the current one, holding
//     no lock a search needs, and publishes it with one swap. The old
//     generation is closed (and its directory removed) only when the last
//     search that pinned it is done: it counts its readers.
//   - Changes from the store are applied to the current generation a page
//     at a time, under its write lock: a search holds the read lock from
//     its first read of Bleve to its last read of the catalog, so it sees
//     a page of changes wholly or not at all. A compaction builds the
//     compacted catalog beside the old one and swaps it in under the same
//     lock, which it holds only for the swap.
//
// A generation whose Bleve index failed a write is broken: it keeps
// answering with what it holds, takes no more changes, and the index
// replaces it with a fresh one as soon as one can be built.
type generation struct {
	name  string // the index directory's name, under the index's dir
	path  string
	bleve bleve.Index
	built time.Time
	bytes uint64 // the index directory's size when built or opened

	// mu guards cat and seq: read-held by a search for its whole life,
	// write-held by Sync while it applies a page of changes.
	mu  sync.RWMutex
	cat *catalog
	seq int64 // the last change of the store applied to both

	// snapSeq and snapAt say when the catalog was last saved; only the
	// writer (who holds Index.syncMu) touches them.
	snapSeq int64
	snapAt  time.Time

	// refs is 1 while the generation is current, plus one per search or
	// writer holding it. At 0 it is closed, and never taken again.
	refs atomic.Int64
	// retired is set when another generation replaced this one: its
	// directory is removed once it closes.
	retired atomic.Bool
	// textReady says bleve holds every record cat does: set when a
	// generation is opened, or when its fill is done (see startFill).
	// Until then searches leave Bleve alone and Sync writes only cat.
	textReady atomic.Bool
	// broken holds the error that broke it, if any.
	broken    atomic.Pointer[brokenError]
	closeOnce sync.Once
	closeErr  error
}

type brokenError struct {
	err error
	at  time.Time
}

func newGeneration(name, path string, idx bleve.Index, cat *catalog, seq int64) *generation {
	g := &generation{name: name, path: path, bleve: idx, cat: cat, seq: seq, built: time.Now(), snapSeq: seq, snapAt: time.Now()}
	g.refs.Store(1)
	return g
}

// tryAcquire takes a reference unless the generation has closed.
func (g *generation) tryAcquire() bool {
	for {
		n := g.refs.Load()
		if n <= 0 {
			return false
		}
		if g.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference; the last one closes the generation.
func (g *generation) release() {
	if g.refs.Add(-1) == 0 {
		g.close()
	}
}

// close closes the Bleve index and, for a retired generation, removes its
// directory.
func (g *generation) close() error {
	g.closeOnce.Do(func() {
		if g.textReady.Load() && g.brokenBy() == nil && !g.retired.Load() {
			// What Bleve has not written yet would be caught up from
			// the store at the next open; writing it now is quicker.
			ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
			flushBleve(ctx, g.bleve)
			cancel()
		}
		g.closeErr = g.bleve.Close()
		if g.retired.Load() {
			if err := os.RemoveAll(g.path); err != nil {
				g.closeErr = errors.Join(g.closeErr, err)
			}
		}
	})
	return g.closeErr
}

// markBroken records the first failed write.
func (g *generation) markBroken(err error) {
	g.broken.CompareAndSwap(nil, &brokenError{err: err, at: time.Now()})
}

// brokenBy returns the error that broke the generation, or nil.
func (g *generation) brokenBy() error {
	if b := g.broken.Load(); b != nil {
		return b.err
	}
	return nil
}
