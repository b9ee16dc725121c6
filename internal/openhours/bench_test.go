package openhours

import (
	"testing"
	"time"
)

// Typical values: the most common shape in the real-world file, and a
// longer one with holidays, a night and a date range.
const (
	benchTypical = "Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00"
	benchComplex = `Mo,Th 08:30-12:00; Tu 13:30-17:00; We 08:30-12:00,13:30-17:00; Fr 08:30-13:00,14:00-17:00; ` +
		`Sa 22:00-02:00; PH off; 2026 Dec 24-2027 Jan 02 off; Jul-Aug Mo-Fr 09:00-12:00 "horaires d'été"`
)

func BenchmarkParse(b *testing.B) {
	for _, v := range []struct{ name, value string }{{"typical", benchTypical}, {"complex", benchComplex}} {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(v.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIsOpen(b *testing.B) {
	for _, v := range []struct{ name, value string }{{"typical", benchTypical}, {"complex", benchComplex}} {
		h, err := Parse(v.value)
		if err != nil {
			b.Fatal(err)
		}
		t := time.Date(2026, 12, 4, 10, 15, 0, 0, paris)
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.IsOpen(t)
			}
		})
	}
}

func BenchmarkNextChange(b *testing.B) {
	for _, v := range []struct{ name, value string }{{"typical", benchTypical}, {"complex", benchComplex}, {"never", "24/7"}} {
		h, err := Parse(v.value)
		if err != nil {
			b.Fatal(err)
		}
		t := time.Date(2026, 12, 4, 18, 15, 0, 0, paris) // Friday evening: next change on Saturday
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.NextChange(t)
			}
		})
	}
}

func BenchmarkWeek(b *testing.B) {
	h, err := Parse(benchComplex)
	if err != nil {
		b.Fatal(err)
	}
	monday := time.Date(2026, 12, 21, 0, 0, 0, 0, paris)
	b.ReportAllocs()
	for b.Loop() {
		h.Week(monday)
	}
}
