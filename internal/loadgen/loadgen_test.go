package loadgen

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// get is a target of GET url.
func get(name, url string) Target {
	return Target{Name: name, Request: func(worker, i int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, url, nil)
	}}
}

func checkOrdered(t *testing.T, r Result) {
	t.Helper()
	if !(r.P50 > 0 && r.P50 <= r.P90 && r.P90 <= r.P99 && r.P99 <= r.Max) {
		t.Errorf("percentiles out of order: p50 %s, p90 %s, p99 %s, max %s", r.P50, r.P90, r.P99, r.Max)
	}
}

func sumStatuses(r Result) int {
	n := 0
	for _, c := range r.StatusCounts {
		n += c
	}
	return n
}

func TestClosed_CountsAddUp(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	r := Closed(context.Background(), NewClient(4), get("fast", srv.URL), 4, 300*time.Millisecond)
	if r.Requests == 0 || int64(r.Requests) != served.Load() {
		t.Errorf("requests: got %d, the server served %d", r.Requests, served.Load())
	}
	if got := sumStatuses(r); got != r.Requests || r.StatusCounts[200] != r.Requests {
		t.Errorf("statuses %v add up to %d, want %d answers 200", r.StatusCounts, got, r.Requests)
	}
	if r.Errors != 0 || r.ErrorSample != "" {
		t.Errorf("errors: got %d (%q), want none", r.Errors, r.ErrorSample)
	}
	if r.Mode != ModeClosed || r.Clients != 4 || r.Name != "fast" {
		t.Errorf("got mode %q, %d clients, name %q; want closed, 4, fast", r.Mode, r.Clients, r.Name)
	}
	if r.Elapsed < 300*time.Millisecond {
		t.Errorf("elapsed: got %s, want at least the duration", r.Elapsed)
	}
	if want := float64(r.Requests) / r.Elapsed.Seconds(); r.Throughput != want {
		t.Errorf("throughput: got %.1f/s, want %.1f/s", r.Throughput, want)
	}
	checkOrdered(t, r)
}

func TestClosed_CountsEveryKindOfError(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%3 == 0 {
			http.Error(w, "every third fails", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	t.Run("every third request answers 500", func(t *testing.T) {
		served.Store(0)
		r := Closed(context.Background(), nil, get("flaky", srv.URL), 3, 300*time.Millisecond)
		if r.Requests < 30 {
			t.Fatalf("requests: got %d, want dozens", r.Requests)
		}
		if r.Errors != r.Requests/3 || r.StatusCounts[500] != r.Errors || r.StatusCounts[200] != r.Requests-r.Errors {
			t.Errorf("got %d errors and statuses %v of %d requests, want %d errors, all 500", r.Errors, r.StatusCounts, r.Requests, r.Requests/3)
		}
		if !strings.Contains(r.ErrorSample, "status 500") || !strings.Contains(r.ErrorSample, "every third fails") {
			t.Errorf("error sample: got %q", r.ErrorSample)
		}
		if want := float64(r.Requests-r.Errors) / r.Elapsed.Seconds(); r.Throughput != want {
			t.Errorf("throughput: got %.1f/s, want the successful %.1f/s", r.Throughput, want)
		}
	})
	t.Run("check refuses a body", func(t *testing.T) {
		served.Store(0)
		target := get("checked", srv.URL)
		target.Check = func(resp *http.Response, body []byte) error {
			if string(body) != "ok" {
				return errors.New("unexpected body")
			}
			return nil
		}
		r := Closed(context.Background(), nil, target, 2, 200*time.Millisecond)
		if r.Errors == 0 || r.Errors != r.StatusCounts[500] || r.ErrorSample != "unexpected body" {
			t.Errorf("got %d errors (%q), statuses %v; want the 500s refused by Check", r.Errors, r.ErrorSample, r.StatusCounts)
		}
	})
	t.Run("request cannot be built", func(t *testing.T) {
		target := Target{Name: "broken", Request: func(worker, i int) (*http.Request, error) {
			if i%2 == 1 {
				return nil, errors.New("no such slot")
			}
			return http.NewRequest(http.MethodGet, srv.URL, nil)
		}}
		served.Store(0)
		r := Closed(context.Background(), nil, target, 1, 100*time.Millisecond)
		unsent := r.Errors - r.StatusCounts[500]
		if unsent != r.Requests/2 || sumStatuses(r) != r.Requests-unsent {
			t.Errorf("got %d errors, statuses %v of %d requests; want %d unsent", r.Errors, r.StatusCounts, r.Requests, r.Requests/2)
		}
		if !strings.Contains(r.ErrorSample, "no such slot") {
			t.Errorf("error sample: got %q, want the first, unsent, request's", r.ErrorSample)
		}
	})
}

func TestClosed_PercentilesOfAKnownSleep(t *testing.T) {
	const sleep = 20 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(sleep)
	}))
	defer srv.Close()

	r := Closed(context.Background(), nil, get("sleepy", srv.URL), 4, 500*time.Millisecond)
	checkOrdered(t, r)
	if r.P50 < sleep || r.P50 > 10*sleep {
		t.Errorf("p50: got %s, want a little above %s", r.P50, sleep)
	}
	// Four clients cannot go faster than four requests per sleep.
	if ceiling := 4 / sleep.Seconds(); r.Throughput > ceiling*1.02 || r.Throughput < ceiling/5 {
		t.Errorf("throughput: got %.0f/s, want up to %.0f/s", r.Throughput, ceiling)
	}
}

