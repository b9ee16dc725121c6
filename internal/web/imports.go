package web

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"coopconnect/internal/coop"
	"coopconnect/internal/opendata"
	"coopconnect/internal/places"
)

// importView is the import form, or an upload's preview.
type importView struct {
	Page
	Carriers []places.Carrier
	Preview  *opendata.Preview
	Rows     []importRow
}

// importRow is a row of a preview, its problems in words.
type importRow struct {
	Line     int
	Name     string
	Commune  string
	Already  bool
	Problems []string
}

func (s *Server) importForm(r *http.Request) (*importView, error) {
	v := &importView{Page: s.newPage(r, "import.title")}
	var err error
	v.Carriers, err = s.Places.Carriers(r.Context(), *stateOf(r).user)
	return v, err
}

func (s *Server) showImport(w http.ResponseWriter, r *http.Request) error {
	v, err := s.importForm(r)
	if err != nil {
		return err
	}
	v.Form["format"] = opendata.FormatStandard
	if len(v.Carriers) == 1 {
		v.Form["carrier"] = strconv.FormatInt(v.Carriers[0].ID, 10)
	}
	return s.render(w, r, http.StatusOK, "import", v)
}

func (s *Server) uploadImport(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, opendata.MaxImportBytes+1<<20)
	var data []byte
	var name string
	if err := r.ParseMultipartForm(8 << 20); err == nil {
		if f, h, err := r.FormFile("file"); err == nil {
			name = h.Filename
			data, err = io.ReadAll(io.LimitReader(f, opendata.MaxImportBytes+1))
			f.Close()
			if err != nil {
				return err
			}
		}
	} else if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		data = make([]byte, opendata.MaxImportBytes+1) // refused as too big below
	}
	u, err := s.Imports.Save(r.Context(), *stateOf(r).user, r.FormValue("format"), name, r.FormValue("carrier"), data)
	if err != nil {
		v, verr := s.importForm(r)
		if verr != nil {
			return verr
		}
		v.Form["format"], v.Form["carrier"] = r.FormValue("format"), r.FormValue("carrier")
		return s.invalid(w, r, err, "import", v, "carrier", "format", "file")
	}
	http.Redirect(w, r, "/gestion/import/"+u.PublicID, http.StatusSeeOther)
	return nil
}

func (s *Server) showImportPreview(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Imports.Load(r.Context(), *stateOf(r).user, r.PathValue("id"))
	if err != nil {
		return err
	}
	pv, err := s.Imports.Preview(r.Context(), u)
	if err != nil {
		return err
	}
	v := &importView{Page: s.newPage(r, "import.preview_title"), Preview: &pv}
	for _, c := range pv.Rows {
		row := importRow{Line: c.Line, Name: c.Input.Name, Commune: c.Input.Commune, Already: pv.Already[c.Key]}
		if cm, ok := s.Territory.Commune(c.Input.Commune); ok {
			row.Commune = cm.Name
		}
		for _, field := range slices.Sorted(maps.Keys(c.Problems)) {
			row.Problems = append(row.Problems, v.T("import.problem", v.T("import.field."+field), translate(v.L, c.Problems[field], c.ProblemArgs[field]...)))
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render(w, r, http.StatusOK, "import_preview", v)
}

func (s *Server) confirmImport(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Imports.Load(r.Context(), *stateOf(r).user, r.PathValue("id"))
	if err != nil {
		return err
	}
	created, skipped, err := s.Imports.Confirm(r.Context(), *stateOf(r).user, u)
	if e := coop.AsError(err); e != nil && e.Code == coop.EPrecondition {
		return s.redirect(w, r, "/gestion/import/"+u.PublicID, "error", "import.refused")
	}
	if err != nil {
		return err
	}
	s.setFlash(w, "success", "import.done", created, skipped)
	http.Redirect(w, r, "/gestion/lieux", http.StatusSeeOther)
	return nil
}
