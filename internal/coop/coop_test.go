package coop

import "testing"

func TestProblems_Days(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		ok       bool
		field    string
		key      string
	}{
		{"2026-03-01", "2026-03-31", true, "", ""},
		{"2026-03-01", "2026-03-01", true, "", ""},
		{"1 mars", "2026-03-31", false, "from", "error.date_invalid"},
		{"2026-03-01", "2026-02-30", false, "to", "error.date_invalid"},
		{"2026-03-31", "2026-03-01", false, "to", "before"},
	} {
		p := Problems{}
		_, _, ok := p.Days("from", tt.from, "to", tt.to, "before")
		if ok != tt.ok || (tt.field != "" && p[tt.field] != tt.key) || (tt.ok && len(p) > 0) {
			t.Errorf("Days(%q, %q) = %v, problems %v", tt.from, tt.to, ok, p)
		}
	}
}
