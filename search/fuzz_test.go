package search

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/carefinder/carefinder/directory"
)

// FuzzCursor feeds arbitrary cursors to the decoder: it must refuse them
// with a parameter error, never panic, and accept only what it gave out.
func FuzzCursor(f *testing.F) {
	q := Query{HasLocation: true, RadiusKm: 40, Sort: SortDistance}
	fp := q.fingerprint()
	for _, c := range []cursor{{Q: fp, D: 12.5, ID: "a"}, {Q: fp, R: 3.2, D: 1, ID: "s15-1"}, {Q: fp, N: "hope house", ID: "x"}} {
		f.Add(encodeCursor(c))
	}
	f.Add("")
	f.Add("eyJxIjoxfQ")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s, fp)
		if err != nil {
			if qe, ok := err.(*QueryError); !ok || qe.Field != FieldCursor {
				t.Fatalf("decodeCursor(%q) = %v: not a QueryError on the cursor", s, err)
			}
			return
		}
		if c.Q != fp || c.ID == "" {
			t.Fatalf("decodeCursor(%q) accepted %+v", s, c)
		}
	})
}

// FuzzSnapshot feeds damaged catalog snapshots to the loader: it must
// refuse them (the index then loads the catalog from the store), never
// panic or ask for absurd memory.
func FuzzSnapshot(f *testing.F) {
	dir := f.TempDir()
	cat := snapshotCatalog(f, 20)
	if err := saveSnapshot(dir, cat, 42); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, snapshotFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(snapshotMagic))
	f.Add([]byte{})
	bits := newTermBits(directory.DefaultTaxonomy())
	f.Fuzz(func(t *testing.T, b []byte) {
		cat, seq, err := readSnapshot(bytes.NewReader(b), bits)
		if err != nil {
			return
		}
		// What loads must save back to the same bytes.
		dir := t.TempDir()
		if err := saveSnapshot(dir, cat, seq); err != nil {
			t.Fatal(err)
		}
		again, _ := os.ReadFile(filepath.Join(dir, snapshotFile))
		if !bytes.Equal(again, b) {
			t.Fatalf("a snapshot that loads does not save back the same (%d bytes, then %d)", len(b), len(again))
		}
	})
}
