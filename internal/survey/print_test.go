package survey

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// printSurvey is a campaign whose texts use what cp1252 must carry: é è à
// ç œ « » € and no-break spaces.
func printSurvey() Survey {
	return Survey{
		ID: 1, PublicID: "abc", CarrierName: "Communauté de communes Pays de Forcalquier",
		Title:    "Travailler au cœur des villages\u00a0: l'enquête 2026",
		Intro:    "Un tiers-lieu près de chez vous\u00a0? Bureaux à 12,50\u00a0€ la journée, salle de réunion, connexion rapide. Dites-nous ce qu'il vous faudrait.",
		Privacy:  DefaultPrivacy,
		OpensOn:  "2026-02-01",
		ClosesOn: "2026-03-15",
	}
}

func printCommune() SurveyCommune {
	return SurveyCommune{Code: "04178", Name: "Saint-Étienne-les-Orgues", EPCI: "240400440", Link: "k3m9xpq"}
}

const printURL = "https://coop-connect.example.fr/e/k3m9xpq"

// keep writes the PDF to $COOP_PRINT_DIR, to look at it.
func keepPDF(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("COOP_PRINT_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFlyer_OnePageA5WithTheCommuneLinkAndQRCode(t *testing.T) {
	sv := printSurvey()
	sv.Intro = strings.Repeat("Votre commune réfléchit à un lieu partagé pour travailler près de chez vous. ", 6) + "Dernière phrase coupée."
	var b bytes.Buffer
	if err := Flyer(&b, sv, printCommune(), printURL, "fr"); err != nil {
		t.Fatal(err)
	}
	keepPDF(t, "tract.pdf", b.Bytes())
	doc := readPDF(t, b.Bytes())
	if len(doc.pages) != 1 {
		t.Fatalf("%d pages, want 1", len(doc.pages))
	}
	if got, want := doc.pages[0].mediaBox, "[0 0 419.53 595.28]"; got != want {
		t.Errorf("media box %s, want A5 %s", got, want)
	}
	text := doc.pages[0].text()
	for _, want := range []string{
		"Un lieu pour travailler près de chez vous\u00a0?",
		"Travailler au cœur des villages\u00a0: l'enquête 2026",
		"Vous habitez Saint-Étienne-les-Orgues\u00a0? Votre avis compte.",
		"coop-connect.example.fr/e/k3m9xpq",
		"5 minutes, anonyme",
		"Jusqu'au 15 mars 2026",
		"Demandez le questionnaire papier à la mairie de Saint-Étienne-les-Orgues.",
		"Vos réponses sont anonymes",
		"Une enquête Coop-connect · Communauté de communes Pays de Forcalquier",
		"Votre commune réfléchit à un lieu partagé",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the flyer lacks %q in:\n%s", want, text)
		}
	}
	// The introduction is cut to four lines, with an ellipsis.
	if strings.Contains(text, "Dernière phrase") || !strings.Contains(text, "…") {
		t.Errorf("the long introduction is not trimmed:\n%s", text)
	}
	lines, in := 0, false
	for _, it := range doc.pages[0].items {
		switch {
		case strings.HasSuffix(it.s, "compte."):
			in = true
		case strings.HasPrefix(it.s, "Scannez"):
			in = false
		case in:
			lines++
		}
	}
	if lines != 4 {
		t.Errorf("the introduction takes %d lines, want 4", lines)
	}
	checkPDFEncoding(t, text)
	// The QR code: an image of the link's QR code size (10 px a module),
	// drawn on the page.
	q, err := qrcode.New(printURL, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	side := strconv.Itoa(len(q.Bitmap()) * 10)
	if !doc.hasImage(side, side) {
		t.Errorf("no %s×%s image (the QR code) in the flyer", side, side)
	}
	if !strings.Contains(doc.pages[0].content, " Do ") {
		t.Error("the QR code is not drawn on the page")
	}
}

func TestFlyer_English(t *testing.T) {
	sv := printSurvey()
	sv.Intro = ""
	sv.CarrierName = ""
	var b bytes.Buffer
	if err := Flyer(&b, sv, printCommune(), printURL, "en"); err != nil {
		t.Fatal(err)
	}
	text := readPDF(t, b.Bytes()).pages[0].text()
	for _, want := range []string{"A place to work near home?", "5 minutes, anonymous", "Until 15 March 2026",
		"Tell us what you would need.", "A Coop-connect survey"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English flyer lacks %q in:\n%s", want, text)
		}
	}
}

