package survey

// The printable distribution kit of a campaign: the A5 flyer a commune
// puts in its bulletin municipal, and the A4 paper questionnaire that staff
// key in afterwards. Both are drawn with fpdf's core fonts (Helvetica), so
// the text goes through the cp1252 code page: French accents, « », œ, € and
// no-break printSpaces are all in it.

import (
	"bytes"
	"coopconnect/internal/pdfkit"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// ptMM is one typographic point in millimetres.
const ptMM = 25.4 / 72

// doc is an fpdf document with the helpers both prints share. In dry mode
// nothing is drawn: the layout code runs to measure a block's height.
type printDoc struct {
	pdf  *fpdf.Fpdf
	tr   pdfkit.Encoder
	lang string
	dry  bool
	size float64 // the current font size, in points
}

// The paper sizes, in millimetres (fpdf's "A5" is half a millimetre too
// wide).
var (
	sizeA4 = fpdf.SizeType{Wd: 210, Ht: 297}
	sizeA5 = fpdf.SizeType{Wd: 148, Ht: 210}
)

func newPrintDoc(size fpdf.SizeType, lang, title string) *printDoc {
	p := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: size})
	p.SetCellMargin(0)
	p.SetAutoPageBreak(false, 0)
	p.SetTitle(strings.ToValidUTF8(title, ""), true) // fpdf panics on invalid UTF-8 there
	p.SetCreator("Coop-connect", true)
	p.SetLang(lang)
	d := &printDoc{pdf: p, lang: lang}
	d.tr = pdfkit.NewEncoder(p)
	return d
}

// t picks the French or the English text.
func (d *printDoc) t(fr, en string) string {
	if d.lang == "en" {
		return en
	}
	return fr
}

// enc turns UTF-8 text into one line of cp1252 bytes.
func (d *printDoc) enc(s string) string { return d.tr.Line(s) }

func (d *printDoc) font(style string, size float64, c pdfkit.Color) {
	d.size = size
	d.pdf.SetFont("Helvetica", style, size)
	d.pdf.SetTextColor(c.R, c.G, c.B)
}

func (d *printDoc) fill(c pdfkit.Color) { d.pdf.SetFillColor(c.R, c.G, c.B) }
func (d *printDoc) line(c pdfkit.Color, w float64) {
	d.pdf.SetDrawColor(c.R, c.G, c.B)
	d.pdf.SetLineWidth(w)
}

// width measures encoded text in the current font.
func (d *printDoc) width(enc string) float64 { return d.pdf.GetStringWidth(enc) }

// baseline is where text of the current font sits in a line of height lh
// starting at y: its capitals centred in the line.
func (d *printDoc) baseline(y, lh float64) float64 { return y + lh/2 + 0.36*d.size*ptMM }

// text draws one encoded line in the box [x, x+w) at y, aligned "L", "C"
// or "R".
func (d *printDoc) text(x, y, w, lh float64, enc, align string) {
	if d.dry || enc == "" {
		return
	}
	switch align {
	case "C":
		x += (w - d.width(enc)) / 2
	case "R":
		x += w - d.width(enc)
	}
	d.pdf.Text(x, d.baseline(y, lh), enc)
}

// lines wraps UTF-8 text to the width w in the current font; with limit > 0
// it keeps that many lines, the last cut with an ellipsis.
func (d *printDoc) lines(s string, w float64, limit int) []string {
	enc := d.enc(s)
	if enc == "" {
		return nil
	}
	var out []string
	for _, l := range d.pdf.SplitLines([]byte(enc), w) {
		out = append(out, strings.TrimSpace(string(l)))
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
		out[limit-1] = d.fit(out[limit-1]+" "+d.tr.Line("…"), w)
	}
	return out
}

// balanced wraps text like lines, in as few lines but of even lengths:
// a headline without a lonely last word.
func (d *printDoc) balanced(s string, w float64, limit int) []string {
	ls := d.lines(s, w, limit)
	if len(ls) < 2 || (limit > 0 && len(ls) >= limit) {
		return ls
	}
	for ww := w - 2; ww > w/2; ww -= 2 {
		if len(d.lines(s, ww, 0)) > len(ls) {
			break
		}
		w = ww
	}
	return d.lines(s, w, limit)
}

