package ami_test

import (
	"bytes"
	"image"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

var (
	pdfFile = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	linkRe  = regexp.MustCompile(`/candidature/([A-Za-z0-9_-]+)`)
)

func pngFile(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f *fixture) start(t *testing.T, email string) (ami.Application, string) {
	t.Helper()
	a, secret, err := f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: "Mairie de Lurs", CarrierKind: "commune", Commune: "Lurs",
		ContactName: "Jeanne Roux", ContactEmail: email}, today)
	if err != nil {
		t.Fatal(err)
	}
	return a, secret
}

func problem(err error, field string) string {
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		return e.Fields[field]
	}
	return ""
}

func TestSniffType_ReadsTheContentNotTheName(t *testing.T) {
	cases := map[string][]byte{"application/pdf": pdfFile, "image/png": pngFile(t), "text/plain": []byte("%PDF? non, du texte"),
		"image/jpeg": {0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}}
	for want, data := range cases {
		if got := ami.SniffType(data); got != want {
			t.Errorf("SniffType(%q…) = %q, want %q", data[:min(8, len(data))], got, want)
		}
	}
}

func TestDocuments_TypeSizeReplaceDelete(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, secret := f.start(t, "mairie@lurs.example.fr")

		// A PNG renamed .pdf where only PDF is accepted, a file too big,
		// an empty one, an unknown document: refused on the document's field.
		if _, err := f.svc.UploadDocument(ctx, secret, "statutes", "statuts.pdf", pngFile(t)); problem(err, "doc.statutes") != "ami.document_type" {
			t.Errorf("a PNG as a PDF: %v", err)
		} else if args := coop.AsError(err).FieldArgs["doc.statutes"]; len(args) != 1 || args[0] != "PDF" {
			t.Errorf("type message arguments %v", args)
		}
		big := append(bytes.Clone(pdfFile), make([]byte, 10<<20)...)
		if _, err := f.svc.UploadDocument(ctx, secret, "statutes", "statuts.pdf", big); problem(err, "doc.statutes") != "ami.document_too_big" {
			t.Errorf("a file over 10 MiB: %v", err)
		}
		if _, err := f.svc.UploadDocument(ctx, secret, "statutes", "statuts.pdf", nil); problem(err, "doc.statutes") != "ami.document_empty" {
			t.Errorf("an empty file: %v", err)
		}
		if _, err := f.svc.UploadDocument(ctx, secret, "cv", "cv.pdf", pdfFile); problem(err, "doc.cv") != "ami.document_unknown" {
			t.Errorf("an unknown document: %v", err)
		}
		if docs, _ := f.svc.Documents(ctx, a.ID); len(docs) != 0 {
			t.Fatalf("refused uploads stored: %+v", docs)
		}

		// A PDF is taken; a second upload of the same document replaces it;
		// the premises take a PNG.
		first, err := f.svc.UploadDocument(ctx, secret, "statutes", `C:\Mes documents\statuts "v1".pdf`, pdfFile)
		if err != nil {
			t.Fatal(err)
		}
		if first.Filename != "statuts v1.pdf" || first.ContentType != "application/pdf" || first.Size != int64(len(pdfFile)) {
			t.Errorf("stored %+v", first)
		}
		second, err := f.svc.UploadDocument(ctx, secret, "statutes", "statuts-v2.pdf", pdfFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UploadDocument(ctx, secret, "premises", "plan.png", pngFile(t)); err != nil {
			t.Fatal(err)
		}
		docs, err := f.svc.Documents(ctx, a.ID)
		if err != nil || len(docs) != 2 || docs[0].Code != "premises" || docs[1].PublicID != second.PublicID || docs[0].ContentType != "image/png" {
			t.Fatalf("documents %+v %v", docs, err)
		}
		// Downloading: the candidate's own only.
		got, data, err := f.svc.Document(ctx, secret, second.PublicID)
		if err != nil || !bytes.Equal(data, pdfFile) || got.Filename != "statuts-v2.pdf" {
			t.Errorf("download: %+v %v", got, err)
		}
		if _, _, err := f.svc.Document(ctx, secret, first.PublicID); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("the replaced document: %v", err)
		}
		_, other := f.start(t, "autre@example.fr")
		if _, _, err := f.svc.Document(ctx, other, second.PublicID); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("another file's document: %v", err)
		}
		if err := f.svc.DeleteDocument(ctx, other, second.PublicID); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("deleting another file's document: %v", err)
		}
		if _, _, err := f.svc.Document(ctx, "faux-secret", second.PublicID); coop.ErrorCode(err) != coop.EGone {
			t.Errorf("a wrong link: %v", err)
		}
		// Deleting, then the history the candidate sees.
		if err := f.svc.DeleteDocument(ctx, secret, docs[0].PublicID); err != nil {
			t.Fatal(err)
		}
		if docs, _ := f.svc.Documents(ctx, a.ID); len(docs) != 1 {
			t.Errorf("after deletion: %+v", docs)
		}
		events, err := f.svc.Events(ctx, a.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range events {
			code, action := ami.DocumentChange(e)
			trail = append(trail, e.Kind+":"+code+":"+action)
		}
		if want := "created:: document:statutes:added document:statutes:added document:premises:added document:premises:deleted"; strings.Join(trail, " ") != want {
			t.Errorf("history %q, want %q", strings.Join(trail, " "), want)
		}
		// Once submitted, the documents are frozen.
		if _, err := f.svc.UploadDocument(ctx, secret, "premises", "plan.pdf", pdfFile); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Submit(ctx, secret, completeForm(), today); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UploadDocument(ctx, secret, "support", "soutien.pdf", pdfFile); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("upload after submission: %v", err)
		}
		if err := f.svc.DeleteDocument(ctx, secret, second.PublicID); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("delete after submission: %v", err)
		}
	})
}