func TestPaperForm_EveryQuestionOnA4PagesNeverSplit(t *testing.T) {
	qn := Default()
	c := printCommune()
	var b bytes.Buffer
	if err := PaperForm(&b, printSurvey(), qn, &c, printURL, "fr"); err != nil {
		t.Fatal(err)
	}
	keepPDF(t, "questionnaire.pdf", b.Bytes())
	doc := readPDF(t, b.Bytes())
	// The default questionnaire takes four pages (a change of layout that
	// makes it longer should be deliberate: paper is printed by the ream).
	if len(doc.pages) != 4 {
		t.Errorf("%d pages, want 4", len(doc.pages))
	}
	var all []string
	for i, p := range doc.pages {
		if p.mediaBox != "[0 0 595.28 841.89]" {
			t.Errorf("page %d: media box %s, want A4", i+1, p.mediaBox)
		}
		text := p.text()
		all = append(all, text)
		for _, want := range []string{
			fmt.Sprintf("page %d/%d", i+1, len(doc.pages)),
			"Travailler au cœur des villages\u00a0: l'enquête 2026",
			"Saint-Étienne-les-Orgues",
			"coop-connect.example.fr/e/k3m9xpq",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("page %d lacks %q", i+1, want)
			}
		}
		if has := strings.Contains(text, "N° de fiche (réservé à la saisie)"); has != (i == 0) {
			t.Errorf("page %d: sheet number box %v, want it on the first page only", i+1, has)
		}
	}
	text := strings.Join(all, "\n")
	checkPDFEncoding(t, text)
	for _, want := range []string{
		"Commune de Saint-Étienne-les-Orgues",
		"À rendre avant le 15 mars 2026 à la mairie de Saint-Étienne-les-Orgues.",
		"Vous préférez répondre en ligne\u00a0? coop-connect.example.fr/e/k3m9xpq",
		// Conditions become instructions.
		"Si vous avez répondu «\u00a0Salarié·e du privé\u00a0», «\u00a0Fonctionnaire ou agent public\u00a0», «\u00a0Indépendant·e, freelance\u00a0», «\u00a0Chef·fe d'entreprise\u00a0» ou «\u00a0Étudiant·e, en formation\u00a0» à la question\u00a02\u00a0:",
		"Si vous avez répondu «\u00a0Salarié·e du privé\u00a0» ou «\u00a0Fonctionnaire ou agent public\u00a0» à la question\u00a02\u00a0:",
		"Si vous avez répondu «\u00a0Oui, au moins un jour par semaine\u00a0», «\u00a0Oui, quelques fois par mois\u00a0» ou «\u00a0Rarement\u00a0» à la question\u00a012\u00a0:",
		// Numbers with their unit and bounds; a scale with its ends; days.
		"km (entre 0 et 300)", "min (entre 0 et 240)", "jours par semaine (entre 0 et 5)",
		"pas du tout 1 2 3 4 5 beaucoup",
		"lundi mardi mercredi jeudi vendredi samedi matin après-midi soir",
		"Commune\u00a0: Code postal\u00a0:",
		"Autre, précisez\u00a0:",
		"Merci de votre participation\u00a0!",
		"Vos données",
		"les résultats publiés ne montrent jamais un groupe de moins de 5 personnes",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the questionnaire lacks %q", want)
		}
	}
	required := 0
	for i, q := range qn.Questions {
		if q.Required {
			required++
		}
		label := q.Label.FR
		if q.Required {
			label += " (obligatoire)"
		}
		page := -1
		for j, p := range all {
			if strings.Contains(p, label) {
				page = j
			}
		}
		if page < 0 {
			t.Errorf("question %d (%s) is missing: %q", i+1, q.ID, label)
			continue
		}
		// The whole question is on its page: its number, help, options.
		var parts []string
		if n := strconv.Itoa(i+1) + " " + label; !strings.Contains(all[page], n) {
			t.Errorf("question %s is not numbered %d", q.ID, i+1)
		}
		if q.Section.FR != "" {
			parts = append(parts, q.Section.FR)
		}
		parts = append(parts, q.Help.FR)
		if q.Kind == Single || q.Kind == Multiple {
			for _, o := range q.Options {
				parts = append(parts, o.Label.FR)
			}
		}
		for _, s := range parts {
			if !strings.Contains(all[page], s) {
				t.Errorf("question %s: %q is not on its page %d", q.ID, s, page+1)
			}
		}
	}
	if n := strings.Count(text, "(obligatoire)"); n != required+1 { // and once in the instructions
		t.Errorf("%d marks (obligatoire), want %d", n, required+1)
	}
	// Nothing drawn below the footer's line but the footer.
	for i, p := range doc.pages {
		for _, it := range p.items {
			if it.y < 5*72/25.4 {
				t.Errorf("page %d: %q at %.1f pt from the bottom, off the printable area", i+1, it.s, it.y)
			}
			if it.y < 17*72/25.4 && !strings.HasPrefix(it.s, "page ") && !strings.HasPrefix(it.s, "En ligne") {
				t.Errorf("page %d: %q in the bottom margin", i+1, it.s)
			}
		}
	}
}