// fit cuts an encoded line to the width w, with an ellipsis when cut.
func (d *printDoc) fit(enc string, w float64) string {
	if d.width(enc) <= w {
		return enc
	}
	dots := d.tr.Line("…")
	enc = strings.TrimSuffix(enc, dots)
	for len(enc) > 0 && d.width(enc+dots) > w {
		enc = enc[:len(enc)-1]
	}
	return strings.TrimRight(enc, " ,;:.") + dots
}

// para draws text wrapped to the width w from y and returns the y below.
func (d *printDoc) para(x, y, w, lh float64, s, align string, limit int) float64 {
	for _, l := range d.lines(s, w, limit) {
		d.text(x, y, w, lh, l, align)
		y += lh
	}
	return y
}

// box draws an empty box to tick or write in.
func (d *printDoc) box(x, y, w, h float64) {
	if d.dry {
		return
	}
	d.line(pdfkit.Night, 0.3)
	d.fill(pdfkit.White)
	d.pdf.Rect(x, y, w, h, "FD")
}

func (d *printDoc) rect(x, y, w, h float64, c pdfkit.Color) {
	if d.dry {
		return
	}
	d.fill(c)
	d.pdf.Rect(x, y, w, h, "F")
}

func (d *printDoc) rule(x1, y1, x2, y2 float64, c pdfkit.Color, w float64) {
	if d.dry {
		return
	}
	d.line(c, w)
	d.pdf.Line(x1, y1, x2, y2)
}

func (d *printDoc) output(w io.Writer) error {
	if err := d.pdf.Error(); err != nil {
		return err
	}
	return d.pdf.Output(w)
}

