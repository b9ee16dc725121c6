package accounts_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/i18n"
)

func TestSignUp_ValidationMessagesKeyedPerField(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct {
			name string
			in   accounts.SignUp
			want map[string]string
		}{
			{"all empty", accounts.SignUp{},
				map[string]string{"name": "error.required", "email": "error.required", "password": "error.required"}},
			{"blank name", accounts.SignUp{Name: "   ", Email: "zoe@example.org", Password: password},
				map[string]string{"name": "error.required"}},
			{"name too long", accounts.SignUp{Name: strings.Repeat("é", 101), Email: "zoe@example.org", Password: password},
				map[string]string{"name": "error.name_too_long"}},
			{"bad email", accounts.SignUp{Name: "Zoé", Email: "zoe.example.org", Password: password},
				map[string]string{"email": "error.email_invalid"}},
			{"email with a display name", accounts.SignUp{Name: "Zoé", Email: "Zoé <zoe@example.org>", Password: password},
				map[string]string{"email": "error.email_invalid"}},
			{"email without a dot in the domain", accounts.SignUp{Name: "Zoé", Email: "zoe@localhost", Password: password},
				map[string]string{"email": "error.email_invalid"}},
			{"short password", accounts.SignUp{Name: "Zoé", Email: "zoe@example.org", Password: "123456789"},
				map[string]string{"password": "error.password_short"}},
			{"password too long", accounts.SignUp{Name: "Zoé", Email: "zoe@example.org", Password: strings.Repeat("x", 257)},
				map[string]string{"password": "error.password_long"}},
			{"password is the email", accounts.SignUp{Name: "Zoé", Email: "zoe.martin@example.org", Password: "Zoe.Martin@Example.org"},
				map[string]string{"password": "error.password_is_email"}},
			{"bad email and short password", accounts.SignUp{Name: "Zoé", Email: "zoe@", Password: "short"},
				map[string]string{"email": "error.email_invalid", "password": "error.password_short"}},
		} {
			err := f.svc.SignUp(ctx, tc.in)
			e := coop.AsError(err)
			if e == nil || e.Code != coop.EInvalid {
				t.Errorf("%s: got %v, want %s", tc.name, err, coop.EInvalid)
				continue
			}
			if !maps.Equal(e.Fields, tc.want) {
				t.Errorf("%s: got fields %v, want %v", tc.name, e.Fields, tc.want)
			}
		}
		if n := f.count(`SELECT count(*) FROM users`); n != 0 {
			t.Errorf("users after refused sign-ups: got %d, want 0", n)
		}
		if n := len(f.mails()); n != 0 {
			t.Errorf("emails after refused sign-ups: got %d, want 0", n)
		}
	})
}

func TestSignUp_CreatesAnUnverifiedMemberAndEmailsTheLink(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		err := f.svc.SignUp(ctx, accounts.SignUp{Name: "  Zoé Martin ", Email: "  Zoe.Martin@Example.ORG ", Password: password, Lang: "en"})
		if err != nil {
			t.Fatalf("SignUp: %v", err)
		}
		u, err := f.svc.UserByEmail(ctx, "zoe.martin@example.org")
		if err != nil {
			t.Fatalf("UserByEmail: %v", err)
		}
		if u.Email != "zoe.martin@example.org" || u.Name != "Zoé Martin" || u.Role != accounts.Member || u.EmailVerified || u.Locale != "en" || u.TOTPEnabled {
			t.Fatalf("got user %+v, want zoe.martin@example.org, Zoé Martin, member, unverified, en, no TOTP", u)
		}
		if !u.CreatedAt.Equal(start) {
			t.Errorf("CreatedAt: got %v, want %v", u.CreatedAt, start)
		}
		var hash string
		if err := f.d.SQL.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !phcRE.MatchString(hash) {
			t.Errorf("stored password %q, want an Argon2id PHC string", hash)
		}

		msgs := f.mailsTo(u.Email)
		if len(msgs) != 1 {
			t.Fatalf("emails to %s: got %d, want 1", u.Email, len(msgs))
		}
		if want := catalogs(t).For("en").T("mail.verify.subject"); msgs[0].Subject != want {
			t.Errorf("subject: got %q, want %q (in the language chosen at sign-up)", msgs[0].Subject, want)
		}
		if !strings.Contains(msgs[0].Text, "Zoé Martin") {
			t.Errorf("the email does not greet its recipient by name: %q", msgs[0].Text)
		}
		token := f.link(u.Email, "verification")
		if !strings.Contains(msgs[0].HTML, `href="`+baseURL+"/verification/"+token+`"`) {
			t.Errorf("the HTML part has no anchor to the link: %q", msgs[0].HTML)
		}
		if got, err := f.svc.CheckLink(ctx, accounts.LinkVerify, token); err != nil || got != u.Email {
			t.Errorf("CheckLink: got %q, %v; want %q", got, err, u.Email)
		}
	})
}

