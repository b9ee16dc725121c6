package accounts_test

import (
	"encoding/base32"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
)

// rfcSecret is the SHA-1 key of RFC 6238 appendix B, base32-encoded as an
// authenticator application receives it.
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestTOTPCode_RFC6238Vectors(t *testing.T) {
	t.Parallel()
	if rfcSecret != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("got secret %q", rfcSecret)
	}
	// The RFC gives 8 digits; a 6-digit code is their last six.
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},          // 94287082
		{1111111109, "081804"},  // 07081804
		{1111111111, "050471"},  // 14050471
		{1234567890, "005924"},  // 89005924
		{2000000000, "279037"},  // 69279037
		{20000000000, "353130"}, // 65353130
	} {
		step := accounts.TOTPStep(time.Unix(tc.unix, 0))
		if want := tc.unix / 30; step != want {
			t.Fatalf("TOTPStep(%d): got %d, want %d", tc.unix, step, want)
		}
		got, err := accounts.TOTPCode(rfcSecret, step)
		if err != nil {
			t.Fatalf("TOTPCode at %d: %v", tc.unix, err)
		}
		if got != tc.want {
			t.Errorf("TOTPCode at T=%d: got %s, want %s", tc.unix, got, tc.want)
		}
	}
	// Authenticator applications show secrets in lower case and in groups.
	if got, _ := accounts.TOTPCode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", 1); got != "287082" {
		t.Errorf("TOTPCode of a grouped lower-case secret: got %s, want 287082", got)
	}
	if _, err := accounts.TOTPCode("not base32!", 1); err == nil {
		t.Error("TOTPCode of a malformed secret: got no error")
	}
}

func TestNewTOTPSecret_Is160RandomBits(t *testing.T) {
	t.Parallel()
	a, b := accounts.NewTOTPSecret(), accounts.NewTOTPSecret()
	if a == b {
		t.Fatalf("two secrets are both %q", a)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(a)
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", a, err)
	}
	if len(key) != 20 {
		t.Fatalf("secret decodes to %d bytes, want 20", len(key))
	}
}

