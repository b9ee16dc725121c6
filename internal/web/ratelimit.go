package web

import (
	"sync"
	"time"

	"coopconnect/internal/coop"
)

// limiter allows n events per window and key (a fixed window: simple,
// and precise enough to stop guessing and floods). Keys are forgotten
// when their window ends.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	clock  coop.Clock
	seen   map[string]*bucket
	swept  time.Time
}

type bucket struct {
	start time.Time
	count int
}

func newLimiter(n int, window time.Duration, clock coop.Clock) *limiter {
	return &limiter{n: n, window: window, clock: clock, seen: map[string]*bucket{}}
}

// allow counts an event for key and says whether it is within the limit,
// and if not, how long to wait.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if now.Sub(l.swept) > l.window {
		for k, b := range l.seen {
			if now.Sub(b.start) >= l.window {
				delete(l.seen, k)
			}
		}
		l.swept = now
	}
	b, ok := l.seen[key]
	if !ok || now.Sub(b.start) >= l.window {
		b = &bucket{start: now}
		l.seen[key] = b
	}
	b.count++
	if b.count > l.n {
		return false, b.start.Add(l.window).Sub(now)
	}
	return true, 0
}

// limits are the rate limits of the forms that can be abused.
type limits struct {
	loginIP, loginAccount *limiter
	signUp, reset         *limiter
	code                  *limiter
	// survey counts the answers and contacts of a needs survey per client
	// address, in memory only: the address is never stored.
	survey *limiter
}

func newLimits(clock coop.Clock) *limits {
	return &limits{
		loginIP:      newLimiter(30, 15*time.Minute, clock),
		loginAccount: newLimiter(10, 15*time.Minute, clock),
		signUp:       newLimiter(10, time.Hour, clock),
		reset:        newLimiter(5, time.Hour, clock),
		code:         newLimiter(10, 15*time.Minute, clock),
		survey:       newLimiter(30, time.Hour, clock),
	}
}

// hit is one event to count against a limiter.
type hit struct {
	l   *limiter
	key string
}

// check counts each hit and returns an ERateLimited error, with the
// longest wait, when any is over its limit.
func check(hits ...hit) error {
	var wait time.Duration
	for _, h := range hits {
		if ok, d := h.l.allow(h.key); !ok && d > wait {
			wait = d
		}
	}
	if wait > 0 {
		return &coop.Error{Code: coop.ERateLimited, Message: "error.rate_limited", RetryAfter: wait}
	}
	return nil
}