func TestPaperForm_WithoutCommuneAndInEnglish(t *testing.T) {
	qn := Default()
	var b bytes.Buffer
	if err := PaperForm(&b, printSurvey(), qn, nil, "", "en"); err != nil {
		t.Fatal(err)
	}
	doc := readPDF(t, b.Bytes())
	text := ""
	for _, p := range doc.pages {
		text += p.text() + "\n"
	}
	for _, q := range qn.Questions {
		if !strings.Contains(text, q.Label.EN) {
			t.Errorf("question %s is missing in English: %q", q.ID, q.Label.EN)
		}
	}
	for _, want := range []string{"Sheet no. (for data entry)", "To return by 15 March 2026 to your town hall.", "(required)",
		"If you answered “Private-sector employee” or “Civil servant” to question\u00a02:", fmt.Sprintf("page 1/%d", len(doc.pages))} {
		if !strings.Contains(text, want) {
			t.Errorf("the English questionnaire lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Commune of", "Online:", "k3m9xpq"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("without a commune, the questionnaire shows %q", unwanted)
		}
	}
}

// A questionnaire longer than the default still keeps each question on
// one page, and numbers its pages.
func TestPaperForm_LongQuestionnairePaginates(t *testing.T) {
	base := Default()
	qn := Questionnaire{Residence: base.Residence}
	for round := range 3 {
		for _, q := range base.Questions {
			q.ID = fmt.Sprintf("%s_%d", q.ID, round)
			q.Label.FR = fmt.Sprintf("%s [%d]", q.Label.FR, round)
			if q.ShowIf != nil {
				c := *q.ShowIf
				c.Question = fmt.Sprintf("%s_%d", c.Question, round)
				q.ShowIf = &c
			}
			qn.Questions = append(qn.Questions, q)
		}
	}
	var b bytes.Buffer
	if err := PaperForm(&b, printSurvey(), qn, nil, printURL, "fr"); err != nil {
		t.Fatal(err)
	}
	doc := readPDF(t, b.Bytes())
	if len(doc.pages) < 9 {
		t.Fatalf("%d pages for three times the default questionnaire", len(doc.pages))
	}
	for i, q := range qn.Questions {
		if q.Kind != Single && q.Kind != Multiple {
			continue
		}
		found := false
		for _, p := range doc.pages {
			text := p.text()
			if strings.Contains(text, q.Label.FR) {
				found = true
				last := q.Options[len(q.Options)-1].Label.FR
				if !strings.Contains(text, last) {
					t.Errorf("question %d: its last option %q is not on its page", i+1, last)
				}
			}
		}
		if !found {
			t.Errorf("question %d is missing", i+1)
		}
	}
	if !strings.Contains(doc.pages[len(doc.pages)-1].text(), fmt.Sprintf("page %d/%d", len(doc.pages), len(doc.pages))) {
		t.Error("the last page is not numbered")
	}
}

func TestPrintDateAndTownHall(t *testing.T) {
	for _, c := range []struct{ day, lang, want string }{
		{"2026-03-15", "fr", "15 mars 2026"},
		{"2026-08-01", "fr", "1er août 2026"},
		{"2026-12-31", "en", "31 December 2026"},
		{"bientôt", "fr", "bientôt"},
	} {
		if got := printDate(c.day, c.lang); got != c.want {
			t.Errorf("printDate(%q, %s) = %q, want %q", c.day, c.lang, got, c.want)
		}
	}
	for name, want := range map[string]string{
		"Forcalquier": "la mairie de Forcalquier", "Ongles": "la mairie d'Ongles", "Étoile-Saint-Cyrice": "la mairie d'Étoile-Saint-Cyrice",
		"Le Revest-des-Brousses": "la mairie du Revest-des-Brousses", "Les Mées": "la mairie des Mées", "La Brillanne": "la mairie de La Brillanne",
	} {
		if got := townHall(&SurveyCommune{Name: name}, "fr"); got != want {
			t.Errorf("townHall(%s) = %q, want %q", name, got, want)
		}
	}
}

// checkPDFEncoding fails on text that went through the wrong code page.
func checkPDFEncoding(t *testing.T, text string) {
	t.Helper()
	for _, bad := range []string{"Ã", "Â«", "\ufffd", "?tude", "pr.s "} {
		if strings.Contains(text, bad) {
			t.Errorf("mangled text (%q) in:\n%s", bad, text)
		}
	}
}

// A small PDF reader for the tests: it checks the structure fpdf writes
// (cross-reference table, catalogue, page tree) and reads the text shown
// on each page.

type pdfDoc struct {
	objects map[int]pdfObject
	pages   []pdfPage
}

type pdfObject struct {
	dict   string
	stream []byte // decompressed
}

type pdfPage struct {
	mediaBox string
	content  string
	items    []pdfItem
}

// pdfItem is one string shown, at its position in points.
type pdfItem struct {
	x, y float64
	s    string
}

// text is the page's strings in the order drawn, joined by spaces.
func (p pdfPage) text() string {
	var parts []string
	for _, it := range p.items {
		parts = append(parts, it.s)
	}
	return strings.Join(parts, " ")
}

func (d pdfDoc) hasImage(w, h string) bool {
	for _, o := range d.objects {
		if strings.Contains(o.dict, "/Subtype /Image") && strings.Contains(o.dict, "/Width "+w) && strings.Contains(o.dict, "/Height "+h) {
			return true
		}
	}
	return false
}

var (
	pdfStartXref = regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?$`)
	pdfRefTo     = func(key string) *regexp.Regexp { return regexp.MustCompile(key + ` (\d+) 0 R`) }
	pdfLengthKey = regexp.MustCompile(`/Length (\d+)`)
	pdfShowText  = regexp.MustCompile(`BT (-?[\d.]+) (-?[\d.]+) Td \(((?:[^\\)]|\\.)*)\) Tj ET`)
	pdfMediaBox  = regexp.MustCompile(`/MediaBox (\[[\d. ]+\])`)
	pdfKidRef    = regexp.MustCompile(`(\d+) 0 R`)
)

func readPDF(t *testing.T, data []byte) pdfDoc {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		t.Fatalf("not a PDF: %q", data[:min(20, len(data))])
	}
	m := pdfStartXref.FindSubmatch(data)
	if m == nil {
		t.Fatal("no startxref and end-of-file marker at the end")
	}
	at, _ := strconv.Atoi(string(m[1]))
	xref := string(data[at:])
	var first, n int
	if _, err := fmt.Sscanf(xref, "xref\n%d %d\n", &first, &n); err != nil || first != 0 {
		t.Fatalf("bad cross-reference table at %d: %v", at, err)
	}
	head := len(fmt.Sprintf("xref\n0 %d\n", n))
	doc := pdfDoc{objects: map[int]pdfObject{}}
	for i := 1; i < n; i++ {
		entry := xref[head+20*i : head+20*i+20]
		var off, gen int
		var kind string
		if _, err := fmt.Sscanf(entry, "%d %d %s", &off, &gen, &kind); err != nil || kind != "n" {
			t.Fatalf("object %d: bad cross-reference entry %q", i, entry)
		}
		doc.objects[i] = readPDFObject(t, data, off, i)
	}
	trailer := xref[head+20*n:]
	if !strings.Contains(trailer, fmt.Sprintf("/Size %d", n)) {
		t.Errorf("the trailer's /Size is not %d: %s", n, trailer)
	}
	root := doc.ref(t, trailer, "/Root")
	pages := doc.ref(t, doc.objects[root].dict, "/Pages")
	tree := doc.objects[pages].dict
	_, kids, _ := strings.Cut(tree, "/Kids [")
	kids, _, _ = strings.Cut(kids, "]")
	defaultBox := ""
	if m := pdfMediaBox.FindStringSubmatch(tree); m != nil {
		defaultBox = m[1]
	}
	for _, k := range pdfKidRef.FindAllStringSubmatch(kids, -1) {
		id, _ := strconv.Atoi(k[1])
		page := doc.objects[id].dict
		if !strings.Contains(page, "/Type /Page") {
			t.Fatalf("kid %d is not a page: %s", id, page)
		}
		p := pdfPage{mediaBox: defaultBox}
		if m := pdfMediaBox.FindStringSubmatch(page); m != nil {
			p.mediaBox = m[1]
		}
		p.content = string(doc.objects[doc.ref(t, page, "/Contents")].stream)
		for _, s := range pdfShowText.FindAllStringSubmatch(p.content, -1) {
			x, _ := strconv.ParseFloat(s[1], 64)
			y, _ := strconv.ParseFloat(s[2], 64)
			p.items = append(p.items, pdfItem{x: x, y: y, s: decodeCP1252(pdfUnescape(s[3]))})
		}
		doc.pages = append(doc.pages, p)
	}
	if !strings.Contains(tree, fmt.Sprintf("/Count %d", len(doc.pages))) {
		t.Errorf("the page tree's /Count is not its %d kids: %s", len(doc.pages), tree)
	}
	return doc
}

func (d pdfDoc) ref(t *testing.T, dict, key string) int {
	t.Helper()
	m := pdfRefTo(key).FindStringSubmatch(dict)
	if m == nil {
		t.Fatalf("no %s in %s", key, dict)
	}
	id, _ := strconv.Atoi(m[1])
	if _, ok := d.objects[id]; !ok {
		t.Fatalf("%s points to object %d, which does not exist", key, id)
	}
	return id
}

// readPDFObject reads object id at off: its dictionary and, for a stream,
// its data (inflated when compressed).
func readPDFObject(t *testing.T, data []byte, off, id int) pdfObject {
	t.Helper()
	head := fmt.Sprintf("%d 0 obj\n", id)
	if off >= len(data) || !bytes.HasPrefix(data[off:], []byte(head)) {
		t.Fatalf("object %d is not at its offset %d", id, off)
	}
	body := data[off+len(head):]
	end := bytes.Index(body, []byte("endobj"))
	st := bytes.Index(body, []byte("stream\n"))
	if end < 0 {
		t.Fatalf("object %d has no endobj", id)
	}
	if st < 0 || st > end {
		return pdfObject{dict: string(body[:end])}
	}
	o := pdfObject{dict: string(body[:st])}
	m := pdfLengthKey.FindStringSubmatch(o.dict)
	if m == nil {
		t.Fatalf("stream %d has no length", id)
	}
	n, _ := strconv.Atoi(m[1])
	raw := body[st+len("stream\n"):]
	if len(raw) < n || !bytes.HasPrefix(raw[n:], []byte("\nendstream")) {
		t.Fatalf("stream %d: its length %d does not end at endstream", id, n)
	}
	o.stream = raw[:n]
	if strings.Contains(o.dict, "/FlateDecode") && !strings.Contains(o.dict, "/DecodeParms") {
		r, err := zlib.NewReader(bytes.NewReader(o.stream))
		if err != nil {
			t.Fatalf("stream %d: %v", id, err)
		}
		if o.stream, err = io.ReadAll(r); err != nil {
			t.Fatalf("stream %d: %v", id, err)
		}
	}
	return o
}

func pdfUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'r':
				b.WriteByte('\r')
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cp1252 decodes the code page of the core fonts (WinAnsiEncoding).
func decodeCP1252(s string) string {
	high := []rune("€\ufffd‚ƒ„…†‡ˆ‰Š‹Œ\ufffdŽ\ufffd\ufffd‘’“”•–—˜™š›œ\ufffdžŸ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 && c < 0xa0 {
			b.WriteRune(high[c-0x80])
		} else {
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}
