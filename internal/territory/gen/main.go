// Command gen writes internal/territory/data/territories.tsv.gz from the
// registry sources: npm @etalab/decoupage-administratif (installed in
// web/node_modules by scripts/build-assets.sh) and the INSEE density grid and
// datas.fun communes file in ../shared/data. Run it with
//
//	go generate ./internal/territory
//
// It prints what it derived and estimated, and fails when more than a handful
// of communes lack a fact. See docs/data-sources.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"coopconnect/internal/territory/internal/build"
)

func main() {
	out := flag.String("o", "", "output file (default: internal/territory/data/territories.tsv.gz under the module root)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "territory gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := build.FindRoot(wd)
	if err != nil {
		return err
	}
	data, rep, err := build.Run(root)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(root, "internal", "territory", "data", "territories.tsv.gz")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return err
	}
	fmt.Print(rep)
	fmt.Printf("wrote %s (%d bytes)\n", out, len(data))
	return nil
}
