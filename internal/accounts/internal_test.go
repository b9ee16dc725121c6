package accounts

import (
	"context"
	"testing"
)

// An unknown address at login verifies dummyHash so that it costs what a
// known one costs; a malformed dummyHash would fail before hashing and tell
// an attacker, by the response time, which addresses have accounts.
func TestLogin_DummyHashIsAWellFormedArgon2idHash(t *testing.T) {
	ok, err := NewHasher(1).Verify(context.Background(), dummyHash, "any password")
	if err != nil {
		t.Fatalf("Verify(dummyHash): %v; want a hash that runs Argon2id", err)
	}
	if ok {
		t.Fatal("dummyHash matched an arbitrary password")
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; dummyHash[:len(want)] != want {
		t.Fatalf("dummyHash %q does not use the parameters of real hashes %q", dummyHash, want)
	}
}
