package accounts_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"

	"golang.org/x/crypto/argon2"
)

func TestExportData_HoldsTheAccountAndNoSecrets(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		secret := f.enableTOTP(u)
		session, _ := f.session(u)
		f.clock.Advance(time.Hour)
		apiSecret, err := f.svc.CreateAPIToken(ctx, u.ID, "tableur")
		if err != nil {
			t.Fatal(err)
		}
		revoked, err := f.svc.CreateAPIToken(ctx, u.ID, "ancien")
		if err != nil {
			t.Fatal(err)
		}
		list, _ := f.svc.APITokens(ctx, u.ID)
		for _, tok := range list {
			if tok.Name == "ancien" {
				if err := f.svc.RevokeAPIToken(ctx, u.ID, tok.PublicID); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := f.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		reset := f.link(u.Email, "mot-de-passe")
		other := f.user("other@example.org", accounts.Member)
		f.session(other)

		e, err := f.svc.ExportData(ctx, u.ID)
		if err != nil {
			t.Fatalf("ExportData: %v", err)
		}
		want := accounts.ExportAccount{ID: u.PublicID, Email: u.Email, Name: u.Name, Role: accounts.Manager, Language: "fr", EmailVerified: true, TwoFactor: true}
		got := e.Account
		got.CreatedAt = time.Time{}
		if got != want || !e.Account.CreatedAt.Equal(start) {
			t.Fatalf("account: got %+v, want %+v created at %v", e.Account, want, start)
		}
		if !e.ExportedAt.Equal(f.clock.Now()) {
			t.Errorf("ExportedAt: got %v, want %v", e.ExportedAt, f.clock.Now())
		}
		if len(e.Sessions) != 1 || !e.Sessions[0].CreatedAt.Equal(start) {
			t.Errorf("sessions: got %+v, want the one opened at %v", e.Sessions, start)
		}
		if len(e.APITokens) != 1 || e.APITokens[0].Name != "tableur" {
			t.Errorf("API tokens: got %+v, want only the live one, tableur", e.APITokens)
		}

		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(b)
		var hash string
		if err := f.d.SQL.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		for what, s := range map[string]string{
			"the password hash":          hash,
			"the password hash's key":    hash[strings.LastIndex(hash, "$")+1:],
			"the password":               password,
			"the TOTP secret":            secret,
			"the session secret":         session,
			"the session secret's hash":  sha256Hex(session),
			"the API token":              apiSecret,
			"the API token's hash":       sha256Hex(apiSecret),
			"the revoked API token":      revoked,
			"the reset link":             reset,
			"the other account":          other.Email,
			"the internal id as a field": `"id":` + jsonNumber(u.ID),
		} {
			if strings.Contains(doc, s) {
				t.Errorf("the export contains %s: %s", what, doc)
			}
		}
		for _, s := range []string{u.Email, u.Name, u.PublicID, `"role":"manager"`, `"two_factor":true`} {
			if !strings.Contains(doc, s) {
				t.Errorf("the export lacks %s: %s", s, doc)
			}
		}
	})
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestDeleteAccount_RemovesTheAccountAndEverythingItOwns(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		u := f.user("zoe@example.org", accounts.Manager)
		other := f.user("other@example.org", accounts.Member)
		session, _ := f.session(u)
		otherSession, _ := f.session(other)
		api, err := f.svc.CreateAPIToken(ctx, u.ID, "tableur")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestPasswordReset(ctx, u.Email); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestEmailChange(ctx, u.ID, "zoe.new@example.org", password); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Invite(ctx, u, "invited@example.org", accounts.Member); err != nil {
			t.Fatal(err)
		}

		wantField(t, f.svc.DeleteAccount(ctx, u, "wrong password!"), "current_password", "error.password_wrong")
		wantField(t, f.svc.DeleteAccount(ctx, u, ""), "current_password", "error.required")
		f.sessionLive(session, "after a refused deletion")

		if err := f.svc.DeleteAccount(ctx, u, password); err != nil {
			t.Fatalf("DeleteAccount: %v", err)
		}
		if _, err := f.svc.UserByID(ctx, u.ID); coop.ErrorCode(err) != coop.ENotFound {
			t.Fatalf("UserByID after deletion: got %v, want %s", err, coop.ENotFound)
		}
		for table, query := range map[string]string{
			"users":           `SELECT count(*) FROM users WHERE id = $1`,
			"sessions":        `SELECT count(*) FROM sessions WHERE user_id = $1`,
			"api_tokens":      `SELECT count(*) FROM api_tokens WHERE user_id = $1`,
			"one_time_tokens": `SELECT count(*) FROM one_time_tokens WHERE user_id = $1 OR invited_by = $1`,
		} {
			if n := f.count(query, u.ID); n != 0 {
				t.Errorf("%s left for the deleted account: got %d, want 0", table, n)
			}
		}
		if n := f.count(`SELECT count(*) FROM outbox WHERE to_addr = $1`, u.Email); n != 0 {
			t.Errorf("emails to the deleted account left in the outbox: %d, want 0", n)
		}
		f.sessionGone(session, "the deleted account's session")
		_, err = f.svc.APITokenUser(ctx, api)
		wantCode(t, err, coop.EUnauthorized, "api.token_invalid")
		_, err = f.svc.Login(ctx, u.Email, password)
		wantCode(t, err, coop.EUnauthorized, "auth.bad_credentials")

		// Others keep theirs.
		f.sessionLive(otherSession, "another account's session")
		if n := f.count(`SELECT count(*) FROM users`); n != 1 {
			t.Fatalf("users: got %d, want 1", n)
		}
	})
}

