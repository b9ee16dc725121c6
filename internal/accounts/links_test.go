package accounts_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

const newPassword = "a brand new passphrase"

func TestPasswordReset_UnknownAddressSendsNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.user("zoe@example.org", accounts.Member)
		if err := f.svc.RequestPasswordReset(ctx, "nobody@example.org"); err != nil {
			t.Fatalf("RequestPasswordReset of an unknown address: got %v, want nil", err)
		}
		if n := len(f.mails()); n != 0 {
			t.Fatalf("emails: got %d, want 0", n)
		}
		if n := f.count(`SELECT count(*) FROM one_time_tokens`); n != 0 {
			t.Fatalf("links: got %d, want 0", n)
		}
		wantField(t, f.svc.RequestPasswordReset(ctx, "not an address"), "email", "error.email_invalid")
	})
}

func TestPasswordReset_LinkIsSingleUseAndEndsAllSessions(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		a, _ := f.session(u)
		b, _ := f.session(u)
		if err := f.svc.RequestPasswordReset(ctx, " ZOE@example.org "); err != nil {
			t.Fatal(err)
		}
		msgs := f.mailsTo(u.Email)
		if len(msgs) != 1 || msgs[0].Subject != subject(t, "mail.reset") {
			t.Fatalf("emails to %s: got %+v, want one %q", u.Email, msgs, subject(t, "mail.reset"))
		}
		token := f.link(u.Email, "mot-de-passe")
		if got, err := f.svc.CheckLink(ctx, accounts.LinkReset, token); err != nil || got != u.Email {
			t.Fatalf("CheckLink: got %q, %v; want %q", got, err, u.Email)
		}
		// A reset link is not an invitation.
		if _, err := f.svc.CheckLink(ctx, accounts.LinkInvitation, token); coop.ErrorCode(err) != coop.EGone {
			t.Fatalf("CheckLink for another purpose: got %v, want %s", err, coop.EGone)
		}

		wantField(t, f.svc.ResetPassword(ctx, token, "short"), "password", "error.password_short")
		if err := f.svc.ResetPassword(ctx, token, newPassword); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		f.sessionGone(a, "a session opened before the reset")
		f.sessionGone(b, "another session opened before the reset")

		wantCode(t, f.svc.ResetPassword(ctx, token, "yet another passphrase"), coop.EGone, "auth.link_gone")
		_, err := f.svc.Login(ctx, u.Email, password)
		wantCode(t, err, coop.EUnauthorized, "auth.bad_credentials")
		f.mustLogin(u.Email, newPassword)
	})
}

func TestPasswordReset_RefusesThePasswordEqualToTheAddress(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe.martin@example.org", accounts.Member)
		if err := f.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		token := f.link(u.Email, "mot-de-passe")
		wantField(t, f.svc.ResetPassword(ctx, token, "Zoe.Martin@example.org"), "password", "error.password_is_email")
		if _, err := f.svc.CheckLink(ctx, accounts.LinkReset, token); err != nil {
			t.Fatalf("a refused password used the link: %v", err)
		}
	})
}

func TestPasswordReset_LinkExpiresAfterResetLinkTTL(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		s, _ := f.session(u)
		if err := f.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		token := f.link(u.Email, "mot-de-passe")
		f.clock.Advance(accounts.ResetLinkTTL - time.Second)
		if _, err := f.svc.CheckLink(ctx, accounts.LinkReset, token); err != nil {
			t.Fatalf("CheckLink a second before expiry: %v", err)
		}
		f.clock.Advance(time.Second)
		_, err := f.svc.CheckLink(ctx, accounts.LinkReset, token)
		wantCode(t, err, coop.EGone, "auth.link_gone")
		wantCode(t, f.svc.ResetPassword(ctx, token, newPassword), coop.EGone, "auth.link_gone")

		// Nothing changed.
		f.sessionLive(s, "after a refused reset")
		f.mustLogin(u.Email, password)
		_, err = f.svc.Login(ctx, u.Email, newPassword)
		wantCode(t, err, coop.EUnauthorized, "auth.bad_credentials")
	})
}

