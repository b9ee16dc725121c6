// Package loadgen is a small HTTP load generator for `coopconnect bench`.
//
// It runs a Target in one of two ways, and says which in each Result:
//
//   - Closed: N clients send requests back to back. Throughput is what the
//     server sustains at that concurrency; the latencies are those of the
//     requests sent, so a server stall shows as fewer requests, not as
//     slow ones (coordinated omission).
//   - Open: requests are due at a fixed rate whatever the answers, sent by
//     at most N clients, and each latency counts from the instant its
//     request was due, so a stall shows in the percentiles. Requests sent
//     late — the generator lagging, or all N clients waiting for answers —
//     are counted (Late).
//
// Percentiles are exact: every latency is kept and sorted.
package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Target is what a load sends.
type Target struct {
	Name string
	// Request builds request i (numbered from 0 across all workers) for
	// worker. It is called concurrently.
	Request func(worker, i int) (*http.Request, error)
	// Check judges an answer and its body; nil accepts any 2xx status.
	// The body is the worker's buffer: it is valid during the call only.
	Check func(*http.Response, []byte) error
}

// The modes of a Result.
const (
	ModeClosed = "closed"
	ModeOpen   = "open"
)

// Result is what a run measured.
type Result struct {
	Name string
	Mode string // ModeClosed or ModeOpen
	// Clients is the number of workers: of a closed run, or the most an
	// open run may use.
	Clients int
	// Rate is the rate an open run asked for, per second, and InFlight the
	// most requests it had in flight at once.
	Rate     float64
	InFlight int
	// Requests were sent and answered or failed; Errors of them failed (no
	// answer, or refused by Check), ErrorSample says how one did.
	Requests, Errors int
	ErrorSample      string
	// StatusCounts counts the answers by HTTP status.
	StatusCounts map[int]int
	// Late counts the requests of an open run sent more than LateAfter
	// after they were due: the generator could not keep the rate.
	Late int
	// Elapsed runs from the first request to the last answer.
	Elapsed time.Duration
	// Throughput is the successful requests per second of Elapsed.
	Throughput float64
	// The latencies of every request, failed ones included.
	P50, P90, P99, Max time.Duration
}

// LateAfter is how long after its due time a request of an open run may be
// sent before it counts as late.
const LateAfter = 5 * time.Millisecond

// maxBody bounds the body read from an answer.
const maxBody = 16 << 20

// NewClient returns a client whose one transport keeps up to conns
// connections to a host open and reuses them, so that a run measures
// requests rather than TCP handshakes.
func NewClient(conns int) *http.Client {
	t := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

// sample is one request's outcome.
type sample struct {
	latency time.Duration
	status  int // 0: no answer
	err     error
}

// recorder keeps one worker's samples; merged once the run is over.
type recorder struct {
	// body is the worker's buffer for the answers, reused: the generator
	// shares the server's cores and should spend as little as it can.
	body      bytes.Buffer
	latencies []time.Duration
	status    map[int]int
	errors    int
	errSample string
	late      int
}

func (r *recorder) add(s sample) {
	r.latencies = append(r.latencies, s.latency)
	if s.status != 0 {
		r.status[s.status]++
	}
	if s.err != nil {
		r.errors++
		if r.errSample == "" {
			r.errSample = s.err.Error()
		}
	}
}

// do sends request i and reads its answer into buf, measuring from since.
func do(ctx context.Context, client *http.Client, t Target, worker, i int, since time.Time, buf *bytes.Buffer) sample {
	req, err := t.Request(worker, i)
	if err != nil {
		return sample{latency: time.Since(since), err: fmt.Errorf("request %d: %w", i, err)}
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return sample{latency: time.Since(since), err: err}
	}
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	body := buf.Bytes()
	s := sample{latency: time.Since(since), status: resp.StatusCode}
	switch {
	case err != nil:
		s.err = fmt.Errorf("reading the answer: %w", err)
	case t.Check != nil:
		s.err = t.Check(resp, body)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		s.err = fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
	}
	return s
}

// Closed runs clients workers that send requests back to back for
// duration (or until ctx ends), then waits for the last answers.
func Closed(ctx context.Context, client *http.Client, t Target, clients int, duration time.Duration) Result {
	clients = max(clients, 1)
	if client == nil {
		client = NewClient(clients)
	}
	var next atomic.Int64
	recs := make([]*recorder, clients)
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for w := range clients {
		rec := &recorder{status: map[int]int{}}
		recs[w] = rec
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				rec.add(do(ctx, client, t, w, i, time.Now(), &rec.body))
			}
		})
	}
	wg.Wait()
	r := merge(recs, time.Since(start))
	r.Name, r.Mode, r.Clients = t.Name, ModeClosed, clients
	return r
}

