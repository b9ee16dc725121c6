package pdfkit

import (
	"testing"

	"github.com/go-pdf/fpdf"
)

func TestLine_FrenchInCP1252(t *testing.T) {
	e := NewEncoder(fpdf.New("P", "mm", "A4", ""))
	got := e.Line("  «\u202fœuvre\u202f» à 12,50\u00a0€ \n\t – 3\u2009%  ")
	want := "\xab\xa0\x9cuvre\xa0\xbb \xe0 12,50\xa0\x80 \x96 3 %"
	if got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}
