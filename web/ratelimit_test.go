package web_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/carefinder/carefinder/web"
)

func TestKeyedLimiter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	// 1 event a minute, bursts of 3, keys forgotten after 10 minutes.
	l := web.NewKeyedLimiter(rate.Every(time.Minute), 3, 10*time.Minute)
	steps := []struct {
		key  string
		at   time.Duration
		want bool
	}{
		{"a", 0, true}, {"a", 0, true}, {"a", 0, true},
		{"a", time.Second, false}, // burst spent
		{"b", time.Second, true},  // another key has its own bucket
		{"a", 61 * time.Second, true},
		{"a", 62 * time.Second, false},
		{"a", 3 * time.Hour, true}, {"a", 3 * time.Hour, true}, {"a", 3 * time.Hour, true},
		{"a", 3 * time.Hour, false},
	}
	var got, want []string
	for _, s := range steps {
		got = append(got, fmt.Sprintf("%s@%v=%v", s.key, s.at, l.AllowAt(s.key, t0.Add(s.at))))
		want = append(want, fmt.Sprintf("%s@%v=%v", s.key, s.at, s.want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// "b" was idle for hours: forgotten when "a" came back.
	if n := l.Len(); n != 1 {
		t.Errorf("%d keys remembered, want 1 (idle ones evicted)", n)
	}
}

func TestKeyedLimiterEvictsIdleKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := web.NewKeyedLimiter(rate.Every(time.Second), 1, time.Minute)
	for i := range 1000 {
		l.AllowAt(fmt.Sprint("client-", i), t0)
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("%d keys, want 1000", n)
	}
	l.AllowAt("late", t0.Add(2*time.Minute))
	if n := l.Len(); n != 1 {
		t.Errorf("after every key idled: %d keys, want 1", n)
	}
}

func TestKeyedLimiterIdleNotShorterThanRefill(t *testing.T) {
	// A client pausing for less than the refill time must not find a full
	// bucket because its key was forgotten.
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := web.NewKeyedLimiter(rate.Every(time.Minute), 5, time.Second)
	for range 5 {
		l.AllowAt("a", t0)
	}
	if l.AllowAt("a", t0.Add(2*time.Second)) {
		t.Error("a spent bucket refilled after 2s: the key was forgotten too soon")
	}
}

func TestKeyedLimiterConcurrent(t *testing.T) {
	l := web.NewKeyedLimiter(rate.Every(time.Hour), 10, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if l.Allow("same") {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Errorf("%d allowed from 400 concurrent events, want the burst of 10", allowed)
	}
}
