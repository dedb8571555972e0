package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate limiting.
const (
	// burstDivisor makes a bucket hold a quarter of a minute's allowance:
	// at 120 a minute, 30 at once, then two a second. A person using the
	// widget never comes near it; a script looping over the API soon does.
	burstDivisor = 4
	// limiterSweepEvery is how often idle buckets are dropped.
	limiterSweepEvery = time.Minute
)

// burstFor returns the bucket size for perMinute requests a minute.
func burstFor(perMinute int) int { return max(1, (perMinute+burstDivisor-1)/burstDivisor) }

// keyedLimiter is a set of token buckets, one per key (a client address or
// a partner key id), made on first use. A bucket that has filled up again
// is the same as a new one, so such buckets are dropped now and then: the
// set stays as small as the number of recently active clients.
type keyedLimiter struct {
	now func() time.Time

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

func newKeyedLimiter(now func() time.Time) *keyedLimiter {
	if now == nil {
		now = time.Now
	}
	return &keyedLimiter{now: now, buckets: map[string]*rate.Limiter{}, lastSweep: now()}
}

// allow takes a token from key's bucket, which refills at perMinute a
// minute up to burstFor(perMinute). When the bucket is empty it takes
// nothing and says how long until a token is there.
func (k *keyedLimiter) allow(key string, perMinute int) (ok bool, retryAfter time.Duration) {
	return k.allowRate(key, rate.Limit(float64(perMinute)/60), burstFor(perMinute))
}

// allowRate takes a token from key's bucket, which refills at limit a
// second up to burst. When the bucket is empty it takes nothing and says
// how long until a token is there.
func (k *keyedLimiter) allowRate(key string, limit rate.Limit, burst int) (ok bool, retryAfter time.Duration) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.lastSweep) >= limiterSweepEvery {
		k.sweep(now)
	}
	b := k.buckets[key]
	if b == nil {
		b = rate.NewLimiter(limit, burst)
		k.buckets[key] = b
	} else if b.Limit() != limit || b.Burst() != burst { // a partner's limit changed
		b.SetLimitAt(now, limit)
		b.SetBurstAt(now, burst)
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets that are full again; k.mu is held.
func (k *keyedLimiter) sweep(now time.Time) {
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(k.buckets, key)
		}
	}
	k.lastSweep = now
}

// size returns the number of buckets held.
func (k *keyedLimiter) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// retryAfterSeconds rounds a wait up to whole seconds, at least one, for
// the Retry-After header.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses ("10.0.0.0/8,127.0.0.1").
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not an address or a CIDR prefix like 10.0.0.0/8", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// clientIP returns the address of the client that made r: the peer, or,
// when the peer is a trusted proxy, the nearest address in X-Forwarded-For
// that is not a trusted proxy itself (read right to left, since a client
// can write anything on the left).
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return client.String() // garbage: trust no further
			}
			client = a.Unmap()
			if !isTrusted(client, trusted) {
				return client.String()
			}
		}
	}
	return client.String()
}

// clientBucket is the rate-limit bucket of a client address: the address,
// or for IPv6 its /64, which one host or home usually has whole.
func clientBucket(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() {
		return "ip:" + ip
	}
	p, _ := a.Prefix(64)
	return "ip:" + p.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