// The link proves the address: a reset verifies an unverified account.
func TestPasswordReset_VerifiesTheAddress(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		if err := f.svc.SignUp(ctx, accounts.SignUp{Name: "Zoé", Email: "zoe@example.org", Password: password}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestPasswordReset(ctx, "zoe@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ResetPassword(ctx, f.link("zoe@example.org", "mot-de-passe"), newPassword); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.svc.UserByEmail(ctx, "zoe@example.org"); !u.EmailVerified {
			t.Fatal("EmailVerified: got false after a reset, want true")
		}
		f.mustLogin("zoe@example.org", newPassword)
	})
}

func TestPasswordReset_ConcurrentUsesOfOneLink_ExactlyOneSucceeds(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		if err := f.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		token := f.link(u.Email, "mot-de-passe")
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-gate
				errs[i] = f.svc.ResetPassword(ctx, token, fmt.Sprintf("new passphrase number %02d", i))
			})
		}
		close(gate)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("attempts %d and %d both succeeded", winner, i)
			case err == nil:
				winner = i
			case coop.ErrorCode(err) != coop.EGone:
				t.Errorf("attempt %d: got %v, want success or %s", i, err, coop.EGone)
			}
		}
		if winner < 0 {
			t.Fatal("no attempt succeeded")
		}
		// The password stored is the winner's.
		f.mustLogin(u.Email, fmt.Sprintf("new passphrase number %02d", winner))
	})
}

func TestInvite_RolesEachInviterMayGive(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		inviters := map[accounts.Role]accounts.User{}
		for _, r := range accounts.Roles {
			inviters[r] = f.user(string(r)+"@example.org", r)
		}
		allowed := map[accounts.Role][]accounts.Role{
			accounts.Coordinator: accounts.Roles,
			accounts.Manager:     {accounts.Manager, accounts.Concierge, accounts.Member},
		}
		sent := 0
		for _, by := range accounts.Roles {
			for _, to := range accounts.Roles {
				email := fmt.Sprintf("%s-invites-%s@example.org", by, to)
				err := f.svc.Invite(ctx, inviters[by], email, to)
				if want := slices.Contains(allowed[by], to); want != (err == nil) {
					t.Errorf("%s invites %s: got %v, want allowed %v", by, to, err, want)
					continue
				}
				if by.CanInvite(to) != (err == nil) {
					t.Errorf("%s invites %s: Role.CanInvite says %v, Invite says %v", by, to, by.CanInvite(to), err)
				}
				if err != nil {
					wantField(t, err, "role", "error.role_not_allowed")
					continue
				}
				sent++
				if n := len(f.links(email, "invitation")); n != 1 {
					t.Errorf("%s invites %s: got %d invitation links, want 1", by, to, n)
				}
			}
		}
		if n := len(f.mails()); n != sent {
			t.Errorf("emails: got %d, want %d (one per allowed invitation)", n, sent)
		}
		wantField(t, f.svc.Invite(ctx, inviters[accounts.Coordinator], "x@example.org", "admin"), "role", "error.role_unknown")
		wantField(t, f.svc.Invite(ctx, inviters[accounts.Coordinator], "x@", accounts.Member), "email", "error.email_invalid")
	})
}

func TestInvite_ExistingAddressIsRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := f.user("coord@example.org", accounts.Coordinator)
		f.user("zoe@example.org", accounts.Member)
		err := f.svc.Invite(ctx, coord, " ZOE@Example.org", accounts.Manager)
		wantField(t, err, "email", "error.email_taken")
		if n := len(f.mails()); n != 0 {
			t.Fatalf("emails: got %d, want 0", n)
		}
		if n := f.count(`SELECT count(*) FROM one_time_tokens`); n != 0 {
			t.Fatalf("links: got %d, want 0", n)
		}
	})
}

