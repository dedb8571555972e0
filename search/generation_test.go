package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// history records the directory as of each change: the test's own copy of
// what the store holds, to check an answer against the state it reflects.
type history struct {
	mu     sync.Mutex
	states map[int64][]directory.Facility
}

// at returns the directory as of change seq. The follower may apply a
// change before the writer, back from the store, has recorded it: wait a
// little for it.
func (h *history) at(seq int64) ([]directory.Facility, bool) {
	for range 200 {
		h.mu.Lock()
		s, ok := h.states[seq]
		h.mu.Unlock()
		if ok {
			return s, true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil, false
}

func (h *history) record(seq int64, byID map[string]directory.Facility) {
	all := make([]directory.Facility, 0, len(byID))
	for _, f := range byID {
		all = append(all, f)
	}
	h.mu.Lock()
	h.states[seq] = all
	h.mu.Unlock()
}

// TestSearchesDuringRebuilds runs text, geo, nationwide and paged searches
// from several goroutines while the index rebuilds 20 times and a writer
// changes facilities, with the follower applying the changes: no search may
// fail, none may come back empty where the directory has matches, and each
// answer must equal the brute-force oracle over the directory as of the
// change it says it reflects (Result.Seq). Run it with -race.
func TestSearchesDuringRebuilds(t *testing.T) { testSearchesDuringRebuilds(t) }

// TestSearchesDuringBackgroundRebuilds is the same with Bleve filled behind
// each published generation (search.WithBackgroundText, as serve runs):
// rebuilds then stop fills half done, and nationwide text is answered by
// the word index or by Bleve depending on the moment.
func TestSearchesDuringBackgroundRebuilds(t *testing.T) {
	testSearchesDuringRebuilds(t, search.WithBackgroundText())
}

func testSearchesDuringRebuilds(t *testing.T, opts ...search.Option) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rng := rand.New(rand.NewPCG(90, 91))
	all := randomFacilities(rng, 300)
	fx := mustIndexWith(t, opts, all...)
	seq0, err := fx.store.Seq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	current := map[string]directory.Facility{}
	for _, f := range all {
		current[f.ID] = f
	}
	h := &history{states: map[int64][]directory.Facility{}}
	h.record(seq0, current)

	go fx.index.Follow(ctx, fx.store, search.FollowOptions{Interval: 5 * time.Millisecond})

	rebuilds := int64(20)
	if testing.Short() {
		rebuilds = 8 // -short runs under the race detector, 5 times slower
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	fail := func(format string, args ...any) {
		select {
		case errs <- fmt.Errorf(format, args...):
		default:
		}
	}

	// The writer: moves, re-services, removes and restores facilities.
	var writes atomic.Int64
	wg.Go(func() {
		wrng := rand.New(rand.NewPCG(5, 6))
		tax := directory.DefaultTaxonomy()
		removed := map[string]bool{}
		for {
			select {
			case <-stop:
				return
			default:
			}
			f := all[wrng.IntN(len(all))]
			var err error
			var seq int64
			switch {
			case removed[f.ID]:
				f = current[f.ID]
				f.Active = true
				err = fx.store.Update(ctx, &f) // back again
				seq = f.Seq
				delete(removed, f.ID)
				current[f.ID] = f
			case wrng.IntN(5) == 0:
				err = fx.store.Delete(ctx, f.ID)
				if err == nil {
					seq, err = fx.store.Seq(ctx) // nothing else writes
				}
				removed[f.ID] = true
			default:
				f = current[f.ID]
				f.Lat += wrng.NormFloat64() * 0.2
				f.Lon += wrng.NormFloat64() * 0.2
				g := directory.Groups()[wrng.IntN(len(directory.Groups()))]
				terms := tax.Terms(g)
				f.Services.Set(g, []string{terms[wrng.IntN(len(terms))].Slug})
				f.Active = true
				err = fx.store.Update(ctx, &f)
				seq = f.Seq
				current[f.ID] = f
			}
			if err != nil {
				fail("write %s: %v", f.ID, err)
				return
			}
			live := map[string]directory.Facility{}
			for id, f := range current {
				if !removed[id] {
					live[id] = f
				}
			}
			h.record(seq, live)
			writes.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
	})

	// The rebuilder.
	wg.Go(func() {
		for range rebuilds {
			if err := fx.index.Rebuild(ctx); err != nil {
				fail("rebuild: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})

	// The searchers.
	var searches, checked atomic.Int64
	for w := range 3 {
		wg.Go(func() {
			srng := rand.New(rand.NewPCG(uint64(w), 77))
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := cities[srng.IntN(len(cities))]
				q := search.Query{HasLocation: true, Center: orb.Point{c[0] + srng.NormFloat64()*0.3, c[1] + srng.NormFloat64()*0.3}, Limit: 10}
				kind := srng.IntN(5)
				switch kind {
				case 0:
					q.RadiusKm = 150
				case 1: // nationwide, nearest first
				case 2:
					q.RadiusKm, q.Text = 300, "recovery"
				case 3:
					q.RadiusKm, q.Limit = 400, 3
				case 4: // nationwide text: Bleve's, or the word index's
					q = search.Query{Text: "recovery", Limit: 10}
				}
				res, err := fx.index.Search(ctx, q)
				searches.Add(1)
				if err != nil {
					fail("search %d: %v", kind, err)
					return
				}
				state, ok := h.at(res.Seq)
				if !ok {
					fail("search %d answered as of change %d, which the writer never made", kind, res.Seq)
					return
				}
				oq := q
				oq.Text = "" // every facility is named "... Recovery N"
				want, _, _ := oracle(state, oq)
				if len(want) > 0 && len(res.Hits) == 0 {
					fail("search %d at change %d: empty page, %d matches", kind, res.Seq, len(want))
					return
				}
				if res.Total != len(want) {
					fail("search %d at change %d: total %d, oracle %d", kind, res.Seq, res.Total, len(want))
					return
				}
				got := make([]string, len(res.Hits))
				for i, hit := range res.Hits {
					got[i] = hit.Facility.ID
				}
				if kind != 2 && kind != 4 { // text is ordered by relevance
					if diff := gocmp.Diff(want[:min(len(want), q.Limit)], got); diff != "" {
						fail("search %d at change %d (-oracle +got):\n%s", kind, res.Seq, diff)
						return
					}
				}
				if kind == 3 && res.NextCursor != "" {
					q.Cursor = res.NextCursor
					res2, err := fx.index.Search(ctx, q)
					if err != nil {
						fail("page 2: %v", err)
						return
					}
					state2, _ := h.at(res2.Seq)
					want2, _, _ := oracle(state2, oq)
					if res2.Total != len(want2) {
						fail("page 2 at change %d: total %d, oracle %d", res2.Seq, res2.Total, len(want2))
						return
					}
					if res2.Seq == res.Seq && len(want2) > q.Limit {
						got2 := make([]string, len(res2.Hits))
						for i, hit := range res2.Hits {
							got2[i] = hit.Facility.ID
						}
						if diff := gocmp.Diff(want2[q.Limit:min(len(want2), 2*q.Limit)], got2); diff != "" {
							fail("page 2 at change %d (-oracle +got):\n%s", res2.Seq, diff)
							return
						}
					}
				}
				checked.Add(1)
			}
		})
	}

	// Let the rebuilds run to the end, and the writer make its 20
	// writes, then a little longer.
	deadline := time.Now().Add(2 * time.Minute)
	for (fx.index.Stats().Rebuilds < rebuilds || writes.Load() < 20) && time.Now().Before(deadline) {
		select {
		case err := <-errs:
			close(stop)
			wg.Wait()
			t.Fatal(err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if n := fx.index.Stats().Rebuilds; n < rebuilds {
		t.Fatalf("%d rebuilds in 2 minutes, want %d", n, rebuilds)
	}
	if checked.Load() < 100 || writes.Load() < 20 {
		t.Fatalf("too little happened: %d searches checked, %d writes", checked.Load(), writes.Load())
	}
	t.Logf("%d searches (%d checked against the oracle), %d writes, %d rebuilds, 0 failed", searches.Load(), checked.Load(), writes.Load(), fx.index.Stats().Rebuilds)
	// Once the follower catches up, the index equals the store.
	if _, err := fx.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	final, _ := fx.store.Seq(ctx)
	state, _ := h.at(final)
	want, _ := allPages(t, fx.index, search.Query{})
	ids := make([]string, len(state))
	for i, f := range state {
		ids[i] = f.ID
	}
	slices.Sort(ids)
	slices.Sort(want)
	if diff := gocmp.Diff(ids, want); diff != "" {
		t.Errorf("index after the run (-store +index):\n%s", diff)
	}
}