func TestTOTPURI_DescribesTheSecretForAuthenticators(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(accounts.TOTPURI(rfcSecret, "zoe@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Coop-connect:zoe@example.org" {
		t.Errorf("got %s://%s%s, want otpauth://totp/Coop-connect:zoe@example.org", u.Scheme, u.Host, u.Path)
	}
	q := u.Query()
	for k, want := range map[string]string{"secret": rfcSecret, "issuer": "Coop-connect", "algorithm": "SHA1", "digits": "6", "period": "30"} {
		if got := q.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
}

// code returns the TOTP code of secret at now shifted by steps.
func code(t testing.TB, secret string, now time.Time, steps int64) string {
	t.Helper()
	c, err := accounts.TOTPCode(secret, accounts.TOTPStep(now)+steps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode returns a code that matches none of the steps around now.
func wrongCode(t testing.TB, secret string, now time.Time) string {
	t.Helper()
	taken := map[string]bool{}
	for s := int64(-2); s <= 2; s++ {
		taken[code(t, secret, now, s)] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i); !taken[c] {
			return c
		}
	}
}

// enableTOTP sets up the second factor of u with a code of the current
// step, and returns the secret.
func (f *fixture) enableTOTP(u accounts.User) string {
	f.t.Helper()
	secret, err := f.svc.PendingTOTPSecret(ctx, u.ID)
	if err != nil {
		f.t.Fatalf("PendingTOTPSecret: %v", err)
	}
	if err := f.svc.EnableTOTP(ctx, u.ID, code(f.t, secret, f.clock.Now(), 0)); err != nil {
		f.t.Fatalf("EnableTOTP: %v", err)
	}
	return secret
}

func TestEnableTOTP_NeedsACodeOfThePendingSecret(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		if err := f.svc.EnableTOTP(ctx, u.ID, "123456"); err == nil {
			t.Fatal("EnableTOTP without a pending secret: got no error")
		}
		secret, err := f.svc.PendingTOTPSecret(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.PendingTOTPSecret(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again != secret {
			t.Fatalf("second PendingTOTPSecret: got %q, want the pending %q (the page is reloaded while scanning)", again, secret)
		}

		err = f.svc.EnableTOTP(ctx, u.ID, wrongCode(t, secret, f.clock.Now()))
		wantField(t, err, "code", "totp.code_wrong")
		if got, _ := f.svc.UserByID(ctx, u.ID); got.TOTPEnabled {
			t.Fatal("TOTP enabled by a wrong code")
		}

		if err := f.svc.EnableTOTP(ctx, u.ID, code(t, secret, f.clock.Now(), 0)); err != nil {
			t.Fatalf("EnableTOTP with the right code: %v", err)
		}
		if got, _ := f.svc.UserByID(ctx, u.ID); !got.TOTPEnabled {
			t.Fatal("TOTPEnabled: got false after EnableTOTP, want true")
		}
		_, err = f.svc.PendingTOTPSecret(ctx, u.ID)
		wantCode(t, err, coop.EPrecondition, "totp.already_enabled")
	})
}

func TestTOTP_AcceptsOneStepOfDriftEachWayNotTwo(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		for _, tc := range []struct {
			steps int64
			want  bool
		}{
			{-2, false}, {-1, true}, {0, true}, {1, true}, {2, false},
		} {
			u := f.user(fmt.Sprintf("drift%d@example.org", tc.steps+2), accounts.Member)
			secret, err := f.svc.PendingTOTPSecret(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Halfway through a step, so only the step count matters.
			f.clock.Advance(15 * time.Second)
			err = f.svc.EnableTOTP(ctx, u.ID, code(t, secret, f.clock.Now(), tc.steps))
			if got := err == nil; got != tc.want {
				t.Errorf("code %+d steps away: accepted %v (err %v), want %v", tc.steps, got, err, tc.want)
			}
			f.clock.Advance(15 * time.Second)
		}
	})
}

func TestLogin_WithTOTPOpensAPendingSessionThatTheCodeRotates(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		secret := f.enableTOTP(u)
		f.clock.Advance(30 * time.Second) // the enabling code is spent

		l := f.mustLogin(u.Email, password)
		if !l.SecondFactor {
			t.Fatal("Login.SecondFactor: got false, want true")
		}
		if l.User.ID != u.ID {
			t.Fatalf("Login.User.ID: got %d, want %d", l.User.ID, u.ID)
		}
		sess, _ := f.sessionLive(l.Token, "pending session")
		if !sess.PendingSecondFactor {
			t.Fatal("session after a password only: PendingSecondFactor false, want true")
		}
		if want := f.clock.Now().Add(accounts.PendingFactorTTL); !sess.ExpiresAt.Equal(want) {
			t.Errorf("pending session expires at %v, want %v", sess.ExpiresAt, want)
		}

		_, err := f.svc.CompleteSecondFactor(ctx, l.Token, wrongCode(t, secret, f.clock.Now()))
		wantField(t, err, "code", "totp.code_wrong")
		if s, _ := f.sessionLive(l.Token, "after a wrong code"); !s.PendingSecondFactor {
			t.Fatal("a wrong code completed the session")
		}

		full, err := f.svc.CompleteSecondFactor(ctx, l.Token, code(t, secret, f.clock.Now(), 0))
		if err != nil {
			t.Fatalf("CompleteSecondFactor: %v", err)
		}
		if full == l.Token || full == "" {
			t.Fatalf("CompleteSecondFactor returned %q, want a new secret", full)
		}
		f.sessionGone(l.Token, "the pending token after the second factor")
		sess, got := f.sessionLive(full, "the new token")
		if sess.PendingSecondFactor || got.ID != u.ID {
			t.Fatalf("new session: pending %v, user %d; want false, %d", sess.PendingSecondFactor, got.ID, u.ID)
		}
		if want := f.clock.Now().Add(accounts.SessionAbsolute); !sess.ExpiresAt.Equal(want) {
			t.Errorf("full session expires at %v, want %v", sess.ExpiresAt, want)
		}

		_, err = f.svc.CompleteSecondFactor(ctx, full, code(t, secret, f.clock.Now(), 1))
		wantCode(t, err, coop.EUnauthorized, "auth.session_expired")
	})
}

func TestTOTP_CodeIsAcceptedOnceOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		secret := f.enableTOTP(u)
		enabling := code(t, secret, f.clock.Now(), 0)

		l := f.mustLogin(u.Email, password)
		_, err := f.svc.CompleteSecondFactor(ctx, l.Token, enabling)
		wantField(t, err, "code", "totp.code_wrong")

		f.clock.Advance(30 * time.Second)
		next := code(t, secret, f.clock.Now(), 0)
		if _, err := f.svc.CompleteSecondFactor(ctx, l.Token, next); err != nil {
			t.Fatalf("a fresh code: %v", err)
		}

		l2 := f.mustLogin(u.Email, password)
		_, err = f.svc.CompleteSecondFactor(ctx, l2.Token, next)
		wantField(t, err, "code", "totp.code_wrong")
		// The previous step is within the drift window but older than the
		// last code used: refused too.
		_, err = f.svc.CompleteSecondFactor(ctx, l2.Token, enabling)
		wantField(t, err, "code", "totp.code_wrong")

		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.CompleteSecondFactor(ctx, l2.Token, code(t, secret, f.clock.Now(), 0)); err != nil {
			t.Fatalf("the next step's code: %v", err)
		}
	})
}

