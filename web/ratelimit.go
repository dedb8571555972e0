package web

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// KeyedLimiter limits events per key — a client address, a partner's key —
// with a token bucket for each: Rate events a second on average, bursts of
// up to Burst. A key unused for Idle is forgotten (its bucket would be full
// again by then anyway), so memory follows the clients seen recently, not
// every client ever seen. It is safe for concurrent use.
type KeyedLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration

	mu        sync.Mutex
	keys      map[string]*keyedBucket
	lastSweep time.Time
}

type keyedBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewKeyedLimiter returns a limiter of r events a second per key, with
// bursts of burst, forgetting keys idle for idle. An idle shorter than
// the time a bucket takes to fill would let a client reset its bucket by
// pausing, so idle is raised to that time.
func NewKeyedLimiter(r rate.Limit, burst int, idle time.Duration) *KeyedLimiter {
	if r > 0 {
		if fill := time.Duration(float64(burst) / float64(r) * float64(time.Second)); idle < fill {
			idle = fill
		}
	}
	return &KeyedLimiter{limit: r, burst: burst, idle: idle, keys: map[string]*keyedBucket{}}
}

// Allow reports whether one event for key may happen now, and counts it
// if so.
func (l *KeyedLimiter) Allow(key string) bool { return l.AllowAt(key, time.Now()) }

// AllowAt is Allow at time now (tests pass their own clock).
func (l *KeyedLimiter) AllowAt(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.idle {
		l.sweep(now)
	}
	b, ok := l.keys[key]
	if !ok {
		b = &keyedBucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.keys[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// sweep forgets the keys idle for l.idle; l.mu must be held. Sweeping at
// most once per idle period keeps the cost per event constant on average.
func (l *KeyedLimiter) sweep(now time.Time) {
	for k, b := range l.keys {
		if now.Sub(b.seen) >= l.idle {
			delete(l.keys, k)
		}
	}
	l.lastSweep = now
}

// Len returns the number of keys remembered.
func (l *KeyedLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// clientIP returns the address of the client that sent r: the peer's IP.
// (Behind a proxy that is the proxy's; trusting X-Forwarded-For from
// configured proxies is for the rate limiting of the whole API.)
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
