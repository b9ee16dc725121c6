package main

// "coopconnect hours": what an operator checking opening hours reads, and
// the exit code's class (nil 0, an error 1, a usageError 2).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// hoursRun runs the hours command with stdin.
func hoursRun(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := hoursCommand(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return cliResult{stdout.String(), stderr.String(), err}
}

// wantFailure checks a run that failed without being a usage error (exit 1).
func (r cliResult) wantFailure(t *testing.T, want string) {
	t.Helper()
	var ue usageError
	if r.err == nil || errors.As(r.err, &ue) || !strings.Contains(r.err.Error(), want) {
		t.Fatalf("err = %v (%T), want an error (exit 1) saying %q", r.err, r.err, want)
	}
}

// Friday 4 December 2026, 08:00 in Paris.
const hoursAt = "2026-12-04T08:00:00+01:00"

func TestHours_TextSaysValidStateAndNextChange(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"Mo-Fr 08:45-12:00", "Mo-Fr 08:45-12:00: valid, closed at 2026-12-04T08:00:00+01:00, opens 2026-12-04T08:45:00+01:00"},
		{"Mo-Fr 07:30-12:00", "Mo-Fr 07:30-12:00: valid, open at 2026-12-04T08:00:00+01:00, closes 2026-12-04T12:00:00+01:00"},
		{`Fr 08:00-10:00 "sur rendez-vous"`, `Fr 08:00-10:00 "sur rendez-vous": valid, maybe open at 2026-12-04T08:00:00+01:00 ("sur rendez-vous"), closes 2026-12-04T10:00:00+01:00`},
		{"24/7", "24/7: valid, open at 2026-12-04T08:00:00+01:00, no change within a year"},
		{"Mo-Fr 08:00-", "Mo-Fr 08:00-: invalid at column 13: the time range does not continue as expected"},
	} {
		r := hoursRun(t, "", "--at", hoursAt, tc.value)
		if got := strings.TrimSuffix(r.stdout, "\n"); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestHours_JSONOneLinePerValueFromStandardInput(t *testing.T) {
	in := "Mo-Fr 08:45-12:00\n\n24/7\r\nMo-Fr 08:00-\n" + `Fr 08:00-10:00 "sur rendez-vous" & 14:00-16:00` + "\n"
	r := hoursRun(t, in, "--json", "--at", hoursAt, "-")
	r.wantFailure(t, "1 of 4 values are invalid")
	want := []string{
		`{"value":"Mo-Fr 08:45-12:00","valid":true,"open":false,"next_change":"2026-12-04T08:45:00+01:00"}`,
		`{"value":"24/7","valid":true,"open":true,"next_change":null}`,
		`{"value":"Mo-Fr 08:00-","valid":false,"error":"column 13: the time range does not continue as expected"}`,
		`{"value":"Fr 08:00-10:00 \"sur rendez-vous\" & 14:00-16:00","valid":true,"open":false,"next_change":"2026-12-04T10:00:00+01:00","unknown":true,"comment":"sur rendez-vous"}`,
	}
	got := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", r.stdout, strings.Join(want, "\n"))
	}
	for _, line := range got {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("%s: %v", line, err)
		}
		if _, hasOpen := v["open"]; hasOpen == (v["valid"] == false) {
			t.Errorf("%s: open is given exactly when the value is valid", line)
		}
	}
}

func TestHours_AllValidExitsZero(t *testing.T) {
	r := hoursRun(t, "Mo-Fr 08:00-12:00\nSa 09:00-12:00; PH off\n", "-", "--at", hoursAt)
	r.wantOK(t)
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("got %d lines, want 2:\n%s", n, r.stdout)
	}
	// Without --at, now.
	hoursRun(t, "", "Mo-Fr 08:00-12:00").wantOK(t)
}

func TestHours_MistakesAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no value", []string{"hours"}, "one VALUE is required"},
		{"two values", []string{"hours", "Mo 10:00-12:00", "Tu 10:00-12:00"}, "got 2"},
		{"bad instant", []string{"hours", "--at", "4 décembre", "24/7"}, "RFC 3339"},
		{"instant without offset", []string{"hours", "--at", "2026-12-04T08:00:00", "24/7"}, "RFC 3339"},
		{"unknown flag", []string{"hours", "--since", "x", "24/7"}, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli(t, nil, tc.args...).wantUsage(t, tc.want)
		})
	}
	r := cli(t, nil, "hours", "-h")
	r.wantOK(t)
	if !strings.Contains(r.stderr, "Exit status") || !strings.Contains(r.stderr, "-json") {
		t.Errorf("hours -h does not explain itself:\n%s", r.stderr)
	}
	if r := cli(t, nil, "help"); !strings.Contains(r.stdout, "coopconnect hours") {
		t.Errorf("the help does not show hours")
	}
}

func TestHours_InvalidValueThroughRunIsExitOne(t *testing.T) {
	r := cli(t, nil, "hours", "--at", hoursAt, "Mo-Fx 08:00-12:00")
	r.wantFailure(t, "1 of 1 values are invalid")
	if !strings.Contains(r.stdout, "invalid at column 4: unknown word \"Fx\"") {
		t.Errorf("got %q", r.stdout)
	}
}
