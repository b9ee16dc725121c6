package loadgen

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

var columns = []string{"Target", "Mode", "Clients / rate", "Requests", "Errors", "Late", "Req/s", "p50", "p90", "p99", "Max"}

// cells are a result's row of the report.
func (r Result) cells() []string {
	load := fmt.Sprintf("%d clients", r.Clients)
	if r.Clients == 1 {
		load = "1 client"
	}
	if r.Mode == ModeOpen {
		load = fmt.Sprintf("%g/s by %s (≤ %d at once)", r.Rate, load, r.InFlight)
	}
	late := "—"
	if r.Mode == ModeOpen {
		late = fmt.Sprint(r.Late)
	}
	return []string{r.Name, r.Mode, load, fmt.Sprint(r.Requests), fmt.Sprint(r.Errors), late,
		fmt.Sprintf("%.0f", r.Throughput), millis(r.P50), millis(r.P90), millis(r.P99), millis(r.Max)}
}

// millis writes d in milliseconds with three significant digits or so.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// Table writes results as an aligned plain-text table, words to the
// left and figures to the right, then the first error of each result that
// had some.
func Table(w io.Writer, results []Result) error {
	rows := [][]string{columns}
	for _, r := range results {
		rows = append(rows, r.cells())
	}
	widths := make([]int, len(columns))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, c := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < 3 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return errorNotes(w, results, "")
}

// Markdown writes results as a Markdown table, for the documentation.
func Markdown(w io.Writer, results []Result) error {
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	row := func(cells []string) string {
		for i, c := range cells {
			cells[i] = esc.Replace(c)
		}
		return "| " + strings.Join(cells, " | ") + " |\n"
	}
	var b strings.Builder
	b.WriteString(row(slices.Clone(columns)))
	b.WriteString("|---|---|---|" + strings.Repeat("--:|", len(columns)-3) + "\n")
	for _, r := range results {
		b.WriteString(row(r.cells()))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return errorNotes(w, results, "- ")
}

// errorNotes writes one line per result with errors: its statuses and
// how one failed.
func errorNotes(w io.Writer, results []Result, bullet string) error {
	first := true
	for _, r := range results {
		if r.Errors == 0 {
			continue
		}
		if first {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
			first = false
		}
		if _, err := fmt.Fprintf(w, "%s%s: %d errors, statuses %v, e.g. %s\n", bullet, r.Name, r.Errors, r.StatusCounts, r.ErrorSample); err != nil {
			return err
		}
	}
	return nil
}
