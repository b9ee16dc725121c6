package ami_test

import (
	"testing"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/testkit"
)

func TestActions_FromSuggestionsAndTracked(t *testing.T) {
	testkit.EachEngine(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		form := completeForm()
		form["q.officials"] = []string{"not_yet"}
		a := f.diagApply(t, "Mairie de Lurs", "commune", "Lurs", form)
		other := f.diagApply(t, "Mairie de Sigonce", "commune", "Sigonce", completeForm())
		if !diagSuggested(f.diagnose(t, ami.SubjectApplication, a.ID, nil), "brief_officials") {
			t.Fatal("no suggestion to brief the officials")
		}
		// Refused: no owner, a wrong date, an unknown suggestion; a member.
		_, err := f.svc.AddAction(ctx, f.coord, ami.SubjectApplication, a.ID, ami.ActionInput{Code: "brief_officials", DueOn: "2026-02-30"})
		if e := coop.AsError(err); e == nil || e.Fields["owner"] != "error.required" || e.Fields["due_on"] != "error.date_invalid" {
			t.Errorf("incomplete action: %v", err)
		}
		if _, err := f.svc.AddAction(ctx, f.coord, ami.SubjectApplication, a.ID, ami.ActionInput{Code: "dance", Owner: "x", DueOn: "2026-04-01"}); coop.AsError(err) == nil || coop.AsError(err).Fields["code"] == "" {
			t.Errorf("unknown suggestion: %v", err)
		}
		if _, err := f.svc.AddAction(ctx, f.member, ami.SubjectApplication, a.ID, ami.ActionInput{Title: "x", Owner: "x", DueOn: "2026-04-01"}); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("a member plans: %v", err)
		}
		// One click: the suggestion becomes an action, and leaves the suggestions.
		brief, err := f.svc.AddAction(ctx, f.coord, ami.SubjectApplication, a.ID, ami.ActionInput{Code: "brief_officials", Owner: "Camille", DueOn: "2026-04-15"})
		if err != nil || brief.Title != "Présenter le projet aux élus" || brief.Status != "todo" || brief.PublicID == "" {
			t.Fatalf("action %+v: %v", brief, err)
		}
		if diagSuggested(f.diagnose(t, ami.SubjectApplication, a.ID, nil), "brief_officials") {
			t.Error("a planned suggestion is still suggested")
		}
		manual, err := f.svc.AddAction(ctx, f.coord, ami.SubjectApplication, a.ID, ami.ActionInput{Title: "Réunion avec la CCI", Owner: "Jeanne", DueOn: "2026-03-20"})
		if err != nil {
			t.Fatal(err)
		}
		// Tracked: status, owner and due date change; checked like the rest.
		if err := f.svc.UpdateAction(ctx, f.coord, ami.SubjectApplication, a.ID, brief.PublicID, ami.ActionUpdate{Status: "finished", Owner: "", DueOn: "x"}); coop.AsError(err) == nil ||
			len(coop.AsError(err).Fields) != 3 {
			t.Errorf("bad update: %v", err)
		}
		if err := f.svc.UpdateAction(ctx, f.coord, ami.SubjectApplication, other.ID, brief.PublicID, ami.ActionUpdate{Status: "done", Owner: "x", DueOn: "2026-04-01"}); coop.ErrorCode(err) != coop.ENotFound {
			t.Errorf("another file's action: %v", err)
		}
		if err := f.svc.UpdateAction(ctx, f.coord, ami.SubjectApplication, a.ID, manual.PublicID, ami.ActionUpdate{Status: "done", Owner: "Jeanne", DueOn: "2026-03-20"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UpdateAction(ctx, f.coord, ami.SubjectApplication, a.ID, brief.PublicID, ami.ActionUpdate{Status: "doing", Owner: "Lucie", DueOn: "2026-03-01"}); err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.Actions(ctx, ami.SubjectApplication, a.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("actions %+v: %v", list, err)
		}
		if list[0].PublicID != brief.PublicID || list[0].Owner != "Lucie" || list[0].Status != "doing" || !list[0].Late(today) ||
			list[1].Status != "done" || list[1].Late("2027-01-01") {
			t.Errorf("plan %+v", list)
		}
		if others, _ := f.svc.Actions(ctx, ami.SubjectApplication, other.ID); len(others) != 0 {
			t.Errorf("another file's plan: %+v", others)
		}
		// Dropped, the suggestion comes back.
		if err := f.svc.UpdateAction(ctx, f.coord, ami.SubjectApplication, a.ID, brief.PublicID, ami.ActionUpdate{Status: "dropped", Owner: "Lucie", DueOn: "2026-03-01"}); err != nil {
			t.Fatal(err)
		}
		if !diagSuggested(f.diagnose(t, ami.SubjectApplication, a.ID, nil), "brief_officials") {
			t.Error("a dropped action's suggestion is gone")
		}
		// A completed partners action counts in the governance.
		lone := f.diagApply(t, "Mairie de Cruis", "commune", "Cruis", func() map[string][]string {
			m := completeForm()
			m["q.carrier"] = []string{"La commune seule"}
			return m
		}())
		p, err := f.svc.AddAction(ctx, f.coord, ami.SubjectApplication, lone.ID, ami.ActionInput{Code: "find_partners", Owner: "Camille", DueOn: "2026-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		g0 := diagComponent(t, f.diagnose(t, ami.SubjectApplication, lone.ID, nil), "governance").Computed
		if err := f.svc.UpdateAction(ctx, f.coord, ami.SubjectApplication, lone.ID, p.PublicID, ami.ActionUpdate{Status: "done", Owner: "Camille", DueOn: "2026-05-01"}); err != nil {
			t.Fatal(err)
		}
		if g1 := diagComponent(t, f.diagnose(t, ami.SubjectApplication, lone.ID, nil), "governance").Computed; g0 != 80 || g1 != 100 {
			t.Errorf("governance %d → %d, want 80 → 100", g0, g1)
		}
	})
}
