package territory

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"

	"coopconnect/internal/territory/internal/build"
	"coopconnect/internal/testkit"
)

// TestData_UpToDate regenerates the territories file from the sources, when
// this machine has them (npm packages installed, ../shared/data present), and
// compares it with the committed file. Run `go generate ./internal/territory`
// when it fails. The uncompressed bytes are compared: a new Go release may
// compress the same bytes differently.
func TestData_UpToDate(t *testing.T) {
	root, err := build.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	fresh, _, err := build.RunRaw(root)
	if errors.Is(err, build.ErrNoSources) {
		testkit.SkipOrFail(t, "the territory sources are missing ("+err.Error()+"): run scripts/build-assets.sh")
	}
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(embedded))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Fatalf("data/territories.tsv.gz is out of date (%d bytes from the sources, %d committed): run go generate ./internal/territory",
			len(fresh), len(committed))
	}
	gz, _, err := build.Run(root)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gz, embedded) {
		t.Log("same content, different compression: this Go release compresses differently; regenerate at will")
	}
	// The fresh data parses like the embedded one.
	if _, err := parseRaw(string(fresh)); err != nil {
		t.Fatalf("fresh data does not parse: %v", err)
	}
}

func TestData_GenerationIsDeterministic(t *testing.T) {
	root, err := build.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if err := build.CheckSources(root); err != nil {
		testkit.SkipOrFail(t, err.Error())
	}
	a, _, err := build.Run(root)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := build.Run(root)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two generations from the same sources differ")
	}
}

func TestParse_RejectsBadFiles(t *testing.T) {
	for name, data := range map[string]string{
		"empty":          "",
		"other format":   "#\tsomething\tv2\n",
		"unknown record": format + "\nX\t1\n",
		"bad commune":    format + "\nR\t93\tPACA\nD\t04\t93\tAlpes\nC\t04070\tDigne\n",
		"unknown dept":   format + "\nR\t93\tPACA\nC\t04070\tDigne\t0\t04000\t04\t\t1\t1\t44\t6\t1\t3\t\t\n",
	} {
		if _, err := parseRaw(data); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := parse([]byte("not gzip")); err == nil {
		t.Error("parsed a file that is not gzip")
	}
}

// BenchmarkLoad measures what Load costs on the first call: decompressing and
// parsing the embedded file and building the search index.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(embedded); err != nil {
			b.Fatal(err)
		}
	}
}
