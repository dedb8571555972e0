package directory_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/internal/storetest"
)

// storeKinds returns the stores every store test runs against: SQLite
// always, PostgreSQL when CAREFINDER_TEST_POSTGRES names one (CI sets it and
// a connection failure fails the test).
func storeKinds(tb testing.TB) map[string]func(tb testing.TB) *directory.Store {
	return storetest.Kinds()
}

func mustOpenSQLite(tb testing.TB) *directory.Store {
	tb.Helper()
	return storetest.SQLite(tb, tb.TempDir())
}

func sampleFacility(id string) directory.Facility {
	return directory.Facility{
		ID:          id,
		Name:        "Riverside Recovery " + id,
		Description: "Detox and outpatient care.",
		Address:     directory.Address{Lines: []string{"1 Main St"}, City: "Nashville", State: "TN", ZIP: "37203"},
		Lat:         36.15, Lon: -86.79,
		Phones: directory.Phones{Main: "(615) 555-0100", Intake: "(615) 555-0101"},
		Services: directory.Services{
			Care:     []string{"detox", "standard-outpatient"},
			Payment:  []string{"medicaid", "self-pay"},
			Language: []string{"en", "es"},
		},
		Provenance: directory.Provenance{Source: "test", SourceID: id, LastVerified: "2026-01-02"},
	}
}

// ignoreBookkeeping compares records without the store's timestamps.
var ignoreBookkeeping = cmpopts.IgnoreFields(directory.Facility{}, "Seq", "Provenance.CreatedAt", "Provenance.UpdatedAt")

func TestStoreCRUD(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			f := sampleFacility("a1")
			if err := s.Create(ctx, &f); err != nil {
				t.Fatal(err)
			}
			dup := sampleFacility("a1")
			if err := s.Create(ctx, &dup); directory.ErrorCode(err) != directory.ECONFLICT {
				t.Fatalf("second Create: got %v, want conflict", err)
			}
			got, err := s.Get(ctx, "a1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f, *got, ignoreBookkeeping); diff != "" {
				t.Errorf("Get after Create (-want +got):\n%s", diff)
			}
			if got.Seq != 1 || !got.Active {
				t.Errorf("seq %d active %v, want 1 true", got.Seq, got.Active)
			}

			f.Name = "Riverside Recovery Center"
			f.Services.Care = append(f.Services.Care, "telehealth")
			if err := s.Update(ctx, &f); err != nil {
				t.Fatal(err)
			}
			got, _ = s.Get(ctx, "a1")
			if got.Name != "Riverside Recovery Center" || got.Seq != 2 || !got.CreatedAt.Before(got.UpdatedAt) && !got.CreatedAt.Equal(got.UpdatedAt) {
				t.Errorf("after Update: name %q seq %d", got.Name, got.Seq)
			}
			missing := sampleFacility("nope")
			if err := s.Update(ctx, &missing); directory.ErrorCode(err) != directory.ENOTFOUND {
				t.Errorf("Update of missing: got %v, want not found", err)
			}

			if err := s.Delete(ctx, "a1"); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "a1"); directory.ErrorCode(err) != directory.ENOTFOUND {
				t.Errorf("second Delete: got %v, want not found", err)
			}
			got, _ = s.Get(ctx, "a1")
			if got.Active || got.Seq != 3 {
				t.Errorf("after Delete: active %v seq %d, want false 3", got.Active, got.Seq)
			}
			if n, _ := s.Count(ctx); n != 0 {
				t.Errorf("Count after delete = %d, want 0", n)
			}
			if _, err := s.Get(ctx, "zzz"); directory.ErrorCode(err) != directory.ENOTFOUND {
				t.Errorf("Get missing: %v", err)
			}
		})
	}
}

func TestStoreRejectsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(f *directory.Facility)
		param  string
	}{
		{"no name", func(f *directory.Facility) { f.Name = " " }, "name"},
		{"bad zip", func(f *directory.Facility) { f.Address.ZIP = "3720" }, "address.zip"},
		{"bad lat", func(f *directory.Facility) { f.Lat = 91 }, "lat"},
		{"null island", func(f *directory.Facility) { f.Lat, f.Lon = 0, 0 }, "lat"},
		{"unknown care", func(f *directory.Facility) { f.Services.Care = []string{"detx"} }, "services.care"},
		{"no source", func(f *directory.Facility) { f.Source = "" }, "source"},
		{"bad date", func(f *directory.Facility) { f.LastVerified = "2026-02-30" }, "last_verified"},
		{"bad id", func(f *directory.Facility) { f.ID = "a/b" }, "id"},
	}
	s := mustOpenSQLite(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sampleFacility("x")
			tt.mutate(&f)
			err := s.Create(context.Background(), &f)
			var e *directory.Error
			if err == nil || !asError(err, &e) || e.Param != tt.param || e.Code != directory.EINVALID {
				t.Fatalf("Create: got %v, want invalid %s", err, tt.param)
			}
		})
	}
	if n, _ := s.Count(context.Background()); n != 0 {
		t.Errorf("invalid records were stored: count %d", n)
	}
}

