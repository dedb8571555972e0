package search

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
)

func snapshotCatalog(tb testing.TB, n int) *catalog {
	tb.Helper()
	tax := directory.DefaultTaxonomy()
	cat := newCatalog(newTermBits(tax))
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range n {
		f := &directory.Facility{
			ID: fmt.Sprintf("f%d", i), Name: fmt.Sprintf("Clínica «%d»", i), Active: true,
			Lat: rng.Float64()*60 + 10, Lon: -rng.Float64() * 120,
			Address:    directory.Address{City: "Ponce", State: "PR", ZIP: "00716"},
			Phones:     directory.Phones{Main: "(787) 555-0100", Hotline: fmt.Sprint(i)},
			Provenance: directory.Provenance{Source: "test", SourceID: fmt.Sprint(i), LastVerified: "2026-01-01"},
		}
		if i%3 != 2 { // and unknown when i%3 == 2
			f.Open247 = directory.Known(i%3 == 0)
		}
		if i%3 == 0 {
			f.Address.Lines = []string{"1 Calle Sol", "Suite 2"}
		}
		for _, g := range directory.Groups() {
			terms := tax.Terms(g)
			f.Services.Add(g, terms[rng.IntN(len(terms))].Slug)
		}
		cat.apply(f)
	}
	cat.apply(&directory.Facility{ID: "f1"}) // removed: not saved
	return cat.compacted()
}

func TestSnapshotRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cat := snapshotCatalog(t, 500)
	if err := saveSnapshot(dir, cat, 1234); err != nil {
		t.Fatal(err)
	}
	got, seq, err := loadSnapshot(dir, cat.bits)
	if err != nil {
		t.Fatal(err)
	}
	if seq != 1234 || got.live != cat.live || got.live != 499 {
		t.Fatalf("seq %d live %d, want 1234 %d", seq, got.live, cat.live)
	}
	for i := range cat.entries {
		id := cat.id(i)
		j, ok := got.lookup(id)
		if !ok {
			t.Fatalf("%s lost", id)
		}
		if diff := cmp.Diff(cat.facility(i), got.facility(int(j))); diff != "" {
			t.Fatalf("%s (-saved +loaded):\n%s", id, diff)
		}
		if cat.entries[i].terms != got.entries[j].terms {
			t.Fatalf("%s: expanded terms differ", id)
		}
	}
}

func TestSnapshotDamageIsDetected(t *testing.T) {
	dir := t.TempDir()
	cat := snapshotCatalog(t, 50)
	if err := saveSnapshot(dir, cat, 9); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, snapshotFile)
	good, _ := os.ReadFile(path)
	for _, at := range []int{0, 20, len(good) / 2, len(good) - 1} {
		bad := append([]byte{}, good...)
		bad[at] ^= 0x55
		os.WriteFile(path, bad, 0o644)
		if _, _, err := loadSnapshot(dir, cat.bits); err == nil {
			t.Errorf("a flipped byte at %d went unnoticed", at)
		}
	}
	for _, n := range []int{0, 5, len(good) - 3} {
		os.WriteFile(path, good[:n], 0o644)
		if _, _, err := loadSnapshot(dir, cat.bits); err == nil {
			t.Errorf("a snapshot cut at %d went unnoticed", n)
		}
	}
	os.WriteFile(path, append(append([]byte{}, good...), 0), 0o644)
	if _, _, err := loadSnapshot(dir, cat.bits); err == nil {
		t.Error("trailing bytes went unnoticed")
	}
}
