package testkit

import (
	"sync"
	"testing"

	"coopconnect/internal/coop"
)

// AtOnce runs fn(0) … fn(n-1) at the same time and returns how many
// succeeded; every other must have failed with the error code refused
// (a coop code), or the test fails.
func AtOnce(t testing.TB, n int, refused string, fn func(i int) error) (succeeded int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			succeeded++
		case coop.ErrorCode(err) != refused:
			t.Errorf("refused with %v, want the code %s", err, refused)
		}
	}
	return succeeded
}