// Open sends requests due at rate per second for duration (or until ctx
// ends), each from its due time whatever the earlier ones' fate, by at most
// clients workers, then waits for the last answers. A request due while
// all the workers wait for answers waits for one, its latency still
// counting from its due time, and counts as Late. The client should keep
// an idle connection for each worker (NewClient).
func Open(ctx context.Context, client *http.Client, t Target, clients int, rate float64, duration time.Duration) Result {
	clients = max(clients, 1)
	if client == nil {
		client = NewClient(clients)
	}
	if rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate) {
		return Result{Name: t.Name, Mode: ModeOpen, Clients: clients, Rate: rate, StatusCounts: map[int]int{}}
	}
	interval := time.Duration(float64(time.Second) / rate)
	total := int(math.Ceil(duration.Seconds() * rate))

	type job struct {
		i   int
		due time.Time
	}
	jobs := make(chan job)
	var (
		mu       sync.Mutex
		recs     []*recorder
		idle     int // workers waiting for a job
		inFlight int
		peak     int
	)
	var wg sync.WaitGroup
	worker := func(w int, rec *recorder) {
		defer wg.Done()
		for j := range jobs {
			mu.Lock()
			idle--
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			if time.Since(j.due) > LateAfter {
				rec.late++
			}
			rec.add(do(ctx, client, t, w, j.i, j.due, &rec.body))
			mu.Lock()
			idle++
			inFlight--
			mu.Unlock()
		}
	}
	// Workers are started as the load needs them, up to clients.
	spawn := func() {
		mu.Lock()
		defer mu.Unlock()
		if idle > 0 || len(recs) >= clients {
			return
		}
		rec := &recorder{status: map[int]int{}}
		recs = append(recs, rec)
		idle++
		wg.Add(1)
		go worker(len(recs)-1, rec)
	}

	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
dispatch:
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				break dispatch
			case <-timer.C:
			}
		}
		spawn()
		select {
		case <-ctx.Done():
			break dispatch
		case jobs <- job{i: i, due: due}:
		}
	}
	close(jobs)
	wg.Wait()
	r := merge(recs, time.Since(start))
	r.Name, r.Mode, r.Clients, r.Rate, r.InFlight = t.Name, ModeOpen, clients, rate, peak
	return r
}

// merge adds up the workers' samples.
func merge(recs []*recorder, elapsed time.Duration) Result {
	r := Result{StatusCounts: map[int]int{}, Elapsed: elapsed}
	var all []time.Duration
	for _, rec := range recs {
		all = append(all, rec.latencies...)
		for s, n := range rec.status {
			r.StatusCounts[s] += n
		}
		r.Errors += rec.errors
		r.Late += rec.late
		if r.ErrorSample == "" {
			r.ErrorSample = rec.errSample
		}
	}
	r.Requests = len(all)
	if elapsed > 0 {
		r.Throughput = float64(r.Requests-r.Errors) / elapsed.Seconds()
	}
	slices.Sort(all)
	r.P50, r.P90, r.P99 = percentile(all, 50), percentile(all, 90), percentile(all, 99)
	if len(all) > 0 {
		r.Max = all[len(all)-1]
	}
	return r
}

// percentile is the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