// One sending of the file's form — answers, documents, a document
// removed — is kept whole, or not at all when any part of it is refused.
func TestUpdateDraft_AllOrNothing(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, secret := f.start(t, "mairie@lurs.example.fr")
		old, err := f.svc.UploadDocument(ctx, secret, "support", "soutien.pdf", pdfFile)
		if err != nil {
			t.Fatal(err)
		}
		state := func() string {
			t.Helper()
			got, err := f.svc.BySecret(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := f.svc.Documents(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			codes := []string{strings.Join(got.Answers.Form()["q.carrier"], "")}
			for _, d := range docs {
				codes = append(codes, d.Code)
			}
			return strings.Join(codes, " ")
		}
		ch := ami.Change{Answers: map[string][]string{"q.carrier": {"La commune"}},
			Uploads: []ami.Upload{{Code: "premises", Filename: "plan.png", Data: pngFile(t)}, {Code: "statutes", Filename: "statuts.pdf", Data: pngFile(t)}},
			Remove:  old.PublicID}
		// A picture where a PDF is asked: nothing of the change is kept.
		if _, _, err := f.svc.UpdateDraft(ctx, secret, ch); problem(err, "doc.statutes") != "ami.document_type" {
			t.Fatalf("a wrong document beside good ones: %v", err)
		}
		if got := state(); got != " support" {
			t.Fatalf("after a refused change: %q, want the draft as it was", got)
		}
		// A malformed answer and a wrong document: both told at once.
		bad := ch
		bad.Answers = map[string][]string{"q.carrier": {"La commune"}, "q.surface": {"beaucoup"}}
		_, _, err = f.svc.UpdateDraft(ctx, secret, bad)
		if problem(err, "q.surface") == "" || problem(err, "doc.statutes") != "ami.document_type" {
			t.Fatalf("a malformed answer and a wrong document: %v", err)
		}
		// The change made good: all of it at once.
		ch.Uploads[1].Data = pdfFile
		if _, stored, err := f.svc.UpdateDraft(ctx, secret, ch); err != nil || len(stored) != 2 || stored[0].ContentType != "image/png" || stored[1].ContentType != "application/pdf" {
			t.Fatalf("the change: %+v %v", stored, err)
		}
		if got := state(); got != "La commune premises statutes" {
			t.Errorf("after the change: %q", got)
		}
	})
}

