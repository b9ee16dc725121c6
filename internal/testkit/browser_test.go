package testkit

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// strictCSP is the policy of the product's pages: no inline script.
const strictCSP = "default-src 'self'; script-src 'self'"

// page renders an accessible French page around body.
func page(title, body string) string {
	return `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + title + ` – Coop-connect</title></head>
<body>
<header><nav aria-label="Principale"><a href="/">Accueil</a></nav></header>
<main><h1>` + title + `</h1>
` + body + `
</main>
<footer><p><a href="/accessibilite">Accessibilité : partiellement conforme</a></p></footer>
</body>
</html>`
}

// newSite serves the pages with the product's strict CSP.
func newSite(t *testing.T, mux *http.ServeMux) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", strictCSP)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func html(w http.ResponseWriter, status int, s string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, s)
}

func TestBrowserAccessiblePageUnderStrictCSP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		html(w, http.StatusOK, page("Trouver un lieu", `
<form action="/recherche" method="get" role="search">
  <label for="q">Commune ou code postal</label>
  <input id="q" name="q" type="search" autocomplete="off">
  <button type="submit">Rechercher</button>
</form>
<p>Des tiers-lieux près de chez vous : «&nbsp;La Fabrique&nbsp;», 12,50&nbsp;€ la journée.</p>`))
	})
	site := newSite(t, mux)

	b := NewBrowser(t)
	b.Visit(site + "/") // fails the test on any violation
	if vs, err := b.Violations(); err != nil || len(vs) != 0 {
		t.Fatalf("Violations() = %v, %v; want none", vs, err)
	}
	// axe-core was injected although the page forbids inline scripts…
	if v := RunValue(b, chromedp.Evaluate[string](`axe.version`)); !strings.HasPrefix(v, "4.") {
		t.Errorf("axe.version = %q", v)
	}
	// …and the page really is under the strict policy: a script the page
	// adds inline does not run, and the harness reports the violation.
	b.Run(chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.createElement('script');
		s.textContent = 'document.title = "injected"';
		document.body.append(s);
	})()`))
	if title := RunValue(b, chromedp.Title()); title != "Trouver un lieu – Coop-connect" {
		t.Errorf("title = %q: the inline script ran despite the CSP", title)
	}
	b.WaitVisible("#q")
	errs := b.TakePageErrors()
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "CSP: ") {
		t.Errorf("page errors = %q, want one CSP violation", errs)
	}
	if w := RunValue(b, chromedp.Evaluate[int](`window.innerWidth`)); w != 1280 {
		t.Errorf("desktop innerWidth = %d, want 1280", w)
	}
}

func TestBrowserReportsViolations(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		html(w, http.StatusOK, `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mauvaise page</title></head>
<body><main><h1>Mauvaise page</h1>
<input id="nom" type="text">
<img src="/photo.png">
</main></body></html>`)
	})
	site := newSite(t, mux)

	b := NewBrowser(t)
	b.Run(chromedp.Navigate(site + "/")) // not Visit: its check would fail this test
	vs, err := b.Violations()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"label", "image-alt"} {
		if !slices.Contains(ids, want) {
			t.Errorf("violations %v lack %q", ids, want)
		}
	}
	msg := FormatViolations(vs)
	for _, want := range []string{"- label (critical)", `#nom: <input id="nom" type="text">`, "- image-alt (critical)", `<img src="/photo.png">`} {
		if !strings.Contains(msg, want) {
			t.Errorf("FormatViolations lacks %q:\n%s", want, msg)
		}
	}
}

func TestBrowserReportsScriptErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		html(w, http.StatusOK, page("Carte", `<p>La carte se charge.</p><script src="/app.js"></script>`))
	})
	mux.HandleFunc("GET /app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `throw new Error("la carte a planté");`)
	})
	site := newSite(t, mux)

	b := NewBrowser(t)
	b.Visit(site + "/")
	errs := b.TakePageErrors()
	if len(errs) != 1 || !strings.Contains(errs[0], "la carte a planté") || !strings.Contains(errs[0], "/app.js:1") {
		t.Errorf("page errors = %q, want the exception of app.js", errs)
	}
}

