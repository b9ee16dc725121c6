package accounts_test

import (
	"regexp"
	"testing"

	"coopconnect/internal/accounts"
)

// phcRE is the PHC string of Argon2id with the OWASP minimum parameters: a
// 16-byte salt and a 32-byte key in unpadded standard base64.
var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHasher_WritesPHCStringWithOWASPParameters(t *testing.T) {
	t.Parallel()
	h := accounts.NewHasher(1)
	got, err := h.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	if !phcRE.MatchString(got) {
		t.Fatalf("got hash %q, want a PHC string matching %s", got, phcRE)
	}
}

func TestHasher_VerifiesOnlyTheRightPassword(t *testing.T) {
	t.Parallel()
	h := accounts.NewHasher(1)
	enc, err := h.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		try  string
		want bool
	}{
		{password, true},
		{password + " ", false},
		{"Correct horse battery", false},
		{"", false},
	} {
		ok, err := h.Verify(ctx, enc, tc.try)
		if err != nil {
			t.Fatalf("Verify(%q): %v", tc.try, err)
		}
		if ok != tc.want {
			t.Errorf("Verify(%q): got %v, want %v", tc.try, ok, tc.want)
		}
	}
}

func TestHasher_TwoHashesOfOnePasswordDiffer(t *testing.T) {
	t.Parallel()
	h := accounts.NewHasher(2)
	a, err := h.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two hashes of one password are both %q: the salt is not random", a)
	}
	// Both still verify: the salt travels in the string.
	for _, enc := range []string{a, b} {
		if ok, err := h.Verify(ctx, enc, password); err != nil || !ok {
			t.Fatalf("Verify(%q): got %v, %v; want true, nil", enc, ok, err)
		}
	}
}

func TestHasher_RefusesMalformedHashes(t *testing.T) {
	t.Parallel()
	h := accounts.NewHasher(1)
	for _, enc := range []string{
		"",
		"plain-text-password",
		"$2a$10$abcdefghijklmnopqrstuuQ3yPOCt9Ccb2SuS5v7A2Ym1pmDkbC4a", // bcrypt
		"$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yG0zQbQ4n3Yw4+1xV9Vq3aAU9nFkSx3QX2gB5dIu0HU",
		"$argon2id$v=19$m=19456,t=2,p=1$not base64!$yG0zQbQ4n3Yw4+1xV9Vq3aAU9nFkSx3QX2gB5dIu0HU",
		"$argon2id$v=19$m=x,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$yG0zQbQ4n3Yw4+1xV9Vq3aAU9nFkSx3QX2gB5dIu0HU",
	} {
		ok, err := h.Verify(ctx, enc, password)
		if err == nil || ok {
			t.Errorf("Verify(%q): got %v, %v; want false and an error", enc, ok, err)
		}
	}
}
