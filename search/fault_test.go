package search_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"math/rand/v2"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search"
)

// renameAll gives every facility a new name word and stores the change.
func renameAll(tb testing.TB, s *directory.Store, all []directory.Facility, word string) {
	tb.Helper()
	renamed := slices.Clone(all)
	for i := range renamed {
		renamed[i].Name = word + " " + renamed[i].Name
	}
	if _, err := s.Import(context.Background(), renamed, directory.ImportOptions{}); err != nil {
		tb.Fatal(err)
	}
}

func textTotal(tb testing.TB, ix *search.Index, word string) int {
	tb.Helper()
	res, err := ix.Search(context.Background(), search.Query{Text: word})
	if err != nil {
		tb.Fatalf("search %q: %v", word, err)
	}
	return res.Total
}

// waitFor polls cond for up to a minute.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestIndexSurvivesFailedWrites injects write errors and panics into the
// index: the generation is marked broken, searches keep their answers,
// Follow retries with a fresh generation and catches up once writes work
// again.
func TestIndexSurvivesFailedWrites(t *testing.T) {
	for _, fault := range []string{"error", "panic"} {
		t.Run(fault, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			all := randomFacilities(rand.New(rand.NewPCG(40, 41)), 200)
			fx := mustIndex(t, all...)
			search.SetBatchFault(fx.index, func() error {
				if fault == "panic" {
					var m map[string]int
					m["segment"]++ // what Bleve did on a closed segment
				}
				return syscall.ENOSPC
			})
			renameAll(t, fx.store, all, "Zephyr")
			if _, err := fx.index.Sync(ctx); !errors.Is(err, search.ErrBroken) {
				t.Fatalf("Sync on a failing disk = %v, want ErrBroken", err)
			}
			st := fx.index.Stats()
			if st.Broken == "" || st.Lag == 0 {
				t.Errorf("Stats %+v: want broken, behind the store", st)
			}
			// Searches answer from what the index held.
			if n := textTotal(t, fx.index, "recovery"); n != len(all) {
				t.Errorf("search on the broken generation: %d, want %d", n, len(all))
			}
			if n := textTotal(t, fx.index, "zephyr"); n != 0 {
				t.Errorf("half-applied change visible: %d", n)
			}
			// Follow keeps trying to replace it, and keeps failing.
			go fx.index.Follow(ctx, fx.store, search.FollowOptions{Interval: 5 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond})
			waitFor(t, "a failed try to replace the generation", func() bool { return !fx.index.Stats().NextRebuild.IsZero() })
			if st := fx.index.Stats(); st.Broken == "" {
				t.Errorf("while the disk is full: %+v", st)
			}
			if n := textTotal(t, fx.index, "recovery"); n != len(all) {
				t.Errorf("search while retrying: %d, want %d", n, len(all))
			}
			// The disk has room again: a fresh generation catches up.
			search.SetBatchFault(fx.index, nil)
			waitFor(t, "the index to catch up", func() bool {
				st := fx.index.Stats()
				return st.Broken == "" && st.Lag == 0 && textTotal(t, fx.index, "zephyr") == len(all)
			})
		})
	}
}

// TestIndexOnFullDisk puts the index on a small tmpfs and fills it: the
// same as above with a real ENOSPC from the kernel. It needs to mount a
// tmpfs (root): it skips where that is refused.
func TestIndexOnFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs; skipped with -short")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })

	dir := t.TempDir()
	store := mustStore(t, dir)
	all := randomFacilities(rand.New(rand.NewPCG(50, 51)), 400)
	if _, err := store.Import(ctx, slices.Clone(all), directory.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(ctx, filepath.Join(mnt, "index"), store, directory.DefaultTaxonomy(), search.WithMinFreeDisk(2<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	go ix.Follow(ctx, store, search.FollowOptions{Interval: 10 * time.Millisecond, RetryMin: 20 * time.Millisecond, RetryMax: 50 * time.Millisecond})

	// Fill the disk.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<16)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()

	word := "Quasar"
	renameAll(t, store, all, word)
	waitFor(t, "the index to stop writing", func() bool { return ix.Stats().DiskLow != "" })
	st := ix.Stats()
	if st.Broken != "" || st.Lag == 0 {
		t.Errorf("on a full disk: %+v; want paused, behind the store, not broken", st)
	}
	for _, w := range []string{"recovery", "hope"} {
		res, err := ix.Search(ctx, search.Query{Text: w})
		if err != nil || res.Total == 0 {
			t.Fatalf("search %q on a full disk: %v, %v", w, res, err)
		}
	}
	if n := textTotal(t, ix, "quasar"); n != 0 {
		t.Errorf("%d facilities renamed while the disk was full", n)
	}
	// Room again: the index catches up on the same generation.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the index to catch up", func() bool {
		st := ix.Stats()
		return st.DiskLow == "" && st.Lag == 0 && textTotal(t, ix, strings.ToLower(word)) == len(all)
	})
	if ix.Stats().Broken != "" {
		t.Errorf("broken after the disk filled: %s", ix.Stats().Broken)
	}
}
