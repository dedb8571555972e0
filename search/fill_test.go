package search_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// blockedFill opens an index over facilities with WithBackgroundText whose
// Bleve batches wait until release is closed (or fail with failWith, when
// it is set), and returns it with the fixture. A batch that starts
// waiting sends on entered, if it is not nil and someone listens.
func blockedFill(t *testing.T, facilities []directory.Facility, release <-chan struct{}, entered chan<- struct{}, failWith *atomic.Pointer[error]) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s := mustStore(t, dir)
	if _, err := s.Import(ctx, slices.Clone(facilities), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{}) // a failed test must not leave a batch waiting
	hook := func() error {
		select {
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-stop:
		}
		if failWith != nil {
			if err := failWith.Load(); err != nil {
				return *err
			}
		}
		return nil
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), s, directory.DefaultTaxonomy(),
		search.WithBackgroundText(), search.WithBatchHook(hook))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	t.Cleanup(func() { close(stop) }) // runs first
	return &fixture{store: s, index: ix, dir: dir, all: facilities}
}

// textIDs returns the ids a nationwide text search finds, in order, every
// page of them.
func textIDs(t *testing.T, ix *search.Index, text string) []string {
	t.Helper()
	ids, _ := allPages(t, ix, search.Query{Text: text, Limit: 50})
	return ids
}