// printDate writes a day (YYYY-MM-DD) as "15 mars 2026", "1er mars 2026",
// or "15 March 2026" in English.
func printDate(day, lang string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	months := [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	d := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		d = "1er"
	}
	return d + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// townHall names the town hall of a commune: "la mairie de Forcalquier",
// "la mairie du Revest-des-Brousses", "la mairie d'Ongles"; that of the
// respondent's commune when there is none.
func townHall(c *SurveyCommune, lang string) string {
	if lang == "en" {
		if c == nil || c.Name == "" {
			return "your town hall"
		}
		return "the town hall of " + c.Name
	}
	if c == nil || c.Name == "" {
		return "la mairie de votre commune"
	}
	return "la mairie " + ofCommune(c.Name)
}

// ofCommune puts "de" before a commune's name, as French contracts it:
// "de Forcalquier", "du Revest-des-Brousses", "des Mées", "d'Ongles",
// "de La Brillanne".
func ofCommune(n string) string {
	switch {
	case strings.HasPrefix(n, "Le "):
		return "du " + n[3:]
	case strings.HasPrefix(n, "Les "):
		return "des " + n[4:]
	case strings.ContainsAny(firstLetter(n), "AEIOUYÂÉÈÊÎÔÛ"):
		return "d'" + n
	}
	return "de " + n
}

func firstLetter(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// bareURL is a link as people type it: without its scheme.
func bareURL(u string) string {
	for _, p := range []string{"https://", "http://"} {
		if s, ok := strings.CutPrefix(u, p); ok {
			return s
		}
	}
	return u
}

// defaultFlyerIntro is the flyer's text when the campaign has no
// introduction.
func defaultFlyerIntro(lang string) string {
	if lang == "en" {
		return "Your commune and its neighbours are thinking about a shared place to work near home: desks, a meeting room, a fast connection, people. Tell us what you would need."
	}
	return "Votre commune et ses voisines réfléchissent à un lieu partagé pour travailler près de chez vous\u00a0: bureaux, salle de réunion, connexion rapide, du monde. Dites-nous ce qu'il vous faudrait."
}

// Flyer writes the A5 flyer of a commune for its bulletin municipal: what
// the campaign asks, the commune's QR code and short link (url), until
// when, and that answering is short and anonymous.
func Flyer(w io.Writer, sv Survey, c SurveyCommune, url string, lang string) error {
	d := newPrintDoc(sizeA5, lang, sv.Title)
	p := d.pdf
	p.AddPage()
	const pw, ph, m = 148.0, 210.0, 12.0
	cw := pw - 2*m

	// The band: a question to the residents, then the campaign.
	d.font("B", 21, pdfkit.White)
	head := d.balanced(d.t("Un lieu pour travailler près de chez vous\u00a0?", "A place to work near home?"), cw, 3)
	d.font("", 11, pdfkit.White)
	title := d.lines(sv.Title, cw, 2)
	bandH := 11 + float64(len(head))*9 + 2 + float64(len(title))*5 + 8
	d.rect(0, 0, pw, bandH, pdfkit.Olive)
	d.rect(0, bandH, pw, 2.2, pdfkit.Ochre)
	y := 11.0
	d.font("B", 21, pdfkit.White)
	for _, l := range head {
		d.text(m, y, cw, 9, l, "L")
		y += 9
	}
	y += 2
	d.font("", 11, pdfkit.OlivePale)
	for _, l := range title {
		d.text(m, y, cw, 5, l, "L")
		y += 5
	}

	// The commune, and what the campaign is about.
	y = bandH + 9
	d.font("B", 14, pdfkit.Lavender)
	name := c.Name
	if name == "" {
		name = c.Code
	}
	for _, l := range d.balanced(d.t("Vous habitez "+name+"\u00a0? Votre avis compte.", "Do you live in "+name+"? Your opinion counts."), cw, 3) {
		d.text(m, y, cw, 6.5, l, "L")
		y += 6.5
	}
	y += 2.5
	intro := sv.Intro
	if strings.TrimSpace(intro) == "" {
		intro = defaultFlyerIntro(lang)
	}
	d.font("", 10, pdfkit.Night)
	y = d.para(m, y, cw, 5, intro, "L", 4)
	y += 5

	// What goes below the QR code, measured first: the QR code takes
	// the room left, 50 mm at most.
	const footH = 9.0
	link := d.enc(bareURL(url))
	size := 20.0
	for ; size > 9; size -= 0.5 {
		d.font("B", size, pdfkit.Lavender)
		if d.width(link) <= cw {
			break
		}
	}
	linkH := size * ptMM * 1.3
	d.font("I", 9.5, pdfkit.NightSoft)
	offline := d.lines(d.t("Pas d'internet\u00a0? Demandez le questionnaire papier à "+townHall(&c, lang)+".",
		"No internet? Ask "+townHall(&c, lang)+" for the paper questionnaire."), cw, 2)
	d.font("", 7.5, pdfkit.NightSoft)
	privacy := d.lines(d.t("Vos réponses sont anonymes\u00a0: ni nom, ni adresse IP, ni heure de réponse. Les résultats publiés ne montrent jamais un groupe de moins de 5 personnes.",
		"Your answers are anonymous: no name, no IP address, no time of answer. Published results never show a group of fewer than 5 people."), cw, 3)
	below := 6 + 6 + linkH + 5 + float64(len(offline))*4.6 + 2 + float64(len(privacy))*3.5 + 3 + footH
	qr := math.Max(32, math.Min(50, ph-below-y-8))

	// The QR code and what answering takes.
	panelH := qr + 8
	d.fill(pdfkit.LavenderPale)
	p.RoundedRect(m, y, cw, panelH, 3, "1234", "F")
	d.rect(m+4, y+4, qr, qr, pdfkit.White)
	png, err := qrPNG(url)
	if err != nil {
		return err
	}
	p.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	p.ImageOptions("qr", m+4, y+4, qr, qr, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, url)
	x := m + qr + 10
	tw := m + cw - 4 - x
	ty := y + 6
	d.font("B", 11.5, pdfkit.LavenderDeep)
	ty = d.para(x, ty, tw, 5.5, d.t("Scannez le code avec votre téléphone", "Scan the code with your phone"), "L", 3)
	ty += 4
	for _, s := range []string{
		d.t("5 minutes, anonyme", "5 minutes, anonymous"),
		d.t("Jusqu'au "+printDate(sv.ClosesOn, lang), "Until "+printDate(sv.ClosesOn, lang)),
	} {
		d.rect(x, ty+1.6, 2.6, 2.6, pdfkit.Ochre)
		d.font("B", 11, pdfkit.Night)
		ty = d.para(x+5, ty, tw-5, 5.5, s, "L", 2) + 1.5
	}
	y += panelH + 6

	// The short link, to type.
	d.font("", 10, pdfkit.NightSoft)
	d.text(m, y, cw, 5, d.enc(d.t("ou tapez l'adresse\u00a0:", "or type the address:")), "C")
	y += 6
	d.font("B", size, pdfkit.Lavender)
	d.text(m, y, cw, linkH, d.fit(link, cw), "C")
	y += linkH + 5
	d.font("I", 9.5, pdfkit.NightSoft)
	for _, l := range offline {
		d.text(m, y, cw, 4.6, l, "C")
		y += 4.6
	}

	// Privacy, and who asks.
	d.font("", 7.5, pdfkit.NightSoft)
	py := math.Max(y+2, ph-footH-3-float64(len(privacy))*3.5)
	for _, l := range privacy {
		d.text(m, py, cw, 3.5, l, "C")
		py += 3.5
	}
	d.rect(0, ph-footH, pw, footH, pdfkit.Lavender)
	by := d.t("Une enquête Coop-connect", "A Coop-connect survey")
	if sv.CarrierName != "" {
		by = d.t("Une enquête Coop-connect · ", "A Coop-connect survey · ") + sv.CarrierName
	}
	d.font("B", 8.5, pdfkit.White)
	d.text(m, ph-footH, cw, footH, d.fit(d.enc(by), cw), "C")
	return d.output(w)
}

// qrPNG draws the QR code of a link, ten pixels a module so that viewers
// that smooth images keep it sharp.
func qrPNG(url string) ([]byte, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.ForegroundColor = color.RGBA{uint8(pdfkit.Night.R), uint8(pdfkit.Night.G), uint8(pdfkit.Night.B), 0xff}
	return q.PNG(-10)
}

// form lays out the paper questionnaire.
type paperLayout struct {
	*printDoc
	sv      Survey
	qn      Questionnaire
	commune *SurveyCommune
	url     string
	numbers map[string]int
	y       float64
}

// The A4 page of the paper questionnaire, in millimetres.
const (
	a4W, a4H   = 210.0, 297.0
	formLeft   = 16.0
	formWidth  = a4W - 2*formLeft
	formTop    = 21.0
	formBottom = a4H - 17
)

// PaperForm writes the printable questionnaire (A4) of a campaign's
// questionnaire: numbered questions by sections, boxes to tick or write
// in, the conditions as instructions, a box for the sheet number staff
// write when keying it in, and where to return it. url, when given, is
// where to answer online instead (the commune's short link, or the
// campaign's page); with a commune, its name is printed on every page.
func PaperForm(w io.Writer, sv Survey, qn Questionnaire, c *SurveyCommune, url string, lang string) error {
	f := &paperLayout{printDoc: newPrintDoc(sizeA4, lang, sv.Title), sv: sv, qn: qn, commune: c, url: url, numbers: map[string]int{}}
	for i, q := range qn.Questions {
		f.numbers[q.ID] = i + 1
	}
	p := f.pdf
	p.AliasNbPages("{nb}")
	p.SetHeaderFunc(f.header)
	p.SetFooterFunc(f.footer)
	f.newPage()
	f.opening()
	for _, q := range qn.Questions {
		f.keep(func(y float64) float64 { return f.question(q, y) })
	}
	f.keep(f.closing)
	return f.output(w)
}

func (f *paperLayout) newPage() {
	f.pdf.AddPage()
	f.y = formTop
}

// keep draws a block on the current page if it fits, on the next one
// otherwise: a question is never split (unless it is longer than a page).
func (f *paperLayout) keep(block func(y float64) float64) {
	f.dry = true
	h := block(0)
	f.dry = false
	if f.y+h > formBottom && f.y > formTop {
		f.newPage()
	}
	f.y = block(f.y)
}

// header: the campaign and the commune on every page.
func (f *paperLayout) header() {
	d := f.printDoc
	right := d.t("Questionnaire papier", "Paper questionnaire")
	if f.commune != nil {
		right = f.commune.Name
	}
	d.font("", 8.5, pdfkit.NightSoft)
	r := d.enc(right)
	rw := d.width(r)
	d.font("B", 8.5, pdfkit.Olive)
	d.text(formLeft, 9, formWidth-rw-6, 5, d.fit(d.enc(f.sv.Title), formWidth-rw-6), "L")
	d.font("", 8.5, pdfkit.NightSoft)
	d.text(formLeft, 9, formWidth, 5, r, "R")
	d.rule(formLeft, 15, formLeft+formWidth, 15, pdfkit.Olive, 0.5)
}

// footer: where to answer online and the page number.
func (f *paperLayout) footer() {
	d := f.printDoc
	d.rule(formLeft, a4H-13, formLeft+formWidth, a4H-13, pdfkit.Stone, 0.3)
	d.font("", 8, pdfkit.NightSoft)
	left := d.t("Coop-connect — enquête sur les besoins", "Coop-connect — needs survey")
	if f.url != "" {
		left = d.t("En ligne\u00a0: ", "Online: ") + bareURL(f.url)
	}
	d.text(formLeft, a4H-11.5, formWidth-30, 5, d.fit(d.enc(left), formWidth-30), "L")
	page := d.enc("page " + strconv.Itoa(f.pdf.PageNo()) + "/")
	// The total is known only at the end: "{nb}" is replaced then; the
	// alignment counts one digit for it.
	x := formLeft + formWidth - d.width(page+"9")
	d.pdf.Text(x, d.baseline(a4H-11.5, 5), page+"{nb}")
}

// opening is the first page's top: the campaign, the commune, the sheet
// number box, the introduction and how to fill the form in.
func (f *paperLayout) opening() {
	d := f.printDoc
	y := f.y + 2
	const boxW = 50.0
	tw := formWidth - boxW - 8

	// The sheet number, written by staff when keying the sheet in.
	bx := formLeft + formWidth - boxW
	d.line(pdfkit.Lavender, 0.5)
	d.fill(pdfkit.LavenderPale)
	f.pdf.RoundedRect(bx, y, boxW, 24, 2.5, "1234", "FD")
	d.font("B", 8.5, pdfkit.LavenderDeep)
	d.text(bx+3, y+1.5, boxW-6, 4.5, d.enc(d.t("N° de fiche", "Sheet no.")), "L")
	d.font("I", 7, pdfkit.LavenderDeep)
	d.text(bx+3, y+5.5, boxW-6, 3.5, d.enc(d.t("(réservé à la saisie)", "(for data entry)")), "L")
	d.line(pdfkit.Lavender, 0.3)
	d.fill(pdfkit.White)
	f.pdf.Rect(bx+3, y+10.5, boxW-6, 11, "FD")

	d.font("B", 8.5, pdfkit.Olive)
	d.text(formLeft, y, tw, 5, d.enc(strings.ToUpper(d.t("Enquête sur les besoins · questionnaire papier", "Needs survey · paper questionnaire"))), "L")
	y += 6.5
	d.font("B", 17, pdfkit.Night)
	y = d.para(formLeft, y, tw, 7.5, f.sv.Title, "L", 3)
	if f.commune != nil {
		y += 1
		d.font("B", 12, pdfkit.Lavender)
		y = d.para(formLeft, y, tw, 6, d.t("Commune "+ofCommune(f.commune.Name), "Commune of "+f.commune.Name), "L", 2)
	}
	y = math.Max(y, f.y+2+24) + 4

	if intro := strings.TrimSpace(f.sv.Intro); intro != "" {
		d.font("", 9.5, pdfkit.Night)
		y = d.para(formLeft, y, formWidth, 4.6, intro, "L", 7) + 3
	}

	// How to fill it in, and where it goes.
	items := []string{
		d.t("Cochez la case de votre réponse\u00a0: une seule par question, sauf quand plusieurs réponses sont possibles.",
			"Tick the box of your answer: one per question, unless several answers are possible."),
		d.t("Les questions marquées (obligatoire) doivent être remplies. Certaines questions ne concernent que certaines personnes\u00a0: suivez les indications en italique.",
			"Questions marked (required) must be answered. Some questions are only for some people: follow the instructions in italics."),
		d.t("Environ 5 minutes. Vos réponses sont anonymes\u00a0: n'écrivez pas votre nom.",
			"About 5 minutes. Your answers are anonymous: do not write your name."),
	}
	if f.url != "" {
		items = append(items, d.t("Vous préférez répondre en ligne\u00a0? ", "Would you rather answer online? ")+bareURL(f.url))
	}
	ret := f.returnLine()
	d.dry = true
	h := f.panel(0, items, ret)
	d.dry = false
	d.fill(pdfkit.OlivePale)
	f.pdf.RoundedRect(formLeft, y, formWidth, h, 2.5, "1234", "F")
	f.y = f.panel(y, items, ret) + 6
}

// returnLine says until when and where the sheet goes.
func (f *paperLayout) returnLine() string {
	return f.t("À rendre avant le "+printDate(f.sv.ClosesOn, "fr")+" à "+townHall(f.commune, "fr")+".",
		"To return by "+printDate(f.sv.ClosesOn, "en")+" to "+townHall(f.commune, "en")+".")
}

// panel draws the instructions from y and returns the y below.
func (f *paperLayout) panel(y float64, items []string, ret string) float64 {
	d := f.printDoc
	y += 3.5
	x, w := formLeft+5, formWidth-10
	for _, s := range items {
		d.rect(x, y+1.5, 1.8, 1.8, pdfkit.Olive)
		d.font("", 9, pdfkit.Night)
		y = d.para(x+4, y, w-4, 4.6, s, "L", 0) + 0.8
	}
	d.font("B", 9.5, pdfkit.Olive)
	y = d.para(x, y+0.5, w, 5, ret, "L", 0)
	return y + 3
}

// closing thanks, repeats where to return the sheet and gives the privacy
// notice in full.
func (f *paperLayout) closing(y float64) float64 {
	d := f.printDoc
	y += 4
	d.rule(formLeft, y, formLeft+formWidth, y, pdfkit.Olive, 0.5)
	y += 4
	d.font("B", 13, pdfkit.Olive)
	y = d.para(formLeft, y, formWidth, 6.5, d.t("Merci de votre participation\u00a0!", "Thank you for taking part!"), "L", 0)
	d.font("B", 10, pdfkit.Night)
	y = d.para(formLeft, y+1, formWidth, 5, f.returnLine(), "L", 0) + 3
	privacy := strings.TrimSpace(f.sv.Privacy)
	if privacy == "" {
		privacy = DefaultPrivacy
	}
	d.font("B", 8.5, pdfkit.NightSoft)
	y = d.para(formLeft, y, formWidth, 4.4, d.t("Vos données", "Your data"), "L", 0)
	d.font("", 8, pdfkit.NightSoft)
	for _, par := range strings.Split(privacy, "\n") {
		y = d.para(formLeft, y, formWidth, 3.9, par, "L", 0)
	}
	return y
}

// question draws a question (and the section it opens) from y and returns
// the y below.
func (f *paperLayout) question(q Question, y float64) float64 {
	d := f.printDoc
	if s := q.Section.In(f.lang); s != "" {
		y += 2
		d.font("B", 11.5, pdfkit.LavenderDeep)
		ls := d.lines(s, formWidth-8, 2)
		h := float64(len(ls))*5.5 + 3
		d.rect(formLeft, y, formWidth, h, pdfkit.LavenderPale)
		d.rect(formLeft, y, 1.6, h, pdfkit.Lavender)
		yy := y + 1.5
		for _, l := range ls {
			d.text(formLeft+5, yy, formWidth-8, 5.5, l, "L")
			yy += 5.5
		}
		y += h + 4
	}
	x := formLeft + 9
	w := formWidth - 9
	if c := q.ShowIf; c != nil {
		d.font("I", 8.5, pdfkit.OchreDeep)
		y = d.para(x, y, w, 4.2, f.condition(*c), "L", 0) + 0.6
	}
	// The number, in a badge.
	if !d.dry {
		d.fill(pdfkit.Olive)
		f.pdf.Circle(formLeft+3.2, y+2.7, 3.2, "F")
	}
	d.font("B", 8.5, pdfkit.White)
	d.text(formLeft, y, 6.4, 5.4, strconv.Itoa(f.numbers[q.ID]), "C")
	// The label, then "(obligatoire)" after it when it fits.
	d.font("B", 10.5, pdfkit.Night)
	label := d.lines(q.Label.In(f.lang), w, 0)
	for i, l := range label {
		d.text(x, y, w, 5.4, l, "L")
		if i < len(label)-1 {
			y += 5.4
		}
	}
	if q.Required {
		last := ""
		if len(label) > 0 {
			last = label[len(label)-1]
		}
		lw := d.width(last)
		req := d.enc(d.t("(obligatoire)", "(required)"))
		d.font("I", 8.5, pdfkit.OchreDeep)
		if lw+2+d.width(req) > w {
			y += 5.4
			lw = -2
		}
		d.text(x+lw+2, y, w, 5.4, req, "L")
	}
	y += 5.4
	if h := q.Help.In(f.lang); h != "" {
		d.font("", 8.5, pdfkit.NightSoft)
		y = d.para(x, y, w, 4.2, h, "L", 0)
	} else if q.Kind == Multiple {
		d.font("", 8.5, pdfkit.NightSoft)
		y = d.para(x, y, w, 4.2, d.t("Plusieurs réponses possibles.", "Several answers possible."), "L", 0)
	}
	y += 1.8
	switch q.Kind {
	case Single, Multiple:
		y = f.options(q, x, y, w)
	case Days:
		y = f.days(x, y)
	case Number:
		y = f.number(q, x, y)
	case Scale:
		y = f.scale(q, x, y)
	case Commune:
		y = f.communeField(x, y, w)
	default:
		y = f.freeText(x, y, w)
	}
	return y + 5
}

// condition writes a question's condition as an instruction: « Si vous
// avez répondu « Salarié·e du privé » ou « Retraité·e » à la question 2 : ».
func (f *paperLayout) condition(c Condition) string {
	src, _ := f.qn.Question(c.Question)
	var labels []string
	for _, code := range c.AnyOf {
		label := code
		if o, ok := src.Option(code); ok {
			label = o.Label.In(f.lang)
		}
		labels = append(labels, f.t("«\u00a0"+label+"\u00a0»", "“"+label+"”"))
	}
	if len(labels) == 0 {
		return ""
	}
	list := labels[0]
	if n := len(labels); n > 1 {
		list = strings.Join(labels[:n-1], ", ") + f.t(" ou ", " or ") + labels[n-1]
	}
	n := strconv.Itoa(f.numbers[c.Question])
	return f.t("Si vous avez répondu "+list+" à la question\u00a0"+n+"\u00a0:", "If you answered "+list+" to question\u00a0"+n+":")
}

const (
	tickSize  = 3.6 // a box to tick, in mm
	optionLH  = 4.6 // the line height of an option
	optionGap = 1.5 // between rows of options
)

// options draws the boxes of a single or multiple choice question, in as
// many columns as the labels allow, "other" on a row of its own.
func (f *paperLayout) options(q Question, x, y, w float64) float64 {
	d := f.printDoc
	d.font("", 9.5, pdfkit.Night)
	widest := 0.0
	for _, o := range q.Options {
		widest = math.Max(widest, d.width(d.enc(o.Label.In(f.lang))))
	}
	cols := 1
	for _, n := range []int{3, 2} {
		if widest+tickSize+2+4 <= w/float64(n) {
			cols = n
			break
		}
	}
	colW := w / float64(cols)
	for i := 0; i < len(q.Options); i += cols {
		row := q.Options[i:min(i+cols, len(q.Options))]
		var cells [][]string
		rows := 1
		for _, o := range row {
			ls := d.lines(o.Label.In(f.lang), colW-tickSize-2-3, 0)
			cells = append(cells, ls)
			rows = max(rows, len(ls))
		}
		h := float64(rows) * optionLH
		if !d.dry && y+h > formBottom {
			f.newPage() // only for a question longer than a page
			y = f.y
		}
		for j, ls := range cells {
			cx := x + float64(j)*colW
			d.box(cx, y+(optionLH-tickSize)/2, tickSize, tickSize)
			d.font("", 9.5, pdfkit.Night)
			for k, l := range ls {
				d.text(cx+tickSize+2, y+float64(k)*optionLH, colW-tickSize-2, optionLH, l, "L")
			}
		}
		y += h + optionGap
	}
	if q.Other {
		d.box(x, y+(optionLH-tickSize)/2, tickSize, tickSize)
		d.font("", 9.5, pdfkit.Night)
		lbl := d.enc(d.t("Autre, précisez\u00a0:", "Other, please specify:"))
		d.text(x+tickSize+2, y, w, optionLH, lbl, "L")
		lx := x + tickSize + 2 + d.width(lbl) + 2
		d.rule(lx, y+optionLH, x+w, y+optionLH, pdfkit.NightSoft, 0.2)
		y += optionLH + optionGap
	}
	return y
}

// days draws the grid of days × parts of the day.
func (f *paperLayout) days(x, y float64) float64 {
	d := f.printDoc
	const labelW, cellW, headH, rowH = 26.0, 22.0, 6.0, 7.0
	d.font("B", 8.5, pdfkit.NightSoft)
	for i, day := range Weekdays {
		d.text(x+labelW+float64(i)*cellW, y, cellW, headH, d.enc(day.Label.In(f.lang)), "C")
	}
	y += headH
	gridW := labelW + float64(len(Weekdays))*cellW
	for r, part := range DayPeriods {
		if r%2 == 0 {
			d.rect(x, y, gridW, rowH, pdfkit.OlivePale)
		}
		d.font("", 9, pdfkit.Night)
		d.text(x+2, y, labelW-2, rowH, d.enc(part.Label.In(f.lang)), "L")
		for i := range Weekdays {
			d.box(x+labelW+float64(i)*cellW+(cellW-tickSize)/2, y+(rowH-tickSize)/2, tickSize, tickSize)
		}
		y += rowH
	}
	return y + 1
}

// number draws boxes for the digits, the unit and the bounds.
func (f *paperLayout) number(q Question, x, y float64) float64 {
	d := f.printDoc
	const bw, bh = 6.0, 7.0
	digits := 4
	if q.Max != nil {
		digits = len(strconv.Itoa(int(math.Ceil(math.Abs(*q.Max)))))
	}
	if q.Min != nil && *q.Min < 0 {
		digits++
	}
	digits = min(digits, 8)
	for i := range digits {
		d.box(x+float64(i)*bw, y, bw, bh)
	}
	cx := x + float64(digits)*bw
	if !q.Integer {
		d.font("B", 11, pdfkit.Night)
		d.text(cx, y, 3, bh, ",", "C")
		cx += 3
		for i := range 2 {
			d.box(cx+float64(i)*bw, y, bw, bh)
		}
		cx += 2 * bw
	}
	cx += 2.5
	if u := q.Unit.In(f.lang); u != "" {
		d.font("B", 9.5, pdfkit.Night)
		enc := d.enc(u)
		d.text(cx, y, 60, bh, enc, "L")
		cx += d.width(enc) + 3
	}
	if b := f.bounds(q); b != "" {
		d.font("", 8.5, pdfkit.NightSoft)
		d.text(cx, y, 80, bh, d.enc("("+b+")"), "L")
	}
	return y + bh + 1
}

// bounds says a number's bounds: "entre 0 et 300", "au moins 1".
func (f *paperLayout) bounds(q Question) string {
	n := func(v float64) string {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if f.lang != "en" {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	switch {
	case q.Min != nil && q.Max != nil:
		return f.t("entre "+n(*q.Min)+" et "+n(*q.Max), "between "+n(*q.Min)+" and "+n(*q.Max))
	case q.Min != nil:
		return f.t("au moins "+n(*q.Min), "at least "+n(*q.Min))
	case q.Max != nil:
		return f.t("au plus "+n(*q.Max), "at most "+n(*q.Max))
	}
	return ""
}

// scale draws the boxes 1..N with their numbers and the end labels.
func (f *paperLayout) scale(q Question, x, y float64) float64 {
	d := f.printDoc
	choices := q.Choices()
	if len(choices) == 0 {
		return y
	}
	const step, numH = 11.0, 4.0
	d.font("", 9, pdfkit.NightSoft)
	low := d.enc(q.Low.In(f.lang))
	lowW := math.Min(d.width(low), 50)
	bx := x
	if low != "" {
		d.text(x, y+numH, lowW, tickSize+1, d.fit(low, 50), "L")
		bx += lowW + 4
	}
	for i, o := range choices {
		cx := bx + float64(i)*step
		d.font("B", 8.5, pdfkit.Night)
		d.text(cx, y, tickSize, numH, d.enc(o.Label.In(f.lang)), "C")
		d.box(cx, y+numH+0.5, tickSize, tickSize)
	}
	if high := d.enc(q.High.In(f.lang)); high != "" {
		d.font("", 9, pdfkit.NightSoft)
		hx := bx + float64(len(choices)-1)*step + tickSize + 4
		d.text(hx, y+numH, formLeft+formWidth-hx, tickSize+1, d.fit(high, formLeft+formWidth-hx), "L")
	}
	return y + numH + tickSize + 2
}

// communeField draws a line for the commune's name and boxes for its
// postal code, which tells apart communes of the same name.
func (f *paperLayout) communeField(x, y, w float64) float64 {
	d := f.printDoc
	const h = 7.0
	d.font("", 9.5, pdfkit.Night)
	name := d.enc(d.t("Commune\u00a0:", "Commune:"))
	d.text(x, y, w, h, name, "L")
	lx := x + d.width(name) + 2
	postal := d.enc(d.t("Code postal\u00a0:", "Postal code:"))
	px := x + w - 5*5.5 - d.width(postal) - 2
	d.rule(lx, y+h-0.8, px-6, y+h-0.8, pdfkit.NightSoft, 0.2)
	d.text(px, y, w, h, postal, "L")
	bx := px + d.width(postal) + 2
	for i := range 5 {
		d.box(bx+float64(i)*5.5, y, 5.5, h)
	}
	return y + h + 1
}

// freeText draws lines to write on.
func (f *paperLayout) freeText(x, y, w float64) float64 {
	for range 4 {
		y += 7.5
		f.rule(x, y, x+w, y, pdfkit.NightSoft, 0.2)
	}
	return y + 1
}