func TestAnswerQuestion_LinkedToItAndSentToWhoAsked(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a, secret := f.start(t, "mairie@lurs.example.fr")
		var question int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO application_events (application_id, at, by_user, by_name, kind, body)
				VALUES ($1, $2, $3, $4, 'question', 'Le local est-il accessible en fauteuil ?') RETURNING id`,
				a.ID, tx.Now, f.coord.ID, f.coord.Name).Scan(&question)
		})
		if err != nil {
			t.Fatal(err)
		}
		before, _, _ := f.mailer.List(ctx, 100, 0)
		if _, err := f.svc.AnswerQuestion(ctx, secret, question, "  \n "); problem(err, "answer") != "error.required" {
			t.Errorf("an empty answer: %v", err)
		}
		if _, err := f.svc.AnswerQuestion(ctx, secret, question, strings.Repeat("a", ami.MaxAnswerRunes+1)); problem(err, "answer") != "error.too_long" {
			t.Errorf("a long answer: %v", err)
		}
		if _, err := f.svc.AnswerQuestion(ctx, secret, question+1000, "Oui."); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("an unknown question: %v", err)
		}
		_, other := f.start(t, "autre@example.fr")
		if _, err := f.svc.AnswerQuestion(ctx, other, question, "Oui."); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("another file's question: %v", err)
		}
		if _, err := f.svc.AnswerQuestion(ctx, "faux", question, "Oui."); coop.ErrorCode(err) != coop.EGone {
			t.Errorf("a wrong link: %v", err)
		}
		if _, err := f.svc.AnswerQuestion(ctx, secret, question, "Oui, par la cour, de plain-pied."); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AnswerQuestion(ctx, secret, question, "Encore ?"); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("a second answer: %v", err)
		}
		events, err := f.svc.Events(ctx, a.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		threads := ami.Threads(events)
		if len(threads) != 1 || threads[0].Question.ID != question || len(threads[0].Answers) != 1 {
			t.Fatalf("threads %+v", threads)
		}
		if ans := threads[0].Answers[0]; ans.Body != "Oui, par la cour, de plain-pied." || ans.ByUser != 0 || ans.ByName != "Jeanne Roux" || ami.AnsweredQuestion(ans) != question {
			t.Errorf("answer %+v", ans)
		}
		after, _, _ := f.mailer.List(ctx, 100, 0)
		// The other start sent one link; the answer one email, to the coordinator.
		if len(after) != len(before)+2 || after[0].To != f.coord.Email || !strings.Contains(after[0].Text, "de plain-pied") ||
			!strings.Contains(after[0].Text, "accessible en fauteuil") {
			t.Errorf("emails: %d then %d; last %+v", len(before), len(after), after[0])
		}
	})
}

func TestRenewLink_SameAnswerAndAFreshLink(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, old := f.start(t, "mairie@lurs.example.fr")
		count := func() int {
			msgs, n, err := f.mailer.List(ctx, 100, 0)
			if err != nil || n != len(msgs) {
				t.Fatal(err)
			}
			return n
		}
		n := count()
		if err := f.svc.RenewLink(ctx, f.call.PublicID, "personne@example.fr"); err != nil {
			t.Errorf("an address without a file: %v", err)
		}
		if count() != n {
			t.Errorf("an email went to an address without a file")
		}
		if err := f.svc.RenewLink(ctx, f.call.PublicID, "pas une adresse"); problem(err, "email") != "error.email_invalid" {
			t.Errorf("a wrong address: %v", err)
		}
		if err := f.svc.RenewLink(ctx, "inconnu", "mairie@lurs.example.fr"); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("an unknown call: %v", err)
		}
		if err := f.svc.RenewLink(ctx, f.call.PublicID, " Mairie@Lurs.example.fr "); err != nil {
			t.Fatal(err)
		}
		msgs, _, _ := f.mailer.List(ctx, 1, 0)
		m := linkRe.FindStringSubmatch(msgs[0].Text)
		if count() != n+1 || msgs[0].To != "mairie@lurs.example.fr" || m == nil || strings.Contains(msgs[0].Subject+msgs[0].Text, "%!") {
			t.Fatalf("renewal email %+v", msgs[0])
		}
		if _, err := f.svc.BySecret(ctx, old); coop.ErrorCode(err) != coop.EGone {
			t.Errorf("the old link still works: %v", err)
		}
		if a, err := f.svc.BySecret(ctx, m[1]); err != nil || a.Structure != "Mairie de Lurs" {
			t.Errorf("the new link: %+v %v", a, err)
		}
	})
}
