package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"coopconnect/internal/benchnet"
	"coopconnect/internal/config"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/loadgen"
)

// cmdBench runs the project's load tool: `coopconnect bench booking`.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "booking" {
		return usageError{errors.New(`bench: say what to measure: "coopconnect bench booking"`)}
	}
	fs := flag.NewFlagSet("coopconnect bench booking", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spec := benchnet.DefaultSpec()
	var (
		location   = fs.String("db", "", "an EMPTY database to fill: a SQLite file (default: a temporary one, removed after) or a postgres:// URL")
		duration   = fs.Duration("duration", 10*time.Second, "how long each load runs")
		clientList = fs.String("clients", "1,16,64", "the concurrent clients of the closed booking loads, each sending its requests back to back")
		rateList   = fs.String("rates", "2000", "the rates, per second, of the open booking loads, sent by 64 clients whatever the answers (empty: none)")
		inProcess  = fs.Bool("in-process", false, "serve from this process instead of a child `coopconnect serve` (memory then counts the load generator too)")
		markdown   = fs.String("markdown", "", "also write the results as a Markdown table to this file")
		profile    = fs.String("cpuprofile", "", "write a CPU profile of the loads to this file (this process: use with --in-process to see the server)")
		only       = fs.String("only", "", "run only the loads whose name contains this text")
	)
	fs.IntVar(&spec.Places, "places", spec.Places, "places of the generated network")
	fs.IntVar(&spec.Spaces, "spaces", spec.Spaces, "spaces")
	fs.IntVar(&spec.Members, "members", spec.Members, "members")
	fs.IntVar(&spec.PastBookings, "past-bookings", spec.PastBookings, "bookings over the past year")
	fs.IntVar(&spec.BigBookings, "big-bookings", spec.BigBookings, "bookings of the large place over the coming month")
	fs.IntVar(&spec.LoadSpaces, "load-spaces", spec.LoadSpaces, "open spaces free for the booking loads")
	fs.IntVar(&spec.Listed, "listed", spec.Listed, "ordinary places whose availability is asked")
	if err := fs.Parse(args[1:]); err != nil {
		return helpIsFine(usageError{err})
	}
	var clients []int
	for _, f := range strings.Split(*clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return usageError{fmt.Errorf("bench: --clients wants numbers from 1 to 1024, not %q", f)}
		}
		clients = append(clients, n)
	}
	var rates []int
	if strings.TrimSpace(*rateList) != "" {
		for f := range strings.SplitSeq(*rateList, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > 100_000 {
				return usageError{fmt.Errorf("bench: --rates wants numbers from 1 to 100000, not %q", f)}
			}
			rates = append(rates, n)
		}
	}
	if *location == "" {
		dir, err := os.MkdirTemp("", "coopconnect-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*location = filepath.Join(dir, "bench.db")
	}

	// The network, generated into the empty database.
	cfg := config.Default()
	cfg.DB, cfg.LogLevel = *location, "error"
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := Open(ctx, cfg, quiet, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Generating the network into %s…\n", db.Redact(*location))
	net1, err := benchnet.Generate(ctx, m.DB, spec, stderr)
	if err != nil {
		m.Close()
		return err
	}
	// Served from fresh connections, as by a server started on the
	// database: those of the generation hold its statistics as they were.
	m.Close()
	if m, err = Open(ctx, cfg, quiet, nil); err != nil {
		return err
	}
	c := net1.Counts
	fmt.Fprintf(stdout, "Network: %d places, %d spaces, %d members, %d bookings (%d past, %d ahead, %d at the large place), in %s.\n",
		c.Places, c.Spaces, c.Members, c.Bookings(), c.PastBookings, c.AheadBookings, c.BigBookings, net1.Took.Round(time.Second))

	// The server: a child `coopconnect serve` on loopback, or this process.
	base, stopServer, pid, err := startBenchServer(ctx, m, *location, *inProcess, stderr)
	if err != nil {
		m.Close()
		return err
	}
	bare, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	bareSrv := &http.Server{Handler: loadgen.BareHandler()}
	go bareSrv.Serve(bare)
	defer bareSrv.Close()

	maxClients := 64
	for _, n := range clients {
		maxClients = max(maxClients, n)
	}
	client := loadgen.NewClient(maxClients)
	b := &bench{net: net1, base: base, client: client}
	if err := b.warmTokens(ctx); err != nil {
		return err
	}
	memory := startMemory(pid)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var results []loadgen.Result
	skip := func(t loadgen.Target) bool { return *only != "" && !strings.Contains(t.Name, *only) }
	load := func(t loadgen.Target, clients int) loadgen.Result {
		if skip(t) {
			return loadgen.Result{}
		}
		return loadgen.Closed(ctx, client, t, clients, *duration)
	}
	offer := func(t loadgen.Target, clients, rate int) loadgen.Result {
		if skip(t) {
			return loadgen.Result{}
		}
		return loadgen.Open(ctx, client, t, clients, float64(rate), *duration)
	}
	run := func(r loadgen.Result) {
		if r.Name == "" {
			return
		}
		results = append(results, r)
		fmt.Fprintf(stdout, "  %-44s %8.0f/s  p50 %-8s p99 %-8s errors %d\n", r.Name, r.Throughput, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Errors)
	}
	bareURL := "http://" + bare.Addr().String() + "/"
	run(load(loadgen.Target{Name: "bare net/http handler, 64 clients", Request: func(int, int) (*http.Request, error) {
		return http.NewRequest(http.MethodGet, bareURL, nil)
	}}, 64))
	for _, n := range clients {
		run(load(b.booking(fmt.Sprintf("booking creation, %d clients", n)), n))
	}
	run(load(b.availability("availability, one place, one week, 64 clients", 7*24*time.Hour), 64))
	run(load(b.availability("availability, one place, four weeks, 64 clients", 28*24*time.Hour), 64))
	run(load(b.bigPlace("availability, 200 desks, one hour, 64 clients"), 64))
	// Last: an open load beyond the server's capacity leaves it a backlog
	// (and PostgreSQL its autovacuum) that the loads after it would pay.
	for _, rate := range rates {
		run(offer(b.booking(fmt.Sprintf("booking creation, 64 clients, %d/s offered", rate)), 64, rate))
	}
	mem := memory()
	stopServer()

	// Zero overbooking, counted apart from the triggers that forbid it.
	audit, err := benchnet.CheckBookings(ctx, m.DB, net1.Spec.Now)
	m.Close()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if err := loadgen.Table(stdout, results); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nBookings created: %d. Overbooking: %d overlaps, %d over capacity, among %d upcoming bookings.\n",
		b.booked.Load(), audit.Overlaps, audit.OverCapacity, audit.Bookings)
	fmt.Fprintf(stdout, "Server memory: %s.\n", mem)
	if *markdown != "" {
		var md bytes.Buffer
		fmt.Fprintf(&md, "Network: %d places, %d spaces, %d members, %d bookings. Engine: %s.\n\n", c.Places, c.Spaces, c.Members, c.Bookings(), m.DB.Engine)
		if err := loadgen.Markdown(&md, results); err != nil {
			return err
		}
		fmt.Fprintf(&md, "\nBookings created: %d; overbooking: %d overlaps, %d over capacity. Server memory: %s.\n", b.booked.Load(), audit.Overlaps, audit.OverCapacity, mem)
		if err := os.WriteFile(*markdown, md.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if audit.Overlaps+audit.OverCapacity > 0 {
		return fmt.Errorf("bench: %d bookings overbook their space", audit.Overlaps+audit.OverCapacity)
	}
	return nil
}

// startBenchServer serves the database: from a child `coopconnect serve`
// (the process measured alone), or from m in this process.
func startBenchServer(ctx context.Context, m *Main, location string, inProcess bool, stderr io.Writer) (base string, stop func(), pid int, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, 0, err
	}
	base = "http://" + ln.Addr().String()
	if inProcess {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = m.Serve(sctx, ln); close(done) }()
		return base, func() { cancel(); <-done }, os.Getpid(), waitReady(ctx, base)
	}
	addr := ln.Addr().String()
	ln.Close()
	exe, err := os.Executable()
	if err != nil {
		return "", nil, 0, err
	}
	cmd := exec.CommandContext(ctx, exe, "serve", "--db", location, "--addr", addr, "--log-level", "error")
	cmd.Stdout, cmd.Stderr = io.Discard, stderr
	if err := cmd.Start(); err != nil {
		return "", nil, 0, err
	}
	stop = func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
	if err := waitReady(ctx, base); err != nil {
		stop()
		return "", nil, 0, err
	}
	return base, stop, cmd.Process.Pid, nil
}

