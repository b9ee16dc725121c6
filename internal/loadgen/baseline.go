package loadgen

import (
	"io"
	"net/http"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// bareBody is about the size of a small API answer.
const bareBody = `{"status":"ok","message":"bare net/http handler: the floor of what the server adds"}` + "\n"

// BareHandler answers every request with a small JSON body, after reading
// and discarding the request's body: nothing but net/http. The same load
// against it and against the server, in one run, turns figures into
// ratios that hold from machine to machine.
func BareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(bareBody)))
		_, _ = io.WriteString(w, bareBody)
	})
}

// Memory is the peak memory of the process seen by a MemoryWatch.
type Memory struct {
	// HeapInUse is the Go heap's spans in use (runtime.MemStats.HeapInuse):
	// live objects, and dead ones not yet swept, and fragmentation.
	HeapInUse uint64
	// RSS is the resident set of the whole process, Go heap or not (SQLite's
	// page cache lives in memory the Go heap does not count). Zero where
	// /proc/self/statm does not exist.
	RSS     uint64
	Samples int
}

// MemoryWatch samples the process's memory until stopped. When the server
// and the load generator share the process, the figures are both's.
type MemoryWatch struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak Memory
}

// WatchMemory samples now and then every interval. runtime/metrics reads
// without stopping the world, so the watch does not disturb the load.
func WatchMemory(every time.Duration) *MemoryWatch {
	w := &MemoryWatch{stop: make(chan struct{}), done: make(chan struct{})}
	w.sample()
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				w.sample()
			}
		}
	}()
	return w
}

// Stop ends the watch, takes a last sample and returns the peaks.
func (w *MemoryWatch) Stop() Memory {
	close(w.stop)
	<-w.done
	w.sample()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}

func (w *MemoryWatch) sample() {
	s := make([]metrics.Sample, len(heapMetrics))
	for i, name := range heapMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	var heap uint64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			heap += v.Value.Uint64()
		}
	}
	rss := residentSet()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.peak.HeapInUse = max(w.peak.HeapInUse, heap)
	w.peak.RSS = max(w.peak.RSS, rss)
	w.peak.Samples++
}

// residentSet reads the process's resident set size from Linux's
// /proc/self/statm (in pages), or returns 0.
func residentSet() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