func TestAcceptInvitation_CreatesAVerifiedAccountOfTheRoleWithASession(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := f.user("coord@example.org", accounts.Coordinator)
		if err := f.svc.Invite(ctx, coord, "Zoe@Example.org", accounts.Concierge); err != nil {
			t.Fatal(err)
		}
		msgs := f.mailsTo("zoe@example.org")
		if len(msgs) != 1 || msgs[0].Subject != subject(t, "mail.invitation") {
			t.Fatalf("emails to the invitee: got %+v, want one %q", msgs, subject(t, "mail.invitation"))
		}
		token := f.link("zoe@example.org", "invitation")
		if got, err := f.svc.CheckLink(ctx, accounts.LinkInvitation, token); err != nil || got != "zoe@example.org" {
			t.Fatalf("CheckLink: got %q, %v", got, err)
		}

		// A refused form leaves the link usable.
		_, _, err := f.svc.AcceptInvitation(ctx, token, " ", "short", "en")
		wantField(t, err, "name", "error.required")
		wantField(t, err, "password", "error.password_short")

		u, session, err := f.svc.AcceptInvitation(ctx, token, " Zoé ", password, "en")
		if err != nil {
			t.Fatalf("AcceptInvitation: %v", err)
		}
		if u.Email != "zoe@example.org" || u.Name != "Zoé" || u.Role != accounts.Concierge || !u.EmailVerified || u.Locale != "en" {
			t.Fatalf("got %+v, want zoe@example.org, Zoé, concierge, verified, en", u)
		}
		sess, got := f.sessionLive(session, "the invitation's session")
		if got.ID != u.ID || sess.PendingSecondFactor {
			t.Fatalf("session: user %d pending %v, want %d and a full session", got.ID, sess.PendingSecondFactor, u.ID)
		}
		f.mustLogin("zoe@example.org", password)

		_, _, err = f.svc.AcceptInvitation(ctx, token, "Zoé", "another passphrase", "fr")
		wantCode(t, err, coop.EGone, "auth.link_gone")
		if n := f.count(`SELECT count(*) FROM users`); n != 2 {
			t.Fatalf("users: got %d, want 2", n)
		}
	})
}

func TestAcceptInvitation_ExpiredLinkIsGone(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := f.user("coord@example.org", accounts.Coordinator)
		if err := f.svc.Invite(ctx, coord, "zoe@example.org", accounts.Member); err != nil {
			t.Fatal(err)
		}
		token := f.link("zoe@example.org", "invitation")
		f.clock.Advance(accounts.InvitationTTL)
		_, _, err := f.svc.AcceptInvitation(ctx, token, "Zoé", password, "fr")
		wantCode(t, err, coop.EGone, "auth.link_gone")
		if _, err := f.svc.UserByEmail(ctx, "zoe@example.org"); coop.ErrorCode(err) != coop.ENotFound {
			t.Fatalf("UserByEmail after an expired invitation: got %v, want %s", err, coop.ENotFound)
		}
	})
}

// Someone signed up with the invited address meanwhile: the invitation
// cannot create a second account.
func TestAcceptInvitation_AddressTakenMeanwhileIsGone(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := f.user("coord@example.org", accounts.Coordinator)
		if err := f.svc.Invite(ctx, coord, "zoe@example.org", accounts.Manager); err != nil {
			t.Fatal(err)
		}
		token := f.link("zoe@example.org", "invitation")
		other := f.user("zoe@example.org", accounts.Member)
		_, _, err := f.svc.AcceptInvitation(ctx, token, "Zoé", "another passphrase", "fr")
		wantCode(t, err, coop.EGone, "auth.link_gone")
		if u, _ := f.svc.UserByID(ctx, other.ID); u.Role != accounts.Member {
			t.Fatalf("the existing account's role: got %s, want member", u.Role)
		}
	})
}

