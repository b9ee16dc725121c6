package ami_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/survey"
	"coopconnect/internal/testkit"
)

func TestCheckForm_IgnoresOnlyTheResidenceQuestion(t *testing.T) {
	if p := ami.CheckForm(ami.DefaultForm()); len(p) != 0 {
		t.Errorf("the default form: %v", p)
	}
	qn := ami.DefaultForm()
	qn.Questions[0].Label.FR = ""
	qn.Questions = append(qn.Questions, survey.Question{ID: "carrier", Kind: survey.FreeText, Label: survey.Text{FR: "Encore"}})
	p := ami.CheckForm(qn)
	if p["q.carrier"] == "" || len(p) != 1 {
		t.Errorf("a form without label and with a duplicate id: %v", p)
	}
	// The survey's own check still wants a residence question.
	if ami.DefaultForm().Check()["questionnaire"] != "survey.editor.residence_required" {
		t.Error("Questionnaire.Check no longer asks for a residence question; CheckForm may now hide nothing")
	}
}

// Changes made from the same questions, saved at once: one is kept, the
// others are refused.
func TestSaveForm_FromAnOvertakenBaseIsRefused(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		base := coop.Fingerprint(f.call.Questionnaire)
		saved := testkit.AtOnceBehind(t, d, `SELECT 1 FROM calls WHERE id = $1 FOR UPDATE`, []any{f.call.ID}, 6, coop.EConflict, func(i int) error {
			qn := f.call.Questionnaire
			qn.Questions = slices.Clone(qn.Questions)
			qn.Questions[0].Label.FR = fmt.Sprintf("Qui porte le lieu, version %d ?", i)
			return f.svc.SaveForm(ctx, f.coord, f.call.PublicID, base, qn)
		})
		if saved != 1 {
			t.Fatalf("%d saves from the same base kept, want 1", saved)
		}
	})
}

func TestSaveFormAndDocuments_UntilTheFirstSubmission(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		id := f.call.PublicID
		// Only the coordinators.
		if err := f.svc.SaveForm(ctx, f.member, id, "", ami.DefaultForm()); coop.ErrorCode(err) != coop.EForbidden {
			t.Errorf("a member edits the form: %v", err)
		}
		if err := f.svc.SaveForm(ctx, f.coord, "nope", "", ami.DefaultForm()); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("an unknown call: %v", err)
		}
		// A question changed, one added.
		qn := ami.DefaultForm()
		qn.Questions[0].Label.FR = "Qui porte le lieu ?"
		qn.Questions = append(qn.Questions, survey.Question{ID: "budget", Kind: survey.Number, Label: survey.Text{FR: "Budget annuel"}})
		if err := f.svc.SaveForm(ctx, f.coord, id, "", qn); err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Call(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Questionnaire.Questions[0].Label.FR != "Qui porte le lieu ?" || len(c.Questionnaire.Questions) != len(ami.DefaultForm().Questions)+1 {
			t.Errorf("saved form %+v", c.Questionnaire.Questions[0])
		}
		// A bad form: problems by question, nothing saved.
		bad := c.Questionnaire
		bad.Questions = append([]survey.Question(nil), bad.Questions...)
		bad.Questions[2] = survey.Question{ID: "surface", Kind: survey.Single, Label: survey.Text{FR: "Surface"}}
		err = f.svc.SaveForm(ctx, f.coord, id, "", bad)
		if e := coop.AsError(err); e == nil || e.Code != coop.EInvalid || e.Fields["q.surface"] != "survey.editor.options_required" {
			t.Errorf("a choice without options: %v", err)
		}
		// Documents: bad rows are refused field by field, nothing saved.
		baddocs := []ami.Document{
			{Code: "statutes", Label: "Statuts", Types: []string{"application/pdf"}, MaxMiB: 10},
			{Code: "statutes", Label: "", Types: []string{"application/zip"}, MaxMiB: 80},
			{Code: "Plan du local", Label: "Plan", Types: nil, MaxMiB: 0},
		}
		err = f.svc.SaveDocuments(ctx, f.coord, id, "", baddocs)
		e := coop.AsError(err)
		want := map[string]string{"doc1.code": "ami.docs.code_taken", "doc1.label": "error.required", "doc1.types": "ami.docs.type_invalid",
			"doc1.max_mib": "ami.docs.size_invalid", "doc2.code": "ami.docs.code_invalid", "doc2.types": "ami.docs.types_required", "doc2.max_mib": "ami.docs.size_invalid"}
		if e == nil || e.Code != coop.EInvalid {
			t.Fatalf("bad documents: %v", err)
		}
		for k, v := range want {
			if e.Fields[k] != v {
				t.Errorf("%s: %q, want %q (all: %v)", k, e.Fields[k], v, e.Fields)
			}
		}
		if len(e.Fields) != len(want) {
			t.Errorf("problems %v", e.Fields)
		}
		docs := append(ami.DefaultDocuments(), ami.Document{Code: "budget", Label: " Budget prévisionnel ", Types: []string{"application/pdf", "image/png"}, MaxMiB: 5})
		if err := f.svc.SaveDocuments(ctx, f.coord, id, "", docs); err != nil {
			t.Fatal(err)
		}
		c, _ = f.svc.Call(ctx, id)
		if got := c.Documents[len(c.Documents)-1]; len(c.Documents) != 4 || got.Label != "Budget prévisionnel" || got.MaxMiB != 5 {
			t.Errorf("saved documents %+v", c.Documents)
		}
		// A draft does not freeze the form.
		a, secret, err := f.svc.Start(ctx, id, ami.StartInput{Structure: "Mairie de Lurs", CarrierKind: "commune", Commune: "Lurs",
			ContactName: "Jeanne Roux", ContactEmail: "mairie@lurs.example.fr"}, today)
		if err != nil {
			t.Fatal(err)
		}
		if locked, err := f.svc.FormLocked(ctx, id); err != nil || locked {
			t.Errorf("locked by a draft: %v %v", locked, err)
		}
		if err := f.svc.SaveDocuments(ctx, f.coord, id, "", ami.DefaultDocuments()); err != nil {
			t.Fatalf("with a draft: %v", err)
		}
		// A submitted file does.
		for _, doc := range []string{"statutes", "premises"} {
			if _, err := d.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
				VALUES ($1, $2, $3, 'f.pdf', 'application/pdf', 4, $4, $5)`, doc, a.ID, doc, []byte("%PDF"), time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		form := completeForm()
		form["q.budget"] = []string{"1000"}
		if _, err := f.svc.Submit(ctx, secret, form, today); err != nil {
			t.Fatal(err)
		}
		before, _ := f.svc.Call(ctx, id)
		if err := f.svc.SaveForm(ctx, f.coord, id, "", ami.DefaultForm()); coop.ErrorCode(err) != coop.EPrecondition || coop.AsError(err).Message != "ami.form_locked" {
			t.Errorf("the form after a submission: %v", err)
		}
		if err := f.svc.SaveDocuments(ctx, f.coord, id, "", docs); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("the documents after a submission: %v", err)
		}
		// Sent back to the candidate, the file still holds the form.
		if err := f.svc.Move(ctx, f.coord, a.PublicID, ami.Draft, "Il manque le plan du local."); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SaveForm(ctx, f.coord, id, "", ami.DefaultForm()); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("the form after a file went back to draft: %v", err)
		}
		after, _ := f.svc.Call(ctx, id)
		b1, _ := json.Marshal([]any{before.Questionnaire, before.Documents})
		b2, _ := json.Marshal([]any{after.Questionnaire, after.Documents})
		if string(b1) != string(b2) {
			t.Error("a refused change was saved")
		}
	})
}