func asError(err error, target **directory.Error) bool {
	e, ok := err.(*directory.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestStoreImportIsIdempotent(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			batch := func() []directory.Facility {
				var fs []directory.Facility
				for i := range 50 {
					fs = append(fs, sampleFacility(fmt.Sprintf("f%03d", i)))
				}
				return fs
			}
			res, err := s.Import(ctx, batch(), directory.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(directory.ImportResult{Inserted: 50}, res); diff != "" {
				t.Errorf("first import (-want +got):\n%s", diff)
			}
			seq1, _ := s.Seq(ctx)
			res, err = s.Import(ctx, batch(), directory.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(directory.ImportResult{Unchanged: 50}, res); diff != "" {
				t.Errorf("second import (-want +got):\n%s", diff)
			}
			if seq2, _ := s.Seq(ctx); seq2 != seq1 {
				t.Errorf("re-import moved the change sequence %d -> %d", seq1, seq2)
			}
			if n, err := s.Imports(ctx); n != 1 || err != nil {
				t.Errorf("Imports = %d, %v; want 1 (the second changed nothing)", n, err)
			}
			b := batch()
			b[7].Phones.Main = "(615) 555-0199"
			res, err = s.Import(ctx, b, directory.ImportOptions{DryRun: true})
			if err != nil || res.Updated != 1 {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			if got, _ := s.Get(ctx, "f007"); got.Phones.Main != "(615) 555-0100" {
				t.Errorf("dry run wrote: %q", got.Phones.Main)
			}
			res, err = s.Import(ctx, b, directory.ImportOptions{})
			if diff := cmp.Diff(directory.ImportResult{Updated: 1, Unchanged: 49}, res); err != nil || diff != "" {
				t.Errorf("changed import %v (-want +got):\n%s", err, diff)
			}
			changes, err := s.ChangedSince(ctx, seq1, 0)
			if err != nil || len(changes) != 1 || changes[0].ID != "f007" || changes[0].Seq != seq1+1 {
				t.Errorf("ChangedSince(%d) = %v, %v; want f007 only", seq1, changes, err)
			}
			all, err := s.ChangedSince(ctx, 0, 10)
			if err != nil || len(all) != 10 {
				t.Fatalf("ChangedSince page: %d %v", len(all), err)
			}
			for i := 1; i < len(all); i++ {
				if all[i].Seq <= all[i-1].Seq {
					t.Errorf("ChangedSince out of order at %d", i)
				}
			}
		})
	}
}

func TestStoreImportFailureWritesNothing(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var fs []directory.Facility
			for i := range 100 {
				fs = append(fs, sampleFacility(fmt.Sprintf("g%03d", i)))
			}
			_, err := s.Import(ctx, fs, directory.ImportOptions{Progress: func(done int) {
				if done == 60 {
					cancel() // the connection fails mid-import
				}
			}})
			if err == nil {
				t.Fatal("import with a failed context succeeded")
			}
			n, err := s.Count(context.Background())
			if err != nil || n != 0 {
				t.Errorf("after failed import: count %d (%v), want 0", n, err)
			}
			if seq, _ := s.Seq(context.Background()); seq != 0 {
				t.Errorf("after failed import: seq %d, want 0", seq)
			}
		})
	}
}

func TestStoreConcurrentWritersKeepSequenceDense(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 10 {
						f := sampleFacility(fmt.Sprintf("w%d-%d", w, i))
						if err := s.Create(ctx, &f); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			all, err := s.ChangedSince(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range all {
				if f.Seq != int64(i+1) {
					t.Fatalf("change %d has seq %d: sequence has gaps or duplicates", i, f.Seq)
				}
			}
			if len(all) != 40 {
				t.Errorf("got %d changes, want 40", len(all))
			}
		})
	}
}

func TestStoreReopenKeepsDataAndMeta(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	f := sampleFacility("k1")
	if err := s.Create(ctx, &f); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(ctx, "reindex", "1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(ctx, "reindex", "2"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = directory.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.Count(ctx); n != 1 {
		t.Errorf("count after reopen = %d", n)
	}
	if v, _ := s.Meta(ctx, "reindex"); v != "2" {
		t.Errorf("meta = %q, want 2", v)
	}
	if v, _ := s.Meta(ctx, "missing"); v != "" {
		t.Errorf("missing meta = %q", v)
	}
}

// TestStoreRejectsControlCharacters: text with a NUL byte, which PostgreSQL
// refuses for the whole transaction, is one bad record: the others import.
func TestStoreRejectsControlCharacters(t *testing.T) {
	for name, open := range storeKinds(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			good, bad, good2 := sampleFacility("g1"), sampleFacility("b1"), sampleFacility("g2")
			bad.Address.Lines = []string{"1 Main\x00 St"}
			res, err := s.Import(ctx, []directory.Facility{good, bad, good2}, directory.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Inserted != 2 || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 || directory.ErrorCode(res.Rejected[0].Err) != directory.EINVALID {
				t.Fatalf("import %+v", res)
			}
			if n, _ := s.Count(ctx); n != 2 {
				t.Errorf("%d facilities stored, want 2", n)
			}
			bad.ID = "b2"
			var de *directory.Error
			if err := s.Create(ctx, &bad); !asError(err, &de) || de.Param != "address.lines" {
				t.Errorf("Create with a NUL byte: %v", err)
			}
		})
	}
}

// BenchmarkStoreUpdate measures one acknowledged write: with SQLite's
// synchronous=FULL each commit waits for the disk.
func BenchmarkStoreUpdate(b *testing.B) {
	ctx := context.Background()
	s := mustOpenSQLite(b)
	f := sampleFacility("bench")
	if err := s.Create(ctx, &f); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		f.Phones.Main = fmt.Sprintf("(615) 555-%04d", i%10000)
		if err := s.Update(ctx, &f); err != nil {
			b.Fatal(err)
		}
	}
}