func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("bench: the server did not become ready")
}

// startMemory samples the server's resident memory until the returned
// function is called, which describes the peak.
func startMemory(pid int) func() string {
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	sample := func() {
		if rss := residentBytes(pid); rss > peak.Load() {
			peak.Store(rss)
		}
	}
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			sample()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() string {
		close(stop)
		<-done
		if pid == os.Getpid() {
			return fmt.Sprintf("peak resident %d MiB (server and load generator in one process)", peak.Load()>>20)
		}
		return fmt.Sprintf("peak resident %d MiB (the server process alone)", peak.Load()>>20)
	}
}

// residentBytes reads a process's resident set from /proc (0 elsewhere).
func residentBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// bench holds what the loads address.
type bench struct {
	net    benchnet.Network
	base   string
	client *http.Client
	next   atomic.Int64 // the next booking to ask for, across the booking loads
	booked atomic.Int64
}

// warmTokens uses every token once: its first use records it (a write
// that later requests skip).
func (b *bench) warmTokens(ctx context.Context) error {
	for _, tok := range b.net.Tokens {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := b.client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("bench: a token was refused: %s", resp.Status)
		}
	}
	return nil
}

func (b *bench) get(path string, token string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err == nil {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, err
}

// booking books the load spaces' half-days in order, each up to its
// capacity and no further, so that every request should succeed: any
// refusal is an error of the run. Consecutive requests go to different
// spaces, as bookings spread over a network do (on PostgreSQL, requests
// for one space wait for each other's lock of its row).
func (b *bench) booking(name string) loadgen.Target {
	slots := b.net.HalfDays()
	spaces := b.net.Load
	var order []int // a half-day's requests: a seat of every space, then a second…
	for round := 0; ; round++ {
		n := len(order)
		for j, sp := range spaces {
			if sp.Capacity > round {
				order = append(order, j)
			}
		}
		if len(order) == n {
			break
		}
	}
	return loadgen.Target{Name: name, Request: func(worker, _ int) (*http.Request, error) {
		k := int(b.next.Add(1) - 1)
		slot := slots[(k/len(order))%len(slots)]
		j := order[k%len(order)]
		body, _ := json.Marshal(map[string]string{"space": spaces[j].PublicID,
			"start": slot.Start.Format(time.RFC3339), "end": slot.End.Format(time.RFC3339)})
		req, err := http.NewRequest(http.MethodPost, b.base+"/api/v1/bookings", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+b.net.Tokens[k%len(b.net.Tokens)])
		req.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(k))
		return req, nil
	}, Check: func(resp *http.Response, body []byte) error {
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(body))
		}
		b.booked.Add(1)
		return nil
	}}
}

