package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"coopconnect/internal/i18n"
	"coopconnect/internal/openhours"
)

const hoursUsage = `Usage: coopconnect hours [--at RFC3339] [--json] VALUE

Checks opening hours written in the OpenStreetMap opening_hours syntax, with
the French public holidays, in Europe/Paris: whether VALUE is valid (or
where and why not), open or closed at the instant, and when that changes
next (within a year). A VALUE of - reads one value a line from standard
input; blank lines are skipped.

With --json, one line per value:
  {"value":"…","valid":true,"open":false,"next_change":"2026-12-04T08:45:00+01:00"}
next_change is null when nothing changes within a year; "unknown":true and
"comment" are added when the state is "maybe open" or has a comment. An
invalid value gives {"value":"…","valid":false,"error":"column 13: …"}.

Exit status: 0 when every value is valid, 1 when one is not, 2 for a
mistake in the command.

`

// cmdHours is "coopconnect hours": reading values from the process's
// standard input when VALUE is -.
func cmdHours(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return hoursCommand(ctx, args, os.Stdin, stdout, stderr)
}

// hoursCommand checks the values and reports on each; it fails (exit 1)
// when one is invalid, like a linter.
func hoursCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coopconnect hours", flag.ContinueOnError)
	fs.SetOutput(stderr)
	atText := fs.String("at", "", "the instant to evaluate at, in RFC 3339 (default: now)")
	asJSON := fs.Bool("json", false, "write one JSON object per value")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), hoursUsage)
		fs.PrintDefaults()
	}
	// Flags may come before or after VALUE.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		return usageError{fmt.Errorf("hours: one VALUE is required, or - to read values from standard input (got %d)", len(rest))}
	}
	at := time.Now()
	if *atText != "" {
		t, err := time.Parse(time.RFC3339, *atText)
		if err != nil {
			return usageError{fmt.Errorf("hours: --at %q: use RFC 3339, for example 2026-12-04T08:00:00+01:00", *atText)}
		}
		at = t
	}

	out := bufio.NewWriter(stdout)
	total, invalid := 0, 0
	check := func(value string) error {
		total++
		line, valid := describeHours(value, at, *asJSON)
		if !valid {
			invalid++
		}
		_, err := out.WriteString(line + "\n")
		return err
	}
	if rest[0] == "-" {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			if err := ctx.Err(); err != nil {
				return err
			}
			value := strings.TrimSuffix(sc.Text(), "\r")
			if strings.TrimSpace(value) == "" {
				continue
			}
			if err := check(value); err != nil {
				return err
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("hours: reading standard input: %w", err)
		}
	} else if err := check(rest[0]); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if invalid > 0 {
		return fmt.Errorf("hours: %d of %d values are invalid", invalid, total)
	}
	return nil
}

// hoursValid and hoursInvalid are the lines of --json output.
type hoursValid struct {
	Value      string  `json:"value"`
	Valid      bool    `json:"valid"`
	Open       bool    `json:"open"`
	NextChange *string `json:"next_change"`
	Unknown    bool    `json:"unknown,omitempty"`
	Comment    string  `json:"comment,omitempty"`
}

type hoursInvalid struct {
	Value string `json:"value"`
	Valid bool   `json:"valid"`
	Error string `json:"error"`
}

// jsonLine encodes v on one line, leaving "&", "<" and ">" as they are.
func jsonLine(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings and booleans: cannot fail
	return strings.TrimSuffix(b.String(), "\n")
}

// describeHours reports on one value, as text or JSON, and tells whether
// it is valid.
func describeHours(value string, at time.Time, asJSON bool) (string, bool) {
	h, err := openhours.Parse(value)
	var se *openhours.SyntaxError
	if err != nil && !errors.As(err, &se) {
		se = &openhours.SyntaxError{Col: 1, Msg: err.Error()}
	}
	stamp := func(t time.Time) string { return t.In(i18n.Paris).Format(time.RFC3339) }
	if asJSON {
		if err != nil {
			return jsonLine(hoursInvalid{Value: value, Error: fmt.Sprintf("column %d: %s", se.Col, se.Msg)}), false
		}
		r := hoursValid{Value: value, Valid: true}
		r.Open, r.Unknown, r.Comment = h.State(at)
		if next, ok := h.NextChange(at); ok {
			s := stamp(next)
			r.NextChange = &s
		}
		return jsonLine(r), true
	}
	if err != nil {
		return fmt.Sprintf("%s: invalid at column %d: %s", value, se.Col, se.Msg), false
	}
	open, unknown, comment := h.State(at)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: valid, %s at %s", value, stateWord(open, unknown), stamp(at))
	if comment != "" {
		fmt.Fprintf(&b, " (%q)", comment)
	}
	if next, ok := h.NextChange(at); ok {
		nOpen, nUnknown, _ := h.State(next)
		verb := "closes"
		switch {
		case nOpen:
			verb = "opens"
		case nUnknown:
			verb = "maybe opens"
		}
		fmt.Fprintf(&b, ", %s %s", verb, stamp(next))
	} else {
		b.WriteString(", no change within a year")
	}
	return b.String(), true
}

func stateWord(open, unknown bool) string {
	switch {
	case open:
		return "open"
	case unknown:
		return "maybe open"
	}
	return "closed"
}
