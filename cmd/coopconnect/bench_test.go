package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The load tool end to end, on a small network and short loads: every
// load answers without error and nothing is overbooked.
func TestBench_BookingOnASmallNetwork(t *testing.T) {
	var out, errOut bytes.Buffer
	md := t.TempDir() + "/bench.md"
	err := run(context.Background(), []string{"bench", "booking", "--in-process", "--duration", "300ms", "--clients", "1,8", "--rates", "50",
		"--places", "40", "--spaces", "200", "--members", "600", "--past-bookings", "3000", "--big-bookings", "2000",
		"--load-spaces", "20", "--listed", "10", "--markdown", md}, &out, &errOut, func(string) string { return "" })
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	text := out.String()
	for _, want := range []string{"bare net/http handler, 64 clients", "booking creation, 1 clients", "booking creation, 8 clients", "booking creation, 64 clients, 50/s offered",
		"availability, one place, one week", "availability, one place, four weeks", "availability, 200 desks, one hour",
		"Overbooking: 0 overlaps, 0 over capacity", "Server memory: peak resident"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, text)
		}
	}
	if m := regexp.MustCompile(`Bookings created: (\d+)\.`).FindStringSubmatch(text); m == nil || m[1] == "0" {
		t.Errorf("no booking was created:\n%s", text)
	}
	// Every row of the table says 0 errors.
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "  ") && !strings.Contains(line, "errors 0") {
			t.Errorf("a load had errors: %s", line)
		}
	}
	b, err := os.ReadFile(md)
	if err != nil || !bytes.Contains(b, []byte("| booking creation, 8 clients")) {
		t.Errorf("markdown: %v\n%s", err, b)
	}
}