// availability asks for the availability of the listed places, in turn,
// over span from the next Monday.
func (b *bench) availability(name string, span time.Duration) loadgen.Target {
	from := nextMonday(b.net.Spec.Now)
	q := "?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(from.Add(span).Format(time.RFC3339))
	return loadgen.Target{Name: name, Request: func(_, i int) (*http.Request, error) {
		p := b.net.Places[i%len(b.net.Places)]
		return b.get("/api/v1/places/"+p.Slug+"/availability"+q, b.net.Tokens[i%len(b.net.Tokens)])
	}, Check: okJSON}
}

// bigPlace asks for one hour of the large place, on its busiest days.
func (b *bench) bigPlace(name string) loadgen.Target {
	from := nextMonday(b.net.Spec.Now).Add(10 * time.Hour) // a Monday, 10:00 in Paris
	q := "?from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&to=" + url.QueryEscape(from.Add(time.Hour).Format(time.RFC3339))
	return loadgen.Target{Name: name, Request: func(_, i int) (*http.Request, error) {
		return b.get("/api/v1/places/"+b.net.Big.Slug+"/availability"+q, b.net.Tokens[i%len(b.net.Tokens)])
	}, Check: okJSON}
}

func okJSON(resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"slots"`)) {
		return fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return nil
}

// nextMonday returns the Paris midnight of the Monday after t.
func nextMonday(t time.Time) time.Time {
	d := t.In(i18n.Paris)
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, d.Location())
	for {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() == time.Monday {
			return d
		}
	}
}
