package web

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSharedHeadersAddVary checks that addVary lists what Header.Add would,
// and that adding to a shared list never writes into it.
func TestSharedHeadersAddVary(t *testing.T) {
	sh := newSharedHeaders()
	for _, tt := range []struct {
		name string
		old  []string
		add  []string
	}{
		{"key", nil, []string{keyHeader}},
		{"accept", nil, []string{"Accept"}},
		{"key then accept", nil, []string{keyHeader, "Accept"}},
		{"key, accept, origin", nil, []string{keyHeader, "Accept", "Origin"}},
		{"key, origin, accept", nil, []string{keyHeader, "Origin", "Accept"}},
		{"after another", []string{"Accept-Language"}, []string{keyHeader, "Accept"}},
		{"twice", nil, []string{"Accept", "Accept"}},
		{"after encoding", []string{"Accept-Encoding"}, []string{keyHeader, "Accept"}},
		{"after encoding, accept", []string{"Accept-Encoding"}, []string{"Accept"}},
		{"after encoding, origin", []string{"Accept-Encoding"}, []string{"Origin", keyHeader}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, want := http.Header{}, http.Header{}
			for _, v := range tt.old {
				got.Add("Vary", v)
				want.Add("Vary", v)
			}
			for _, v := range tt.add {
				sh.addVary(got, v)
				want.Add("Vary", v)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("headers (-Header.Add +addVary):\n%s", diff)
			}
			// What a handler may do next: add once more.
			got.Add("Vary", "Cookie")
		})
	}
	for _, tt := range []struct {
		name      string
		got, want []string
	}{
		{"varyKey", sh.varyKey, []string{keyHeader}},
		{"varyAccept", sh.varyAccept, []string{"Accept"}},
		{"varyKeyAccept", sh.varyKeyAccept, []string{keyHeader, "Accept"}},
		{"varyEncoding", sh.varyEncoding, []string{"Accept-Encoding"}},
		{"varyLists[6]", sh.varyLists[6], []string{"Accept-Encoding", keyHeader, "Accept"}},
	} {
		if !slices.Equal(tt.got, tt.want) || cap(tt.got) != len(tt.got) {
			t.Errorf("%s is %q (capacity %d) after use, want %q at capacity", tt.name, tt.got, cap(tt.got), tt.want)
		}
	}
}
