package search

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// rebuildRequestKey is the store's meta key that `carefinder reindex` sets
// to ask the process that holds the index to rebuild it.
const rebuildRequestKey = "reindex_requested"

// Meta is the part of the store that carries requests to the index's
// holder between processes.
type Meta interface {
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}

// RequestRebuild asks the process that holds the index (see Follow) to
// rebuild it from the store; it does within one follow interval.
func RequestRebuild(ctx context.Context, m Meta) error {
	if err := m.SetMeta(ctx, rebuildRequestKey, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("request a rebuild: %w", err)
	}
	return nil
}

// FollowEvent is something Follow did, for the caller to log and count:
// the search package logs nothing itself.
type FollowEvent struct {
	// Kind is "synced" (Changes applied), "rebuilt" (a new generation,
	// for Reason), or "error" (Err; the index goes on answering).
	Kind    string
	Changes int
	Reason  string
	Took    time.Duration
	Err     error
}

// FollowOptions tunes Follow.
type FollowOptions struct {
	// Interval is how often the store is polled; 0 means a second.
	Interval time.Duration
	// RetryMin and RetryMax bound the wait between attempts to replace a
	// broken generation (doubling from one to the other); 0 means 5 s and
	// 5 min.
	RetryMin, RetryMax time.Duration
	// OnEvent, if set, is told what Follow did.
	OnEvent func(FollowEvent)
}

// Follow keeps the index in step with the store until ctx ends: it applies
// the changes any process writes, rebuilds the index when RequestRebuild
// asks, and replaces a generation that failed a write (a full disk, say)
// with a fresh one, retrying with backoff until one can be built. Searches
// go on throughout. It never panics; it returns when ctx is done.
func (ix *Index) Follow(ctx context.Context, m Meta, opts FollowOptions) {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = 5 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Minute
	}
	var lastErr string
	report := func(ev FollowEvent) {
		if ev.Kind == "error" {
			// The same trouble every tick (a full disk, a store that is
			// down) is told once, until something else happens.
			if msg := ev.Err.Error(); msg == lastErr {
				return
			} else {
				lastErr = msg
			}
		} else {
			lastErr = ""
		}
		if opts.OnEvent != nil {
			opts.OnEvent(ev)
		}
	}
	lastReq, _ := m.Meta(ctx, rebuildRequestKey)
	retry := opts.RetryMin
	var nextRetry time.Time
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					report(FollowEvent{Kind: "error", Err: fmt.Errorf("follow the store: panic: %v", r)})
				}
			}()
			start := time.Now()
			n, err := ix.Sync(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case errors.Is(err, ErrBroken):
				if time.Now().Before(nextRetry) {
					return
				}
				report(FollowEvent{Kind: "error", Err: err})
				start := time.Now()
				if err := ix.Rebuild(ctx); err != nil {
					wait := retry
					nextRetry = time.Now().Add(wait)
					at := nextRetry // Stats reads it: publish a copy, never the variable
					ix.rebuildAt.Store(&at)
					retry = min(2*retry, opts.RetryMax)
					report(FollowEvent{Kind: "error", Err: fmt.Errorf("replace the broken index (next try in %s): %w", wait, err)})
					return
				}
				retry = opts.RetryMin
				report(FollowEvent{Kind: "rebuilt", Reason: "the index had failed a write", Took: time.Since(start)})
				return
			case err != nil:
				report(FollowEvent{Kind: "error", Err: err})
				return
			case n > 0:
				report(FollowEvent{Kind: "synced", Changes: n, Took: time.Since(start)})
			}
			req, err := m.Meta(ctx, rebuildRequestKey)
			if err != nil || req == lastReq {
				return
			}
			lastReq = req
			start = time.Now()
			if err := ix.Rebuild(ctx); err != nil {
				report(FollowEvent{Kind: "error", Err: fmt.Errorf("rebuild on request: %w", err)})
				return
			}
			report(FollowEvent{Kind: "rebuilt", Reason: "reindex requested", Took: time.Since(start)})
		}()
	}
}
