package accounts_test

import (
	"reflect"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

func TestLogin_UnknownEmailAndWrongPasswordGiveTheSameError(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.user("zoe@example.org", accounts.Member)
		_, wrong := f.svc.Login(ctx, "zoe@example.org", "not the password")
		_, unknown := f.svc.Login(ctx, "nobody@example.org", "not the password")
		wantCode(t, wrong, coop.EUnauthorized, "auth.bad_credentials")
		if !reflect.DeepEqual(coop.AsError(wrong), coop.AsError(unknown)) {
			t.Fatalf("unknown address: got %#v, want the wrong password's %#v", coop.AsError(unknown), coop.AsError(wrong))
		}
		if n := f.count(`SELECT count(*) FROM sessions`); n != 0 {
			t.Fatalf("sessions: got %d, want 0", n)
		}
	})
}

func TestLogin_EmptyFieldsAreFieldErrors(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		_, err := f.svc.Login(ctx, "  ", "")
		wantField(t, err, "email", "error.required")
		wantField(t, err, "password", "error.required")
	})
}

func TestLogin_EmailIsCaseInsensitive(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("Zoe.Martin@Example.org", accounts.Member)
		if u.Email != "zoe.martin@example.org" {
			t.Fatalf("stored email: got %q, want it lower-cased", u.Email)
		}
		var tokens []string
		for _, email := range []string{"zoe.martin@example.org", "ZOE.MARTIN@EXAMPLE.ORG", "  Zoe.Martin@example.ORG\t"} {
			l := f.mustLogin(email, password)
			if l.User.ID != u.ID || l.SecondFactor {
				t.Fatalf("Login(%q): got user %d, second factor %v; want %d, false", email, l.User.ID, l.SecondFactor, u.ID)
			}
			tokens = append(tokens, l.Token)
		}
		// Each login is a new session with its own secret.
		if tokens[0] == tokens[1] || tokens[1] == tokens[2] || tokens[0] == tokens[2] {
			t.Fatalf("logins share a session secret: %v", tokens)
		}
		for _, tok := range tokens {
			if _, got := f.sessionLive(tok, "after login"); got.ID != u.ID {
				t.Fatalf("session user: got %d, want %d", got.ID, u.ID)
			}
		}
	})
}

func TestSessionUser_IdleTimeoutEndsTheSession(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		token, id := f.session(u)

		// Activity keeps it alive: each visit restarts the idle clock.
		f.clock.Advance(accounts.SessionIdle - time.Hour)
		f.sessionLive(token, "11 h after creation")
		f.clock.Advance(accounts.SessionIdle - time.Minute)
		f.sessionLive(token, "11 h 59 min after the last visit")

		f.clock.Advance(accounts.SessionIdle)
		f.sessionGone(token, "12 h after the last visit")
		if n := f.count(`SELECT count(*) FROM sessions WHERE id = $1`, id); n != 0 {
			t.Fatalf("the idle session's row: got %d, want it removed", n)
		}
		f.sessionGone(token, "a second look")
	})
}

func TestSessionUser_AbsoluteTimeoutEndsAnActiveSession(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		token, id := f.session(u)
		step := 11 * time.Hour
		var elapsed time.Duration
		for elapsed+step < accounts.SessionAbsolute {
			f.clock.Advance(step)
			elapsed += step
			f.sessionLive(token, "active, "+elapsed.String()+" after creation")
		}
		f.clock.Advance(accounts.SessionAbsolute - elapsed)
		f.sessionGone(token, "7 days after creation, though active")
		if n := f.count(`SELECT count(*) FROM sessions WHERE id = $1`, id); n != 0 {
			t.Fatalf("the expired session's row: got %d, want it removed", n)
		}
	})
}

func TestSessionUser_UnknownOrEmptyTokenIsNotFound(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sessionGone("", "empty token")
		f.sessionGone("no-such-session", "unknown token")
	})
}

func TestLogout_EndsThatSessionOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		a, _ := f.session(u)
		b, _ := f.session(u)
		if err := f.svc.Logout(ctx, a); err != nil {
			t.Fatal(err)
		}
		f.sessionGone(a, "after Logout")
		f.sessionLive(b, "the other session after Logout")
		if err := f.svc.Logout(ctx, a); err != nil {
			t.Fatalf("second Logout: got %v, want nil", err)
		}
	})
}

func TestPurgeSessions_RemovesOnlyExpiredSessionsAndOldLinks(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		idle, _ := f.session(u)
		if err := f.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(6 * time.Hour)
		live, liveID := f.session(u)
		f.clock.Advance(accounts.SessionIdle - 6*time.Hour)
		if err := f.svc.PurgeSessions(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT count(*) FROM sessions`); n != 1 {
			t.Fatalf("sessions after purge: got %d, want 1", n)
		}
		if n := f.count(`SELECT count(*) FROM sessions WHERE id = $1`, liveID); n != 1 {
			t.Fatal("the purge removed the live session")
		}
		f.sessionLive(live, "after purge")
		f.sessionGone(idle, "purged")

		// Links are kept 30 days past their expiry, then purged.
		if n := f.count(`SELECT count(*) FROM one_time_tokens`); n != 1 {
			t.Fatalf("links after purge: got %d, want 1 (recent)", n)
		}
		f.clock.Advance(accounts.ResetLinkTTL + 30*24*time.Hour)
		if err := f.svc.PurgeSessions(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.count(`SELECT count(*) FROM one_time_tokens`); n != 0 {
			t.Fatalf("links 30 days past expiry: got %d, want 0", n)
		}
	})
}
