package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under content-hashed names
// (css/app.3f2a9c1b.css), cached forever: a changed file gets a new name.
type assets struct {
	files  map[string][]byte // hashed name → content
	hashed map[string]string // plain name → hashed name
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hashed: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		h := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.files[h] = b
		a.hashed[name] = h
		return nil
	})
	return a, err
}

// URL returns the address of a static file, or "" if it is missing (the
// vendor files are absent when the front-end packages were not built).
func (a *assets) URL(name string) string {
	h, ok := a.hashed[name]
	if !ok {
		return ""
	}
	return "/static/" + h
}

// Has tells whether a static file exists.
func (a *assets) Has(name string) bool { _, ok := a.hashed[name]; return ok }

// content returns a static file's bytes by its plain name.
func (a *assets) content(name string) ([]byte, bool) {
	b, ok := a.files[a.hashed[name]]
	return b, ok
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	cache := "public, max-age=31536000, immutable"
	b, ok := s.assets.files[name]
	if !ok {
		// Plain names stay reachable for the relative url()s inside
		// vendor style sheets (fonts, map images), with a short cache.
		if b, ok = s.assets.content(name); !ok {
			http.NotFound(w, r)
			return nil
		}
		cache = "public, max-age=3600"
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", cache)
	_, err := w.Write(b)
	return err
}