// TestBackgroundFill: with WithBackgroundText, Open returns before Bleve
// holds anything; every search is answered meanwhile (nationwide text by
// the word index, which must give what Bleve gives once filled), changes
// made meanwhile reach Bleve through the fill's catch-up, and the filled
// generation is the one the next Open opens.
func TestBackgroundFill(t *testing.T) {
	ctx := context.Background()
	all := randomFacilities(rand.New(rand.NewPCG(7, 8)), 400)
	release := make(chan struct{})
	fx := blockedFill(t, all, release, nil, nil)
	ix := fx.index

	if st := ix.Stats(); st.TextIndexReady || st.Facilities != len(all) {
		t.Fatalf("before the fill: ready %v, %d facilities; want false, %d", st.TextIndexReady, st.Facilities, len(all))
	}
	queries := []string{"riverside", "hope recovery", "harbr", "new day 12", "detox"}
	before := map[string][]string{}
	for _, q := range queries {
		before[q] = textIDs(t, ix, q)
	}
	if len(before["riverside"]) == 0 || len(before["harbr"]) == 0 {
		t.Fatalf("the word index found nothing while Bleve fills: %v", before)
	}
	// Location searches are the catalog's, fill or no fill.
	q := search.Query{Center: cities[0], HasLocation: true, RadiusKm: 200, Limit: 100}
	res, err := ix.Search(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if want, _, _ := oracle(all, q); len(want) != res.Total {
		t.Fatalf("location search while filling: %d, oracle %d", res.Total, len(want))
	}

	// Changes while Bleve fills reach the catalog at once, Bleve at the
	// end of the fill.
	renamed := all[3]
	renamed.Name, renamed.Active = "Zebrafinch House", true
	if err := fx.store.Update(ctx, &renamed); err != nil {
		t.Fatal(err)
	}
	gone := all[5]
	if err := fx.store.Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := textIDs(t, ix, "zebrafinch"); !slices.Equal(got, []string{renamed.ID}) {
		t.Fatalf("zebrafinch while filling: %v, want [%s]", got, renamed.ID)
	}

	close(release)
	if err := ix.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	st := ix.Stats()
	if !st.TextIndexReady || st.Broken != "" || st.Lag != 0 {
		t.Fatalf("after the fill: %+v", st)
	}
	if got := textIDs(t, ix, "zebrafinch"); !slices.Equal(got, []string{renamed.ID}) {
		t.Fatalf("zebrafinch from Bleve: %v, want [%s]", got, renamed.ID)
	}
	for _, q := range queries {
		got := textIDs(t, ix, q)
		want := slices.DeleteFunc(slices.Clone(before[q]), func(id string) bool { return id == gone.ID || id == renamed.ID })
		got = slices.DeleteFunc(got, func(id string) bool { return id == renamed.ID })
		if !slices.Equal(got, want) {
			t.Errorf("%q: Bleve gives %d ids, the word index gave %d (less the two changed):\n%v\n%v", q, len(got), len(want), got, want)
		}
	}
	// Changes after the fill go to both again.
	renamed.Name = "Quokka Place"
	if err := fx.store.Update(ctx, &renamed); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := textIDs(t, ix, "quokka"); !slices.Equal(got, []string{renamed.ID}) {
		t.Fatalf("quokka after the fill: %v", got)
	}

	// The filled generation is the one opened next: no rebuild.
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix2, err := search.Open(ctx, filepath.Join(fx.dir, "index"), fx.store, directory.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if st := ix2.Stats(); st.Rebuilds != 0 || !st.TextIndexReady {
		t.Fatalf("reopened: %+v", st)
	}
	if got := textIDs(t, ix2, "quokka"); !slices.Equal(got, []string{renamed.ID}) {
		t.Fatalf("quokka after reopening: %v", got)
	}
}

// TestCloseDuringFill: closing an index whose Bleve is still being filled
// stops the fill; the next Open builds the index again, whole.
func TestCloseDuringFill(t *testing.T) {
	ctx := context.Background()
	all := randomFacilities(rand.New(rand.NewPCG(9, 10)), 200)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	fx := blockedFill(t, all, release, entered, nil)
	<-entered // the fill is inside a batch
	done := make(chan error, 1)
	go func() { done <- fx.index.Close() }()
	select {
	case err := <-done:
		t.Fatalf("Close returned (%v) while a batch was still running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, filepath.Join(fx.dir, "index"), fx.store, directory.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	st := ix.Stats()
	if st.Rebuilds != 1 || !st.TextIndexReady || st.Facilities != len(all) {
		t.Fatalf("reopened after a stopped fill: %+v; want 1 rebuild, ready, %d facilities", st, len(all))
	}
	if n := len(textIDs(t, ix, "recovery")); n != len(all) {
		t.Fatalf("recovery: %d of %d", n, len(all))
	}
}

// TestFillFailure: a fill whose Bleve write fails leaves the generation
// broken but answering everything from the catalog, and a rebuild
// replaces it.
func TestFillFailure(t *testing.T) {
	ctx := context.Background()
	all := randomFacilities(rand.New(rand.NewPCG(11, 12)), 200)
	release := make(chan struct{})
	close(release)
	var failWith atomic.Pointer[error]
	full := errors.New("no space left on device (injected)")
	failWith.Store(&full)
	fx := blockedFill(t, all, release, nil, &failWith)
	if err := fx.index.Wait(ctx); err == nil || !errors.Is(err, full) {
		t.Fatalf("Wait: %v, want the injected failure", err)
	}
	st := fx.index.Stats()
	if st.Broken == "" || st.TextIndexReady {
		t.Fatalf("after a failed fill: %+v", st)
	}
	if n := len(textIDs(t, fx.index, "recovery")); n != len(all) {
		t.Fatalf("recovery from a broken generation: %d of %d", n, len(all))
	}
	failWith.Store(nil)
	if err := fx.index.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fx.index.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if st := fx.index.Stats(); st.Broken != "" || !st.TextIndexReady {
		t.Fatalf("after the rebuild: %+v", st)
	}
}

// failingSource is the real store, whose reads fail from the failAt-th on
// (counting from 1) until failAt is set to 0: the database going down.
type failingSource struct {
	*directory.Store
	calls, failAt atomic.Int64
}

func (s *failingSource) ChangedSince(ctx context.Context, seq int64, limit int) ([]*directory.Facility, error) {
	n := s.calls.Add(1)
	if at := s.failAt.Load(); at > 0 && n >= at {
		return nil, errors.New("connection refused (injected: the database is down)")
	}
	return s.Store.ChangedSince(ctx, seq, limit)
}

// openStoreDown opens an index, Bleve filled behind, over n random
// facilities in a store that goes down during the fill: the catalog's load
// reads twice (a page, then nothing more), and the fill's second read and
// every later one fail until src.failAt is set to 0.
func openStoreDown(t *testing.T, n int, seed uint64) (*search.Index, *failingSource, []directory.Facility) {
	t.Helper()
	ctx := context.Background()
	all := randomFacilities(rand.New(rand.NewPCG(seed, seed+1)), n)
	dir := t.TempDir()
	s := mustStore(t, dir)
	if _, err := s.Import(ctx, slices.Clone(all), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	src := &failingSource{Store: s}
	src.failAt.Store(4)
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), src, directory.DefaultTaxonomy(), search.WithBackgroundText())
	if err != nil {
		t.Fatal(err)
	}
	return ix, src, all
}

// TestFillStoreDown: the store going down while Bleve is being filled
// does not break the published generation: it answers everything from its
// catalog, Stats says the store cannot be read, and the fill goes on where
// it was once the store is back, with no rebuild.
func TestFillStoreDown(t *testing.T) {
	ctx := context.Background()
	ix, src, all := openStoreDown(t, 300, 13)
	defer ix.Close()
	waitCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := ix.Wait(waitCtx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait while the store is down: %v, want it still waiting", err)
	}
	st := ix.Stats()
	if st.Broken != "" || st.TextIndexReady || !strings.Contains(st.StoreError, "database is down") || st.Facilities != len(all) {
		t.Fatalf("while the store is down during the fill: %+v", st)
	}
	if n := len(textIDs(t, ix, "recovery")); n != len(all) {
		t.Fatalf("recovery while the store is down: %d of %d", n, len(all))
	}
	src.failAt.Store(0) // back
	if err := ix.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	st = ix.Stats()
	if st.Broken != "" || !st.TextIndexReady || st.StoreError != "" || st.Rebuilds != 1 {
		t.Fatalf("after the store came back: %+v", st)
	}
	if n := len(textIDs(t, ix, "recovery")); n != len(all) {
		t.Fatalf("recovery from Bleve: %d of %d", n, len(all))
	}
}

// TestCloseWhileStoreDownDuringFill: closing an index whose fill waits for
// the store to come back returns at once.
func TestCloseWhileStoreDownDuringFill(t *testing.T) {
	ix, _, _ := openStoreDown(t, 100, 15)
	time.Sleep(100 * time.Millisecond) // the fill is retrying by now
	done := make(chan error, 1)
	go func() { done <- ix.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the store")
	}
}