func TestInvitations_CoordinatorSeesAllManagerOnlyTheirs(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := f.user("coord@example.org", accounts.Coordinator)
		m1 := f.user("m1@example.org", accounts.Manager)
		m2 := f.user("m2@example.org", accounts.Manager)
		invite := func(by accounts.User, email string, role accounts.Role) {
			t.Helper()
			if err := f.svc.Invite(ctx, by, email, role); err != nil {
				t.Fatalf("Invite(%s): %v", email, err)
			}
			f.clock.Advance(time.Minute)
		}
		invite(coord, "old@example.org", accounts.Official) // will expire
		f.clock.Advance(24 * time.Hour)
		invite(coord, "c1@example.org", accounts.Coordinator)
		invite(m1, "a@example.org", accounts.Concierge)
		invite(m1, "accepted@example.org", accounts.Member)
		invite(m2, "b@example.org", accounts.Member)
		if _, _, err := f.svc.AcceptInvitation(ctx, f.link("accepted@example.org", "invitation"), "Accepted", password, "fr"); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(accounts.InvitationTTL - 24*time.Hour)

		emails := func(by accounts.User) []string {
			t.Helper()
			list, err := f.svc.Invitations(ctx, by)
			if err != nil {
				t.Fatalf("Invitations: %v", err)
			}
			var out []string
			for _, i := range list {
				out = append(out, i.Email+" "+string(i.Role))
				if !i.ExpiresAt.Equal(i.CreatedAt.Add(accounts.InvitationTTL)) {
					t.Errorf("%s: created %v, expires %v; want %v later", i.Email, i.CreatedAt, i.ExpiresAt, accounts.InvitationTTL)
				}
			}
			return out
		}
		for _, tc := range []struct {
			by   accounts.User
			want []string // newest first
		}{
			{coord, []string{"b@example.org member", "a@example.org concierge", "c1@example.org coordinator"}},
			{m1, []string{"a@example.org concierge"}},
			{m2, []string{"b@example.org member"}},
		} {
			if got := emails(tc.by); !slices.Equal(got, tc.want) {
				t.Errorf("Invitations for %s: got %q, want %q", tc.by.Email, got, tc.want)
			}
		}
	})
}

func TestRequestEmailChange_WrongPasswordIsAFieldError(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		wantField(t, f.svc.RequestEmailChange(ctx, u.ID, "new@example.org", "wrong password!"), "current_password", "error.password_wrong")
		wantField(t, f.svc.RequestEmailChange(ctx, u.ID, "new@example.org", ""), "current_password", "error.required")
		wantField(t, f.svc.RequestEmailChange(ctx, u.ID, "new@", password), "email", "error.email_invalid")
		wantField(t, f.svc.RequestEmailChange(ctx, u.ID, " ZOE@example.org", password), "email", "error.email_same")
		if n := len(f.mails()); n != 0 {
			t.Fatalf("emails: got %d, want 0", n)
		}
	})
}

func TestEmailChange_AddressChangesOnlyOnConfirmation(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		if err := f.svc.RequestEmailChange(ctx, u.ID, "Zoe.New@Example.org", password); err != nil {
			t.Fatalf("RequestEmailChange: %v", err)
		}
		if got, _ := f.svc.UserByID(ctx, u.ID); got.Email != "zoe@example.org" {
			t.Fatalf("email before confirmation: got %q, want zoe@example.org", got.Email)
		}
		if n := len(f.mailsTo("zoe@example.org")); n != 0 {
			t.Errorf("emails to the old address: got %d, want 0", n)
		}
		msgs := f.mailsTo("zoe.new@example.org")
		if len(msgs) != 1 || msgs[0].Subject != subject(t, "mail.email_change") {
			t.Fatalf("emails to the new address: got %+v, want one %q", msgs, subject(t, "mail.email_change"))
		}
		token := f.link("zoe.new@example.org", "email")

		f.clock.Advance(time.Hour)
		if err := f.svc.ConfirmEmailChange(ctx, token); err != nil {
			t.Fatalf("ConfirmEmailChange: %v", err)
		}
		got, err := f.svc.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != "zoe.new@example.org" || !got.EmailVerified {
			t.Fatalf("after confirmation: got %q verified %v, want zoe.new@example.org verified", got.Email, got.EmailVerified)
		}
		if _, err := f.svc.UserByEmail(ctx, "zoe@example.org"); coop.ErrorCode(err) != coop.ENotFound {
			t.Fatalf("the old address: got %v, want %s", err, coop.ENotFound)
		}
		wantCode(t, f.svc.ConfirmEmailChange(ctx, token), coop.EGone, "auth.link_gone")
		f.mustLogin("zoe.new@example.org", password)
	})
}

