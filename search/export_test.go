package search

import (
	"context"
	"fmt"

	"github.com/carefinder/carefinder/geo"
)

// SetBatchFault makes every Bleve batch of ix run f first and fail with its
// error (or panic, if f does): a full disk, injected.
func SetBatchFault(ix *Index, f func() error) {
	ix.syncMu.Lock()
	defer ix.syncMu.Unlock()
	if ix.hooks == nil {
		ix.hooks = &testHooks{}
	}
	ix.hooks.batch = f
}

// TextScoresBoth answers q's text (q normalized, with a location and
// radius) both ways on the current generation: the word index's scores
// and Bleve's, nationwide, kept to the facilities the word index
// considered (within the radius, passing the filters but one). Scores are
// by facility id.
func TextScoresBoth(ix *Index, q Query) (words, bleve map[string]float64, err error) {
	if err := q.Normalize(ix.tax); err != nil {
		return nil, nil, err
	}
	g, err := ix.acquire()
	if err != nil {
		return nil, nil, err
	}
	defer g.release()
	g.mu.RLock()
	defer g.mu.RUnlock()
	words, bleve = map[string]float64{}, map[string]float64{}
	wq := g.cat.words.compile(q.Text, ix.labels, ix.bits)
	all, err := ix.textScores(context.Background(), g, &q)
	if (wq == nil) != (err != nil) {
		return nil, nil, fmt.Errorf("the word index compiled %q to %v, Bleve's query gave %v: they disagree on whether it has words", q.Text, wq, err)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, h := range g.cat.textHits(&q, wq) {
		words[g.cat.id(int(h.pos))] = h.score
	}
	filters := ix.bits.filters(&q)
	for _, h := range all {
		i := int(h.pos)
		if g.cat.nearly(i, filters) && geo.DistanceKm(q.Center, g.cat.entries[i].pt) <= q.RadiusKm {
			bleve[g.cat.id(i)] = h.score
		}
	}
	return words, bleve, nil
}

// WithBatchHook makes every Bleve batch of the index run f first and fail
// with its error: set from Open on, so that it reaches the first fill.
func WithBatchHook(f func() error) Option {
	return func(ix *Index) { ix.hooks = &testHooks{batch: f} }
}

// NewTermSet returns the set of term numbers bits, numbered by l.
func NewTermSet(l *FacetLayout, bits ...int) TermSet {
	s := TermSet{layout: l}
	for _, b := range bits {
		s.set.add(b)
	}
	return s
}