func TestOpen_KeepsTheRate(t *testing.T) {
	const rate, duration = 200.0, time.Second
	var mu sync.Mutex
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	}))
	defer srv.Close()

	start := time.Now()
	r := Open(context.Background(), NewClient(64), get("paced", srv.URL), 64, rate, duration)
	if r.Requests != 200 || len(arrivals) != 200 || r.Errors != 0 {
		t.Fatalf("requests: got %d sent, %d served, %d errors; want 200, 200, 0", r.Requests, len(arrivals), r.Errors)
	}
	if r.Mode != ModeOpen || r.Rate != rate || r.Clients != 64 || r.InFlight < 1 || r.InFlight > 64 {
		t.Errorf("got mode %q, rate %g, %d clients, %d in flight; want open, %g, 64, 1 to 64", r.Mode, r.Rate, r.Clients, r.InFlight, rate)
	}
	if r.Elapsed < duration*95/100 || r.Elapsed > duration*3/2 {
		t.Errorf("elapsed: got %s, want about %s", r.Elapsed, duration)
	}
	// Paced, not in bursts: about a quarter of the requests in each quarter.
	quarters := make([]int, 4)
	for _, at := range arrivals {
		quarters[min(3, int(4*at.Sub(start)/duration))]++
	}
	for i, n := range quarters {
		if n < 30 || n > 70 {
			t.Errorf("requests served in quarter %d of the run: got %d (all: %v), want about 50", i+1, n, quarters)
		}
	}
	// A busy machine delays the generator's timer now and then, but not
	// always.
	if r.Late > r.Requests*3/4 {
		t.Errorf("late: got %d of %d on an idle server", r.Late, r.Requests)
	}
	checkOrdered(t, r)
}

// A server that takes 20 ms per request, one at a time, serves 50 a
// second. Asked for 100 a second, it falls behind: the requests wait in
// its queue, and the open run's latencies, counted from when each request
// was due, grow with the queue. A closed client, which waits for each
// answer before asking again, sees 20 ms and nothing wrong.
func TestOpen_LatencyCountsFromTheDueTime(t *testing.T) {
	var one sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		one.Lock()
		defer one.Unlock()
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()

	open := Open(context.Background(), NewClient(64), get("queued", srv.URL), 64, 100, 500*time.Millisecond)
	if open.Requests != 50 || open.Errors != 0 {
		t.Fatalf("requests: got %d, %d errors; want 50, none", open.Requests, open.Errors)
	}
	// Request k is due at 10k ms and answered near 20(k+1) ms.
	if open.P50 < 150*time.Millisecond || open.Max < 400*time.Millisecond {
		t.Errorf("open loop: p50 %s, max %s; want the queue's wait (about 270 ms and 500 ms)", open.P50, open.Max)
	}
	if open.InFlight < 10 {
		t.Errorf("open loop: at most %d in flight, want the queue to build up", open.InFlight)
	}
	closed := Closed(context.Background(), NewClient(1), get("queued", srv.URL), 1, 300*time.Millisecond)
	if closed.P50 > 100*time.Millisecond {
		t.Errorf("closed loop: p50 %s, want about 20 ms", closed.P50)
	}
}

