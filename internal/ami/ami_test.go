package ami_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/jobs"
	"coopconnect/internal/mail"
	"coopconnect/internal/places"
	"coopconnect/internal/territory"
	"coopconnect/internal/testkit"
)

var ctx = context.Background()

var loadTerritory = sync.OnceValues(territory.Load)

// fixture is a calls service over a fresh database, with a coordinator, a
// member and an open call.
type fixture struct {
	svc           *ami.Service
	mailer        *mail.Mailer
	coord, member accounts.User
	call          ami.Call
}

const today = "2026-03-10"

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ix, err := loadTerritory()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := mail.NewMailer(d, jobs.New(d, log), mail.SMTPConfig{}, log)
	f := &fixture{svc: &ami.Service{DB: d, Territory: ix, Mailer: m, Catalogs: cat, Places: &places.Service{DB: d, Communes: ix}, BaseURL: "http://localhost:8080"}, mailer: m}
	mk := func(email string, role accounts.Role) accounts.User {
		u := accounts.User{Email: email, Name: "Camille " + string(role), Role: role}
		err := d.Write(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO users (public_id, email, name, role, password_hash, created_at, updated_at)
				VALUES ($1, $1, $2, $3, 'x', $4, $4) RETURNING id`, email, u.Name, string(role), tx.Now).Scan(&u.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.coord, f.member = mk("coord@example.fr", accounts.Coordinator), mk("membre@example.fr", accounts.Member)
	f.call, err = f.svc.CreateCall(ctx, f.coord, ami.CallInput{Title: "Tiers-lieux ruraux 2026", Body: "Pour les espaces publics numériques.",
		Areas: "04 05", OpensOn: "2026-03-01", ClosesOn: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// completeForm answers every required question of the default form.
func completeForm() map[string][]string {
	return map[string][]string{
		"q.carrier": {"La commune, avec l'association Lure Numérique"}, "q.premises": {"L'ancienne école, deux salles au rez-de-chaussée."},
		"q.connection": {"fibre"}, "q.animator": {"part_time"}, "q.motivations": {"Garder les actifs au village."}, "q.officials": {"deliberation"},
	}
}

func TestApplication_FromDraftToDecisionAndBack(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Bad input: nothing is created.
		if _, _, err := f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: "", CarrierKind: "club", Commune: "Nulle-Part", ContactEmail: "x"}, today); coop.ErrorCode(err) != coop.EInvalid {
			t.Fatalf("bad start: %v", err)
		} else if e := coop.AsError(err); e.Fields["structure"] == "" || e.Fields["carrier_kind"] == "" || e.Fields["commune"] == "" || e.Fields["contact_email"] == "" {
			t.Errorf("problems %v", e.Fields)
		}
		a, secret, err := f.svc.Start(ctx, f.call.PublicID, ami.StartInput{Structure: "Mairie de Lurs", CarrierKind: "commune", Commune: "Lurs",
			ContactName: "Jeanne Roux", ContactEmail: "Mairie@Lurs.example.fr"}, today)
		if err != nil {
			t.Fatal(err)
		}
		if a.Commune != "04106" || a.State != ami.Draft || a.ContactEmail != "mairie@lurs.example.fr" {
			t.Errorf("started %+v", a)
		}
		msgs, _, err := f.mailer.List(ctx, 10, 0)
		if err != nil || len(msgs) != 1 || msgs[0].To != "mairie@lurs.example.fr" {
			t.Fatalf("outbox %+v %v", msgs, err)
		}
		// Wrong and expired links reveal nothing.
		if _, err := f.svc.BySecret(ctx, "nope"); coop.ErrorCode(err) != coop.EGone {
			t.Errorf("wrong link: %v", err)
		}
		// A draft saved over several visits, then refused while incomplete.
		if _, err := f.svc.SaveDraft(ctx, secret, map[string][]string{"q.carrier": {"La commune"}}); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.BySecret(ctx, secret)
		if got.Answers["carrier"].Text != "La commune" {
			t.Errorf("draft answers %+v", got.Answers)
		}
		_, err = f.svc.Submit(ctx, secret, map[string][]string{"q.carrier": {"La commune"}}, today)
		e := coop.AsError(err)
		if e == nil || e.Fields["q.motivations"] != "survey.required" || e.Fields["doc.statutes"] != "ami.document_required" {
			t.Fatalf("incomplete submission: %v", err)
		}
		if got, _ := f.svc.BySecret(ctx, secret); got.State != ami.Draft {
			t.Errorf("state after a refused submission: %s", got.State)
		}
		// With its documents, the file goes.
		for _, doc := range []string{"statutes", "premises"} {
			if _, err := d.SQL.ExecContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
				VALUES ($1, $2, $3, 'f.pdf', 'application/pdf', 4, $4, $5)`, doc, a.ID, doc, []byte("%PDF"), time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		if a, err = f.svc.Submit(ctx, secret, completeForm(), today); err != nil || a.State != ami.Submitted {
			t.Fatalf("submit: %v", err)
		}
		// Instruction: only the team; not every move is allowed.
		if err := f.svc.Move(ctx, f.member, a.PublicID, ami.Instruction, ""); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member instructs: %v", err)
		}
		if err := f.svc.Move(ctx, f.coord, a.PublicID, ami.Instruction, ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Move(ctx, f.coord, a.PublicID, ami.Refused, ""); coop.AsError(err).Fields["reason"] != "ami.reason_required" {
			t.Errorf("a refusal without reason: %v", err)
		}
		if err := f.svc.Move(ctx, f.coord, a.PublicID, ami.Refused, "Le local n'est pas accessible."); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Move(ctx, f.coord, a.PublicID, ami.Accepted, "x"); coop.ErrorCode(err) != coop.EPrecondition {
			t.Errorf("refused → accepted without reopening: %v", err)
		}
		if err := f.svc.Move(ctx, f.coord, a.PublicID, ami.Instruction, ""); err != nil {
			t.Errorf("reopening: %v", err)
		}
		events, err := f.svc.Events(ctx, a.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range events {
			trail = append(trail, e.Kind+":"+string(e.To))
		}
		if want := "created:draft state:submitted state:instruction state:refused state:instruction"; strings.Join(trail, " ") != want {
			t.Errorf("history %q, want %q", strings.Join(trail, " "), want)
		}
		msgs, _, _ = f.mailer.List(ctx, 10, 0)
		if len(msgs) != 3 || !strings.Contains(msgs[0].Text+msgs[1].Text, "Le local n'est pas accessible.") {
			t.Errorf("%d emails; the refusal's reason not sent", len(msgs))
		}
		for _, m := range msgs {
			// Every argument in its place: the link never in a subject.
			if strings.Contains(m.Subject+m.Text, "%!") || strings.Contains(m.Subject, "/candidature/") {
				t.Errorf("email %q: %q", m.Subject, m.Text)
			}
		}
	})
}