func TestSignUp_LoginBeforeVerificationResendsTheLink(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		const email = "zoe@example.org"
		if err := f.svc.SignUp(ctx, accounts.SignUp{Name: "Zoé", Email: email, Password: password}); err != nil {
			t.Fatal(err)
		}
		first := f.link(email, "verification")

		_, err := f.svc.Login(ctx, email, password)
		wantCode(t, err, coop.EPrecondition, "auth.not_verified")
		links := f.links(email, "verification")
		if len(links) != 2 || links[1] == first {
			t.Fatalf("verification links after the refused login: got %d (%v), want 2 distinct", len(links), links)
		}
		if n := f.count(`SELECT count(*) FROM sessions`); n != 0 {
			t.Fatalf("sessions opened for an unverified account: got %d, want 0", n)
		}

		u, err := f.svc.VerifyEmail(ctx, links[1])
		if err != nil {
			t.Fatalf("VerifyEmail: %v", err)
		}
		if !u.EmailVerified || u.Email != email {
			t.Fatalf("VerifyEmail returned %+v, want %s verified", u, email)
		}
		l := f.mustLogin(email, password)
		if l.SecondFactor || l.User.ID != u.ID {
			t.Fatalf("Login: got %+v", l)
		}
		f.sessionLive(l.Token, "after verification")

		_, err = f.svc.VerifyEmail(ctx, links[1])
		wantCode(t, err, coop.EGone, "auth.link_gone")
	})
}

// A wrong password must not learn that an account exists and is
// unverified, nor make it email anyone.
func TestLogin_WrongPasswordOnAnUnverifiedAccountRevealsNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		if err := f.svc.SignUp(ctx, accounts.SignUp{Name: "Zoé", Email: "zoe@example.org", Password: password}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Login(ctx, "zoe@example.org", "not the password")
		wantCode(t, err, coop.EUnauthorized, "auth.bad_credentials")
		if n := len(f.mails()); n != 1 {
			t.Fatalf("emails: got %d, want 1 (the sign-up's only)", n)
		}
	})
}

func TestVerifyEmail_LinkExpiresAfterVerifyLinkTTL(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		if err := f.svc.SignUp(ctx, accounts.SignUp{Name: "Zoé", Email: "zoe@example.org", Password: password}); err != nil {
			t.Fatal(err)
		}
		token := f.link("zoe@example.org", "verification")
		f.clock.Advance(accounts.VerifyLinkTTL)
		_, err := f.svc.VerifyEmail(ctx, token)
		wantCode(t, err, coop.EGone, "auth.link_gone")
		if u, _ := f.svc.UserByEmail(ctx, "zoe@example.org"); u.EmailVerified {
			t.Fatal("an expired link verified the address")
		}
		_, err = f.svc.VerifyEmail(ctx, "not-a-link")
		wantCode(t, err, coop.EGone, "auth.link_gone")
	})
}

func TestSignUp_DoesNotRevealExistingAccounts(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		owner := f.user("zoe@example.org", accounts.Manager)
		f.clock.Advance(time.Minute)

		err := f.svc.SignUp(ctx, accounts.SignUp{Name: "Intruder", Email: "ZOE@example.org", Password: "another password", Lang: "en"})
		if err != nil {
			t.Fatalf("SignUp of a taken address: got %v, want nil like any sign-up", err)
		}
		if n := f.count(`SELECT count(*) FROM users`); n != 1 {
			t.Fatalf("users: got %d, want 1", n)
		}
		got, err := f.svc.UserByID(ctx, owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != owner {
			t.Fatalf("the existing account changed: got %+v, want %+v", got, owner)
		}
		if n := f.count(`SELECT count(*) FROM one_time_tokens`); n != 0 {
			t.Fatalf("links created: got %d, want 0", n)
		}
		msgs := f.mailsTo(owner.Email)
		if len(msgs) != 1 {
			t.Fatalf("emails to the owner: got %d, want 1", len(msgs))
		}
		// In the owner's language, not the intruder's.
		if want := subject(t, "mail.already"); msgs[0].Subject != want {
			t.Errorf("subject: got %q, want %q", msgs[0].Subject, want)
		}
		if !strings.Contains(msgs[0].Text, baseURL+"/mot-de-passe-oublie") {
			t.Errorf("the email does not point to the reset page: %q", msgs[0].Text)
		}
		if strings.Contains(msgs[0].Text, "Intruder") {
			t.Errorf("the email repeats the name the intruder typed: %q", msgs[0].Text)
		}
		// The owner's password still works, the intruder's does not.
		f.mustLogin(owner.Email, password)
		_, err = f.svc.Login(ctx, owner.Email, "another password")
		wantCode(t, err, coop.EUnauthorized, "auth.bad_credentials")
	})
}

// When the email cannot be queued, the sign-up's transaction rolls back:
// no account waits for a link nobody received. A catalog whose subject is
// empty makes the real mailer refuse the message.
func TestSignUp_RollsBackWhenTheEmailCannotBeQueued(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		good := f.svc.Catalogs
		broken := i18n.Catalogs{}
		for lang, msgs := range good {
			broken[lang] = maps.Clone(msgs)
			broken[lang]["mail.verify.subject"] = " "
		}
		f.svc.Catalogs = broken
		in := accounts.SignUp{Name: "Zoé", Email: "zoe@example.org", Password: password}
		if err := f.svc.SignUp(ctx, in); err == nil {
			t.Fatal("SignUp with an email the mailer refuses: got no error")
		}
		for table, want := range map[string]int{"users": 0, "one_time_tokens": 0, "outbox": 0} {
			if n := f.count(`SELECT count(*) FROM ` + table); n != want {
				t.Errorf("%s after the failed sign-up: got %d rows, want %d", table, n, want)
			}
		}

		f.svc.Catalogs = good
		if err := f.svc.SignUp(ctx, in); err != nil {
			t.Fatalf("SignUp again: %v", err)
		}
		if u, err := f.svc.UserByEmail(ctx, in.Email); err != nil || u.EmailVerified {
			t.Fatalf("after a retry: got %+v, %v; want an unverified account", u, err)
		}
		if n := len(f.links(in.Email, "verification")); n != 1 {
			t.Fatalf("verification links: got %d, want 1", n)
		}
	})
}