func TestEmailChange_LinkExpiresAfterEmailChangeTTL(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		if err := f.svc.RequestEmailChange(ctx, u.ID, "new@example.org", password); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(accounts.EmailChangeTTL)
		wantCode(t, f.svc.ConfirmEmailChange(ctx, f.link("new@example.org", "email")), coop.EGone, "auth.link_gone")
		if got, _ := f.svc.UserByID(ctx, u.ID); got.Email != "zoe@example.org" {
			t.Fatalf("email: got %q, want zoe@example.org", got.Email)
		}
	})
}

func TestRequestEmailChange_ToATakenAddressSendsNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		other := f.user("taken@example.org", accounts.Member)
		if err := f.svc.RequestEmailChange(ctx, u.ID, "Taken@example.org", password); err != nil {
			t.Fatalf("RequestEmailChange to a taken address: got %v, want nil (it must not reveal the account)", err)
		}
		if n := len(f.mails()); n != 0 {
			t.Fatalf("emails: got %d, want 0", n)
		}
		if n := f.count(`SELECT count(*) FROM one_time_tokens`); n != 0 {
			t.Fatalf("links: got %d, want 0", n)
		}
		for _, want := range []accounts.User{u, other} {
			if got, _ := f.svc.UserByID(ctx, want.ID); got.Email != want.Email {
				t.Fatalf("email of %d: got %q, want %q", want.ID, got.Email, want.Email)
			}
		}
	})
}

func TestConfirmEmailChange_AddressTakenMeanwhileIsGone(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		if err := f.svc.RequestEmailChange(ctx, u.ID, "new@example.org", password); err != nil {
			t.Fatal(err)
		}
		token := f.link("new@example.org", "email")
		f.user("new@example.org", accounts.Member)
		wantCode(t, f.svc.ConfirmEmailChange(ctx, token), coop.EGone, "auth.link_gone")
		if got, _ := f.svc.UserByID(ctx, u.ID); got.Email != "zoe@example.org" {
			t.Fatalf("email: got %q, want zoe@example.org", got.Email)
		}
	})
}

func TestChangePassword_EndsOtherSessionsKeepsTheCurrentOne(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		other := f.user("other@example.org", accounts.Member)
		current, currentID := f.session(u)
		old, _ := f.session(u)
		bystander, _ := f.session(other)

		if err := f.svc.ChangePassword(ctx, u.ID, currentID, password, newPassword); err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		f.sessionLive(current, "the session that changed the password")
		f.sessionGone(old, "another session of the account")
		f.sessionLive(bystander, "another account's session")
		_, err := f.svc.Login(ctx, u.Email, password)
		wantCode(t, err, coop.EUnauthorized, "auth.bad_credentials")
		f.mustLogin(u.Email, newPassword)
	})
}

func TestChangePassword_WrongCurrentPasswordIsRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		current, currentID := f.session(u)
		old, _ := f.session(u)
		wantField(t, f.svc.ChangePassword(ctx, u.ID, currentID, "wrong password!", newPassword), "current_password", "error.password_wrong")
		wantField(t, f.svc.ChangePassword(ctx, u.ID, currentID, "", newPassword), "current_password", "error.required")
		wantField(t, f.svc.ChangePassword(ctx, u.ID, currentID, password, "short"), "new_password", "error.password_short")
		wantField(t, f.svc.ChangePassword(ctx, u.ID, currentID, password, "ZOE@example.org"), "new_password", "error.password_is_email")
		f.sessionLive(current, "after refused changes")
		f.sessionLive(old, "after refused changes")
		f.mustLogin(u.Email, password)
	})
}