func TestDeleteAccount_LastCoordinatorCannotLeave(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		c1 := f.user("c1@example.org", accounts.Coordinator)
		f.user("manager@example.org", accounts.Manager)
		wantCode(t, f.svc.DeleteAccount(ctx, c1, password), coop.EPrecondition, "account.last_coordinator")
		if _, err := f.svc.UserByID(ctx, c1.ID); err != nil {
			t.Fatalf("the last coordinator: %v", err)
		}

		c2 := f.user("c2@example.org", accounts.Coordinator)
		if err := f.svc.DeleteAccount(ctx, c1, password); err != nil {
			t.Fatalf("DeleteAccount with another coordinator left: %v", err)
		}
		wantCode(t, f.svc.DeleteAccount(ctx, c2, password), coop.EPrecondition, "account.last_coordinator")
	})
}

// Coordinators leaving at once must not leave the network without one:
// all but one may go.
func TestDeleteAccount_ConcurrentCoordinatorsKeepOne(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		const rounds, k = 4, 4
		// The deletions must reach the database together: let the password
		// checks run side by side, and make them cheap (Verify follows the
		// parameters stored with each hash).
		f.svc.Hasher = accounts.NewHasher(k)
		cheap := cheapHash(password)
		for round := range rounds {
			coords := make([]accounts.User, k)
			for i := range coords {
				coords[i] = f.user(fmt.Sprintf("c%d-%d@example.org", round, i), accounts.Coordinator)
				if _, err := f.d.SQL.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, cheap, coords[i].ID); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			errs := make([]error, k)
			gate := make(chan struct{})
			for i, u := range coords {
				wg.Go(func() {
					<-gate
					errs[i] = f.svc.DeleteAccount(ctx, u, password)
				})
			}
			close(gate)
			wg.Wait()
			if n := f.count(`SELECT count(*) FROM users WHERE role = 'coordinator'`); n != 1 {
				t.Fatalf("round %d: coordinators left: got %d, want 1 (errors %v)", round, n, errs)
			}
			refused := 0
			for i, err := range errs {
				switch {
				case coop.ErrorCode(err) == coop.EPrecondition:
					refused++
				case err != nil:
					t.Errorf("round %d, deletion %d: got %v, want nil or %s", round, i, err, coop.EPrecondition)
				}
			}
			if refused != 1 {
				t.Errorf("round %d: %d deletions refused, want 1", round, refused)
			}
			// Leave no coordinator for the next round to race over.
			if _, err := f.d.SQL.ExecContext(ctx, `DELETE FROM users WHERE role = 'coordinator'`); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// cheapHash is an Argon2id PHC string of pw with tiny parameters, for tests
// where the cost of a real hash would hide a race.
func cheapHash(pw string) string {
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(pw), salt, 1, 8, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=8,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key))
}