func TestOpen_CountsRequestsSentLate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()

	// One request in flight at a time, due every 10 ms, each taking 20.
	r := Open(context.Background(), NewClient(1), get("held back", srv.URL), 1, 100, 300*time.Millisecond)
	if r.Requests != 30 || r.InFlight != 1 {
		t.Fatalf("got %d requests, %d in flight; want 30, 1", r.Requests, r.InFlight)
	}
	if r.Late < 20 {
		t.Errorf("late: got %d of 30, want nearly all", r.Late)
	}
	if r.Max < 250*time.Millisecond {
		t.Errorf("max: got %s, want the delay of the last request (about 300 ms)", r.Max)
	}
}

func TestOpen_StopsWithTheContext(t *testing.T) {
	srv := httptest.NewServer(BareHandler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	r := Open(ctx, nil, get("cut short", srv.URL), 64, 100, 10*time.Second)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("took %s, want to stop with the context", took)
	}
	if r.Requests < 5 || r.Requests > 40 {
		t.Errorf("requests: got %d, want about 20", r.Requests)
	}
}

func TestBareHandler_AnswersSmallJSON(t *testing.T) {
	srv := httptest.NewServer(BareHandler())
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/api/v1/bookings", "application/json", strings.NewReader(`{"space":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !strings.HasPrefix(body.String(), `{"status":"ok"`) {
		t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body.String())
	}
}

func TestTableAndMarkdown(t *testing.T) {
	results := []Result{
		{Name: "POST /api/v1/bookings", Mode: ModeClosed, Clients: 16, Requests: 12000, Throughput: 1200.4,
			P50: 1200 * time.Microsecond, P90: 4 * time.Millisecond, P99: 25 * time.Millisecond, Max: 310 * time.Millisecond, StatusCounts: map[int]int{201: 12000}},
		{Name: "bare net/http", Mode: ModeOpen, Rate: 500, Clients: 8, InFlight: 3, Requests: 5000, Errors: 2, Late: 1, Throughput: 499.8,
			ErrorSample: "status 503: busy", StatusCounts: map[int]int{200: 4998, 503: 2}},
	}
	var table strings.Builder
	if err := Table(&table, results); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(table.String(), "\n")
	for _, want := range []string{"POST /api/v1/bookings", "16 clients", "500/s by 8 clients (≤ 3 at once)", "1.20 ms", "25.0 ms", "310 ms", "bare net/http: 2 errors", "status 503: busy"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	for _, l := range lines[1:3] {
		if utf8.RuneCountInString(l) != utf8.RuneCountInString(lines[0]) {
			t.Errorf("table rows not aligned:\n%s", table.String())
		}
	}

	var md strings.Builder
	if err := Markdown(&md, results); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(md.String()), "\n")
	if len(rows) < 4 || !strings.HasPrefix(rows[1], "|---|") {
		t.Fatalf("markdown:\n%s", md.String())
	}
	for _, row := range rows[:4] {
		if strings.Count(row, "|") != len(columns)+1 {
			t.Errorf("markdown row %q: %d bars, want %d", row, strings.Count(row, "|"), len(columns)+1)
		}
	}
}

func TestWatchMemory_SeesThisProcess(t *testing.T) {
	w := WatchMemory(10 * time.Millisecond)
	hold := make([]byte, 32<<20)
	for i := range hold {
		hold[i] = byte(i)
	}
	time.Sleep(50 * time.Millisecond)
	m := w.Stop()
	if m.HeapInUse < 32<<20 || m.Samples < 3 {
		t.Errorf("got %+v, want a heap of 32 MiB or more and a few samples", m)
	}
	if m.RSS != 0 && m.RSS < 32<<20 {
		t.Errorf("rss: got %d, want at least the 32 MiB held", m.RSS)
	}
	_ = hold[len(hold)-1]
}
