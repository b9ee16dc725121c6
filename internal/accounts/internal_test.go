package accounts

import (
	"context"
	"testing"
	"time"
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

// A token's account read before a change and put back after it is not
// kept: the next request reads the change.
func TestTokenCache_AReadOvertakenByAChangeIsNotKept(t *testing.T) {
	var c tokenCache
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	_, ok, gen := c.get("h", now)
	if ok {
		t.Fatal("an empty cache answered")
	}
	c.forget() // a change commits while the read is under way
	c.put("h", tokenEntry{id: 1, read: now}, gen)
	if _, ok, _ := c.get("h", now); ok {
		t.Fatal("a read overtaken by a change was kept")
	}
	_, _, gen = c.get("h", now)
	c.put("h", tokenEntry{id: 1, read: now}, gen)
	if e, ok, _ := c.get("h", now.Add(tokenTTL-time.Nanosecond)); !ok || e.id != 1 {
		t.Fatal("a read with no change since was not kept")
	}
	if _, ok, _ := c.get("h", now.Add(tokenTTL)); ok {
		t.Fatal("an entry outlived tokenTTL")
	}
	if _, ok, _ := c.get("h", now.Add(-time.Second)); ok {
		t.Fatal("an entry read in the future of the clock was answered")
	}
}
