// Package pdfkit holds what the product's printed documents (the survey's
// flyer and paper questionnaire, the report for elected officials) share:
// French text in fpdf's core fonts.
package pdfkit

import (
	"regexp"
	"strings"

	"github.com/go-pdf/fpdf"
)

// Encoder turns UTF-8 text into the cp1252 bytes of fpdf's core fonts,
// which hold every French letter, « », €, œ and the no-break space.
type Encoder struct{ tr func(string) string }

// NewEncoder returns the encoder of a document (one per document: fpdf's
// translator keeps a buffer).
func NewEncoder(p *fpdf.Fpdf) Encoder { return Encoder{tr: p.UnicodeTranslatorFromDescriptor("")} }

var (
	// replacer maps the few characters the interface uses that cp1252
	// lacks to their nearest equivalent.
	replacer = strings.NewReplacer("\u202f", "\u00a0", "\u2009", " ", "\u2007", "\u00a0",
		"\u2010", "-", "\u2011", "-", "\u2212", "-", "\u2192", "->", "\u2264", "<=", "\u2265", ">=")
	spaces = regexp.MustCompile(`[ \t\r\n]+`)
)

// Line turns text into one line: runs of white space (not no-break
// spaces) fold into one space.
func (e Encoder) Line(s string) string {
	return e.tr(strings.TrimSpace(spaces.ReplaceAllString(replacer.Replace(s), " ")))
}

// Color is a colour of the palette (../shared/UI.md, app.css).
type Color struct{ R, G, B int }

// The palette of the printed documents.
var (
	Night        = Color{0x1d, 0x25, 0x40}
	NightSoft    = Color{0x3f, 0x46, 0x63}
	Lavender     = Color{0x5b, 0x4b, 0x8a}
	LavenderDeep = Color{0x45, 0x37, 0x6e}
	LavenderPale = Color{0xec, 0xe7, 0xf6}
	Olive        = Color{0x4b, 0x5a, 0x1c}
	OlivePale    = Color{0xee, 0xf1, 0xdf}
	Ochre        = Color{0xc9, 0x8a, 0x2b}
	OchreDeep    = Color{0x8a, 0x5a, 0x12}
	Stone        = Color{0xe6, 0xdf, 0xd0}
	White        = Color{0xff, 0xff, 0xff}
)
