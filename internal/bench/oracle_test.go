package bench

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/carefinder/carefinder/directory"
	"github.com/carefinder/carefinder/search/searchtest"
)

// TestOracleAgreesWithSearchtest checks the benchmark's fast oracle (term
// bit sets, a latitude band, the Bleve distance model beside haversine)
// against search/searchtest, the one brute-force definition of an answer
// that the search and web tests use too.
func TestOracleAgreesWithSearchtest(t *testing.T) {
	ds := mustDataset(t, 3000)
	o := newOracle(ds)
	for _, kind := range []string{WorkloadTypical, WorkloadRadius100, WorkloadAny} {
		w := mustQueries(t, kind, 30, ds)
		for i, q := range w.Queries {
			ref := o.reference(q, 0, haversine)
			want := searchtest.Answer(ds.Facilities, q)
			if ref.total != len(want.IDs) {
				t.Fatalf("%s query %d: total %d, searchtest %d", kind, i, ref.total, len(want.IDs))
			}
			var got []string
			for _, h := range ref.top {
				got = append(got, o.ids[h.i])
			}
			if diff := gocmp.Diff(want.IDs[:min(len(want.IDs), len(got))], got); diff != "" {
				t.Fatalf("%s query %d: page (-searchtest +bench):\n%s", kind, i, diff)
			}
			facets := map[directory.Group]map[string]int{}
			for b, tr := range o.ti.refs {
				if facets[tr.Group] == nil {
					facets[tr.Group] = map[string]int{}
				}
				facets[tr.Group][tr.Slug] = ref.facets[b]
			}
			if diff := gocmp.Diff(want.Facets, facets); diff != "" {
				t.Fatalf("%s query %d: facets (-searchtest +bench):\n%s", kind, i, diff)
			}
		}
	}
}