// TestBrowserFormJourney fills and posts a form that answers 303 to a slow
// result page, as the product's forms do, then sends invalid data (422).
func TestBrowserFormJourney(t *testing.T) {
	form := template.Must(template.New("").Parse(`
{{if .Error}}<p id="erreur" role="alert">{{.Error}}</p>{{end}}
<form id="inscription" method="post" action="/inscription" novalidate>
  <p><label for="nom">Nom</label>
  <input id="nom" name="nom" type="text" value="brouillon" {{if .Error}}aria-invalid="true" aria-describedby="erreur"{{end}}></p>
  <p><label for="courriel">Courriel</label>
  <input id="courriel" name="courriel" type="email"></p>
  <p><label for="lieu">Lieu</label>
  <select id="lieu" name="lieu"><option value="">Choisir…</option><option value="fabrique">La Fabrique</option><option value="moulin">Le Moulin</option></select></p>
  <p><label for="jour">Jour</label>
  <input id="jour" name="jour" type="date"></p>
  <p><label for="message">Message</label>
  <textarea id="message" name="message">ancien texte</textarea></p>
  <p><button type="submit" name="action" value="inscrire">S'inscrire</button></p>
</form>`))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /inscription", func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		form.Execute(&buf, struct{ Error string }{})
		html(w, http.StatusOK, page("Inscription", buf.String()))
	})
	mux.HandleFunc("POST /inscription", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("nom") == "" {
			var buf bytes.Buffer
			form.Execute(&buf, struct{ Error string }{"Indiquez votre nom."})
			html(w, http.StatusUnprocessableEntity, page("Inscription", buf.String()))
			return
		}
		q := url.Values{}
		for _, k := range []string{"nom", "courriel", "lieu", "jour", "message", "action"} {
			q.Set(k, r.FormValue(k))
		}
		http.Redirect(w, r, "/merci?"+q.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("GET /merci", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // the next step must wait for it
		q := r.URL.Query()
		html(w, http.StatusOK, page("Merci", fmt.Sprintf(
			`<p id="resume">%s|%s|%s|%s|%s|%s</p><p><a id="retour" href="/inscription">Nouvelle inscription</a></p>`,
			template.HTMLEscapeString(q.Get("nom")), template.HTMLEscapeString(q.Get("courriel")),
			q.Get("lieu"), q.Get("jour"),
			// Forms send line breaks as CRLF; innerText would show them as spaces.
			strings.ReplaceAll(template.HTMLEscapeString(q.Get("message")), "\r\n", "⏎"),
			q.Get("action"))))
	})
	site := newSite(t, mux)

	b := NewBrowser(t)
	b.Visit(site + "/inscription")
	b.Fill("#nom", "Éloïse « Lou » N’Diaye")
	b.Fill("#courriel", "eloise@example.org")
	b.Fill("#lieu", "Le Moulin") // by label
	b.Fill("#jour", "2026-03-03")
	b.Fill("#message", "Bonjour,\nà mardi !")
	b.Submit("#inscription")

	if got, want := b.Location(), site+"/merci?"; !strings.HasPrefix(got, want) {
		t.Errorf("Location() = %q, want %s…", got, want)
	}
	if b.Status() != http.StatusOK {
		t.Errorf("Status() = %d, want 200", b.Status())
	}
	want := "Éloïse « Lou » N’Diaye|eloise@example.org|moulin|2026-03-03|Bonjour,⏎à mardi !|inscrire"
	if got := b.Text("#resume"); got != want {
		t.Errorf("Text(#resume) = %q, want %q", got, want)
	}

	// A link that leads to a page, then the form sent back with an error.
	b.ClickAndWait("#retour")
	b.Fill("#nom", "")
	b.Submit("#nom") // an element inside the form will do
	if b.Status() != http.StatusUnprocessableEntity {
		t.Errorf("Status() = %d, want 422", b.Status())
	}
	if got := b.Text("#erreur"); got != "Indiquez votre nom." {
		t.Errorf("Text(#erreur) = %q", got)
	}

	shot := filepath.Join(t.TempDir(), "shots", "inscription.png")
	b.Screenshot(shot)
	if png, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("screenshot: %v, %d bytes", err, len(png))
	}
}

func TestBrowserMobile(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		html(w, http.StatusOK, page("Réserver", `<form id="f" method="post" action="/ok"><button type="submit">Réserver ce créneau</button></form>`))
	})
	mux.HandleFunc("POST /ok", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {
		html(w, http.StatusOK, page("Réservé", `<p>Votre créneau est réservé.</p>`))
	})
	site := newSite(t, mux)

	b := NewBrowser(t)
	b.Mobile()
	b.Visit(site + "/")
	if w := RunValue(b, chromedp.Evaluate[int](`window.innerWidth`)); w != 390 {
		t.Errorf("mobile innerWidth = %d, want 390", w)
	}
	b.ClickAndWait("#f button")
	if got := b.Text("h1"); got != "Réservé" {
		t.Errorf("h1 = %q after the click", got)
	}
}