// Two browsers holding the password race to use one observed code: the
// code must open one session, not two. The race needs the transactions to
// overlap, so it is run for a few steps.
func TestCompleteSecondFactor_ConcurrentUsesOfOneCode_OnlyOneWins(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		secret := f.enableTOTP(u)
		const rounds, n = 3, 8
		for round := range rounds {
			f.clock.Advance(30 * time.Second)
			tokens := make([]string, n)
			for i := range tokens {
				tokens[i] = f.mustLogin(u.Email, password).Token
			}
			c := code(t, secret, f.clock.Now(), 0)
			errs := make([]error, n)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-gate
					_, errs[i] = f.svc.CompleteSecondFactor(ctx, tokens[i], c)
				})
			}
			close(gate)
			wg.Wait()
			won := 0
			for i, err := range errs {
				switch {
				case err == nil:
					won++
				case coop.ErrorCode(err) != coop.EInvalid:
					t.Errorf("round %d, attempt %d: got %v, want success or %s", round, i, err, coop.EInvalid)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: one code completed %d sessions, want 1", round, won)
			}
		}
	})
}

func TestCompleteSecondFactor_PendingSessionExpires(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Member)
		secret := f.enableTOTP(u)
		l := f.mustLogin(u.Email, password)
		f.clock.Advance(accounts.PendingFactorTTL)
		_, err := f.svc.CompleteSecondFactor(ctx, l.Token, code(t, secret, f.clock.Now(), 0))
		wantCode(t, err, coop.EUnauthorized, "auth.session_expired")
		if n := f.count(`SELECT count(*) FROM sessions`); n != 0 {
			t.Fatalf("sessions left: got %d, want 0", n)
		}
	})
}

func TestDisableTOTP_RefusedForStaffWhileRequired(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := f.user("coord@example.org", accounts.Coordinator)
		manager := f.user("manager@example.org", accounts.Manager)
		member := f.user("member@example.org", accounts.Member)
		f.enableTOTP(manager)
		f.enableTOTP(member)

		if err := f.svc.SetStaffTOTPRequired(ctx, manager, true); coop.ErrorCode(err) != coop.EForbidden {
			t.Fatalf("SetStaffTOTPRequired by a manager: got %v, want %s", err, coop.EForbidden)
		}
		if req, err := f.svc.StaffTOTPRequired(ctx); err != nil || req {
			t.Fatalf("StaffTOTPRequired by default: got %v, %v; want false", req, err)
		}
		if err := f.svc.SetStaffTOTPRequired(ctx, coord, true); err != nil {
			t.Fatal(err)
		}
		if req, err := f.svc.StaffTOTPRequired(ctx); err != nil || !req {
			t.Fatalf("StaffTOTPRequired: got %v, %v; want true", req, err)
		}

		err := f.svc.DisableTOTP(ctx, manager, password)
		wantCode(t, err, coop.EPrecondition, "totp.required_for_staff")
		if got, _ := f.svc.UserByID(ctx, manager.ID); !got.TOTPEnabled {
			t.Fatal("the manager's TOTP was disabled while required")
		}

		// Members are not staff: the rule does not bind them, the password does.
		wantField(t, f.svc.DisableTOTP(ctx, member, "wrong password!"), "current_password", "error.password_wrong")
		wantField(t, f.svc.DisableTOTP(ctx, member, ""), "current_password", "error.required")
		if err := f.svc.DisableTOTP(ctx, member, password); err != nil {
			t.Fatalf("DisableTOTP for a member: %v", err)
		}
		if got, _ := f.svc.UserByID(ctx, member.ID); got.TOTPEnabled {
			t.Fatal("member: TOTPEnabled still true after DisableTOTP")
		}

		if err := f.svc.SetStaffTOTPRequired(ctx, coord, false); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DisableTOTP(ctx, manager, password); err != nil {
			t.Fatalf("DisableTOTP for a manager once not required: %v", err)
		}
		if got, _ := f.svc.UserByID(ctx, manager.ID); got.TOTPEnabled {
			t.Fatal("manager: TOTPEnabled still true after DisableTOTP")
		}
		// Without a second factor, a login opens a full session again.
		if l := f.mustLogin(manager.Email, password); l.SecondFactor {
			t.Fatal("Login after DisableTOTP: SecondFactor true, want false")
		}
	})
}

func TestNeedsTOTPSetup_OnlyStaffWithoutTOTPWhenRequired(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		coord := accounts.User{ID: 1, Role: accounts.Coordinator}
		cases := []struct {
			role     accounts.Role
			enabled  bool
			required bool
			want     bool
		}{
			{accounts.Coordinator, false, true, true},
			{accounts.Manager, false, true, true},
			{accounts.Concierge, false, true, true},
			{accounts.Member, false, true, false},
			{accounts.Official, false, true, false},
			{accounts.Manager, true, true, false},
			{accounts.Manager, false, false, false},
			{accounts.Coordinator, false, false, false},
		}
		for _, tc := range cases {
			if err := f.svc.SetStaffTOTPRequired(ctx, coord, tc.required); err != nil {
				t.Fatal(err)
			}
			got, err := f.svc.NeedsTOTPSetup(ctx, accounts.User{Role: tc.role, TOTPEnabled: tc.enabled})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s, enabled %v, required %v: got %v, want %v", tc.role, tc.enabled, tc.required, got, tc.want)
			}
		}
	})
}
