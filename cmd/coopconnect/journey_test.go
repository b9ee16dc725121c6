package main

// Browser journeys: what a person does, in headless Chromium against the
// real server. Every page loaded (Visit, Submit, ClickAndWait) is checked by
// axe-core for WCAG 2.1 A/AA, and JavaScript errors and CSP violations fail
// the test.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"coopconnect/internal/accounts"
	"coopconnect/internal/coop"
	"coopconnect/internal/db"
	"coopconnect/internal/i18n"
	"coopconnect/internal/testkit"
)

// Passwords of the journeys' accounts.
const (
	journeyPassword    = "prairie-lavande-2026"
	journeyNewPassword = "olivier-ocre-calcaire"
)

// journey is a running server and what the browser journeys need around
// it: its accounts and the message catalogs the pages are checked against.
type journey struct {
	t   *testing.T
	s   *testServer
	cat i18n.Catalogs
}

func newJourney(t *testing.T, engine db.Engine, smtp *testkit.SMTPServer) *journey {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &journey{t: t, s: startServer(t, engine, smtp), cat: cat}
}

// url returns the absolute address of a path of the server.
func (j *journey) url(path string) string { return j.s.URL + path }

// tr returns a message of the catalog of lang; the key must exist, so that
// a page showing a missing key cannot match an expectation made of it.
func (j *journey) tr(lang, key string, args ...any) string {
	j.t.Helper()
	l := j.cat.For(lang)
	msg := l.T(key, args...)
	if msg == key {
		j.t.Fatalf("the %s catalog has no message %q", lang, key)
	}
	return msg
}

// user creates a verified account with journeyPassword.
func (j *journey) user(role accounts.Role, email, name string) accounts.User {
	j.t.Helper()
	u, err := j.s.Accounts.CreateUser(context.Background(), accounts.NewUser{
		Email: email, Name: name, Role: role, Password: journeyPassword, Verified: true})
	if err != nil {
		j.t.Fatalf("create %s %s: %v", role, email, err)
	}
	return u
}

// signIn fills and sends the login form.
func (j *journey) signIn(b *testkit.Browser, email, password string) {
	j.t.Helper()
	b.Visit(j.url("/connexion"))
	b.Fill("#f-email", email)
	b.Fill("#f-password", password)
	b.Submit(`form[action="/connexion"]`)
}

// signOut sends the header's sign-out form.
func (j *journey) signOut(b *testkit.Browser) {
	j.t.Helper()
	b.Submit(`form[action="/deconnexion"]`)
}

// switchLanguage presses the language button of the header and checks
// that the page comes back in lang, at the same place.
func (j *journey) switchLanguage(b *testkit.Browser, lang string) {
	j.t.Helper()
	if pageLang(b) == lang {
		return
	}
	before := pathOf(j.t, b)
	b.ClickAndWait(".lang-switch button")
	if got := pageLang(b); got != lang {
		j.t.Fatalf("after the language switch, <html lang> = %q, want %q", got, lang)
	}
	if got := pathOf(j.t, b); got != strings.SplitN(before, "?", 2)[0] {
		j.t.Errorf("the language switch went from %s to %s, want the same page", before, got)
	}
}

// wantPath checks the path (and query, when want has one) of the page.
func (j *journey) wantPath(b *testkit.Browser, want string) {
	j.t.Helper()
	got := pathOf(j.t, b)
	if !strings.Contains(want, "?") {
		got = strings.SplitN(got, "?", 2)[0]
	}
	if got != want {
		j.t.Fatalf("the browser is on %s, want %s", got, want)
	}
}

// wantStatus checks the HTTP status of the last document.
func (j *journey) wantStatus(b *testkit.Browser, want int) {
	j.t.Helper()
	if got := b.Status(); got != want {
		j.t.Fatalf("status of %s = %d, want %d", b.Location(), got, want)
	}
}

// wantFlash checks the one-time message of the page.
func (j *journey) wantFlash(b *testkit.Browser, want string) {
	j.t.Helper()
	if got := elem(b, ".flash p").Text; got != want {
		j.t.Errorf("flash message of %s = %q, want %q", pathOf(j.t, b), got, want)
	}
}

// wantText checks the text of the first element of selector.
func (j *journey) wantText(b *testkit.Browser, selector, want string) {
	j.t.Helper()
	e := elem(b, selector)
	if !e.Found {
		j.t.Errorf("%s: no element %s", pathOf(j.t, b), selector)
	} else if e.Text != want {
		j.t.Errorf("%s: text of %s = %q, want %q", pathOf(j.t, b), selector, e.Text, want)
	}
}

// wantSignedIn checks whether the header offers to sign out (signed in) or
// to sign in (signed out).
func (j *journey) wantSignedIn(b *testkit.Browser, want bool) {
	j.t.Helper()
	out := elem(b, `header form[action="/deconnexion"]`).Found
	in := elem(b, `header a[href="/connexion"]`).Found
	if out != want || in == want {
		j.t.Errorf("%s: signed in = %v (sign-out button %v, sign-in link %v), want %v", pathOf(j.t, b), out, out, in, want)
	}
}

// outboxMail reads, as a coordinator would in the back-office, the newest
// email to the address: the browser b must be signed in as a coordinator.
func (j *journey) outboxMail(b *testkit.Browser, to string) (subject, body string) {
	j.t.Helper()
	b.Visit(j.url("/"))
	b.ClickAndWait(`nav.main-nav a[href="/admin/outbox"]`)
	j.wantStatus(b, http.StatusOK)
	href := evalJS[string](b, fmt.Sprintf(`(() => {
		for (const tr of document.querySelectorAll('table tbody tr')) {
			if (tr.cells[1].innerText.trim() === %q) return tr.querySelector('a').getAttribute('href');
		}
		return '';
	})()`, to))
	if href == "" {
		j.t.Fatalf("the outbox lists no email to %s", to)
	}
	b.ClickAndWait(fmt.Sprintf(`a[href=%q]`, href))
	j.wantStatus(b, http.StatusOK)
	return elem(b, "main h1").Text, elem(b, "pre.mail-body").Text
}

// smtpMail waits for the SMTP server to receive an email to the address
// with the subject.
func (j *journey) smtpMail(to, subject string) testkit.ReceivedMessage {
	j.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var subjects []string
		for _, m := range j.s.SMTP.Messages() {
			if slices.ContainsFunc(m.To, func(r string) bool { return strings.EqualFold(r, to) }) {
				if m.Subject == subject {
					return m
				}
				subjects = append(subjects, m.Subject)
			}
		}
		if time.Now().After(deadline) {
			j.t.Fatalf("no email %q to %s within 10 s (received for them: %q)", subject, to, subjects)
		}
		j.s.runJobs(j.t)
		time.Sleep(50 * time.Millisecond)
	}
}

// link finds in an email the link starting with the server's base URL and
// path, followed by a token.
func (j *journey) link(text, path string) string {
	j.t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(j.url(path)) + `[A-Za-z0-9_\-]{20,}`)
	found := re.FindAllString(text, -1)
	if len(found) != 1 {
		j.t.Fatalf("want one link %s… in the email, found %q in:\n%s", j.url(path), found, text)
	}
	return found[0]
}

// fieldProblem is a field a refused form must flag, with its message.
type fieldProblem struct{ name, message string }

// wantRefused checks a form sent back with problems: status 422, the title
// prefixed, the summary listing each problem in order with a link to its
// field, the message next to each field tied by aria-describedby, and
// aria-invalid on exactly those fields. kept are the values the fields
// must hold again; passwords must come back empty.
func (j *journey) wantRefused(b *testkit.Browser, lang string, problems []fieldProblem, kept map[string]string, passwords ...string) {
	j.t.Helper()
	where := pathOf(j.t, b)
	j.wantStatus(b, http.StatusUnprocessableEntity)
	if title := evalJS[string](b, `document.title`); !strings.HasPrefix(title, j.tr(lang, "form.title_error_prefix")) {
		j.t.Errorf("%s: title %q does not start with %q", where, title, j.tr(lang, "form.title_error_prefix"))
	}
	summary := elem(b, "#erreurs")
	if !summary.Found {
		j.t.Fatalf("%s: no error summary #erreurs", where)
	}
	if summary.Attrs["role"] != "alert" {
		j.t.Errorf("%s: the summary has role %q, want alert", where, summary.Attrs["role"])
	}
	j.wantText(b, "#erreurs h2", j.tr(lang, "form.errors_title", len(problems)))
	type item struct{ Href, Text string }
	items := evalJS[[]item](b, `Array.from(document.querySelectorAll('#erreurs li a')).map(a => ({href: a.getAttribute('href'), text: a.innerText.trim()}))`)
	var want []item
	for _, p := range problems {
		want = append(want, item{"#f-" + p.name, p.message})
	}
	if !slices.Equal(items, want) {
		j.t.Errorf("%s: the summary lists %q, want %q", where, items, want)
	}
	for _, p := range problems {
		j.wantText(b, "#f-"+p.name+"-error", p.message)
		f := elem(b, "#f-"+p.name)
		if !f.Found {
			j.t.Errorf("%s: no field #f-%s", where, p.name)
			continue
		}
		if f.Attrs["aria-invalid"] != "true" {
			j.t.Errorf("%s: #f-%s has aria-invalid=%q, want true", where, p.name, f.Attrs["aria-invalid"])
		}
		if !slices.Contains(strings.Fields(f.Attrs["aria-describedby"]), "f-"+p.name+"-error") {
			j.t.Errorf("%s: #f-%s aria-describedby=%q does not name its error", where, p.name, f.Attrs["aria-describedby"])
		}
	}
	invalid := evalJS[[]string](b, `Array.from(document.querySelectorAll('[aria-invalid="true"]')).map(e => e.id)`)
	var wantInvalid []string
	for _, p := range problems {
		wantInvalid = append(wantInvalid, "f-"+p.name)
	}
	slices.Sort(invalid)
	slices.Sort(wantInvalid)
	if !slices.Equal(invalid, wantInvalid) {
		j.t.Errorf("%s: the fields marked aria-invalid are %q, want %q", where, invalid, wantInvalid)
	}
	for name, v := range kept {
		if got := elem(b, "#f-"+name).Value; got != v {
			j.t.Errorf("%s: #f-%s holds %q after the refusal, want %q kept", where, name, got, v)
		}
	}
	for _, name := range passwords {
		e := elem(b, "#f-"+name)
		if !e.Found || e.Attrs["type"] != "password" {
			j.t.Errorf("%s: #f-%s is not a password field", where, name)
		} else if e.Value != "" || e.Attrs["value"] != "" {
			j.t.Errorf("%s: the password #f-%s came back filled in", where, name)
		}
	}
}

// element is what the journeys read of an element.
type element struct {
	Found bool              `json:"found"`
	Text  string            `json:"text"`  // innerText, trimmed
	Value string            `json:"value"` // of form fields
	Attrs map[string]string `json:"attrs"`
}

// elem reads the first element of selector, without waiting: the page is
// loaded by then.
func elem(b *testkit.Browser, selector string) element {
	sel, _ := json.Marshal(selector)
	return evalJS[element](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (el === null) return {found: false, text: '', value: '', attrs: {}};
		const attrs = {};
		for (const a of el.attributes) attrs[a.name] = a.value;
		return {found: true, text: (el.innerText ?? el.textContent ?? '').trim(), value: typeof el.value === 'string' ? el.value : '', attrs};
	})()`, sel))
}

// texts returns the trimmed text of every element of selector.
func texts(b *testkit.Browser, selector string) []string {
	sel, _ := json.Marshal(selector)
	return evalJS[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%s)).map(e => e.innerText.trim())`, sel))
}

func evalJS[T any](b *testkit.Browser, expr string) T {
	return testkit.RunValue(b, chromedp.Evaluate[T](expr))
}

func pageLang(b *testkit.Browser) string { return evalJS[string](b, `document.documentElement.lang`) }

// pathOf returns the path and query of the page.
func pathOf(t testing.TB, b *testkit.Browser) string {
	t.Helper()
	u, err := url.Parse(b.Location())
	if err != nil {
		t.Fatal(err)
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

// totpCodeAt returns the code of secret at a step.
func totpCodeAt(t testing.TB, secret string, step int64) string {
	t.Helper()
	code, err := accounts.TOTPCode(secret, step)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// wrongTOTPCode returns a code that matches none of the steps the server
// accepts now.
func wrongTOTPCode(t testing.TB, secret string) string {
	t.Helper()
	now := accounts.TOTPStep(time.Now())
	var valid []string
	for s := now - 2; s <= now+2; s++ {
		valid = append(valid, totpCodeAt(t, secret, s))
	}
	for _, c := range []string{"000000", "123456", "999999", "424242"} {
		if !slices.Contains(valid, c) {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// TestJourney_SignUpVerifyChangePassword_ThroughTheOutbox: without SMTP,
// the verification email waits in the outbox, where a coordinator reads it
// in the back-office. Runs on every engine.
func TestJourney_SignUpVerifyChangePassword_ThroughTheOutbox(t *testing.T) {
	for _, engine := range testkit.Engines(t) {
		t.Run(string(engine), func(t *testing.T) {
			j := newJourney(t, engine, nil)
			coordinator := j.user(accounts.Coordinator, "camille.roux@example.org", "Camille Roux")
			member := j.newMemberJourney("fr", "lea.fontaine@example.org", "Léa Fontaine")

			// The coordinator's own browser: French by their account's
			// language, although Chromium asks for English.
			c := testkit.NewBrowser(t)
			j.signIn(c, coordinator.Email, journeyPassword)
			j.wantPath(c, "/")
			if got := pageLang(c); got != "fr" {
				t.Errorf("the coordinator's page is in %q, want fr (the account's language before Accept-Language)", got)
			}
			subject, body := j.outboxMail(c, member.email)
			if want := j.tr("fr", "mail.verify.subject"); subject != want {
				t.Errorf("subject = %q, want %q", subject, want)
			}
			if !strings.HasPrefix(body, "Bonjour Léa Fontaine,") {
				t.Errorf("the email does not greet its reader by name:\n%s", body)
			}
			// The coordinator's browser becomes the member's second device.
			j.signOut(c)
			member.finish(j.link(body, "/verification/"), c)
		})
	}
}

// TestJourney_SignUpVerifyChangePassword_ThroughSMTP: with SMTP, the
// verification email leaves by SMTP, in the language of the sign-up page.
func TestJourney_SignUpVerifyChangePassword_ThroughSMTP(t *testing.T) {
	j := newJourney(t, db.SQLite, testkit.StartSMTP(t))
	member := j.newMemberJourney("en", "tom.baker@example.org", "Tom Baker")
	m := j.smtpMail(member.email, j.tr("en", "mail.verify.subject"))
	if !strings.Contains(m.Text, "Hello Tom Baker,") {
		t.Errorf("the email is not in English with the reader's name:\n%s", m.Text)
	}
	if !strings.Contains(string(m.Raw), "ne-pas-repondre@coop-connect.test") {
		t.Errorf("the email is not from the configured sender:\n%s", m.Raw)
	}
	link := j.link(m.Text, "/verification/")
	if !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Errorf("the HTML part does not link to %s:\n%s", link, m.HTML)
	}
	member.finish(link, testkit.NewBrowser(t))

	// Signing up again with the address says the same as for a new one
	// (no one learns who has an account); its owner is told by email.
	resp, err := noRedirects.PostForm(j.url("/inscription"), url.Values{"name": {"Quelqu’un"}, "email": {member.email},
		"password": {"encore-un-mot-de-passe"}, "terms": {"on"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion" {
		t.Errorf("a second sign-up with the address: %d to %q, want 303 to /connexion as for a new one", resp.StatusCode, resp.Header.Get("Location"))
	}
	already := j.smtpMail(member.email, j.tr("en", "mail.already.subject"))
	if !strings.Contains(already.Text, j.url("/mot-de-passe-oublie")) {
		t.Errorf("the owner is not pointed to the password reset:\n%s", already.Text)
	}
	if _, err := j.s.Accounts.Login(context.Background(), member.email, journeyNewPassword); err != nil {
		t.Errorf("the second sign-up changed the account: %v", err)
	}
}

// memberJourney is a person signing up in a browser, in a language.
type memberJourney struct {
	j                 *journey
	b                 *testkit.Browser
	lang, email, name string
}

// newMemberJourney signs up from the home page, then tries to sign in
// before confirming the address.
func (j *journey) newMemberJourney(lang, email, name string) *memberJourney {
	t := j.t
	t.Helper()
	mj := &memberJourney{j: j, b: testkit.NewBrowser(t), lang: lang, email: email, name: name}
	b := mj.b
	b.Visit(j.url("/"))
	j.switchLanguage(b, lang)
	j.wantText(b, "main h1", j.tr(lang, "home.heading"))
	b.ClickAndWait(`.hero a[href="/inscription"]`)
	j.wantPath(b, "/inscription")
	j.wantText(b, "main h1", j.tr(lang, "signup.title"))

	b.Fill("#f-name", name)
	b.Fill("#f-email", email)
	b.Fill("#f-password", journeyPassword)
	b.Click("#f-terms")
	b.Submit(`form[action="/inscription"]`)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/connexion")
	j.wantFlash(b, j.tr(lang, "signup.check_email"))

	// Not confirmed yet: refused, with the link sent again.
	j.signIn(b, email, journeyPassword)
	j.wantStatus(b, http.StatusUnprocessableEntity)
	j.wantText(b, ".alert-error p", j.tr(lang, "auth.not_verified"))
	if got := elem(b, "#f-email").Value; got != email {
		t.Errorf("the login form lost the address: %q", got)
	}
	j.wantSignedIn(b, false)
	return mj
}

// finish confirms the address with the link, signs in on this browser and
// on a second one, changes the password, checks that the second session
// ended, signs out, and signs in again with the new password only.
func (mj *memberJourney) finish(link string, second *testkit.Browser) {
	j, b, lang, t := mj.j, mj.b, mj.lang, mj.j.t
	t.Helper()
	b.Visit(link)
	j.wantStatus(b, http.StatusOK)
	j.wantText(b, "main h1", j.tr(lang, "verify.title"))
	b.Submit(`main form[action^="/verification/"]`)
	j.wantPath(b, "/connexion")
	j.wantFlash(b, j.tr(lang, "verify.done"))

	j.signIn(b, mj.email, journeyPassword)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/")
	j.wantFlash(b, j.tr(lang, "login.welcome"))
	j.wantSignedIn(b, true)

	// A second device, signed in before the change.
	j.signIn(second, mj.email, journeyPassword)
	j.wantPath(second, "/")
	second.Visit(j.url("/compte"))
	j.wantPath(second, "/compte")

	b.ClickAndWait(`nav.main-nav a[href="/compte"]`)
	j.wantPath(b, "/compte")
	j.wantText(b, "main h1", j.tr(lang, "account.title"))
	j.wantText(b, "main .lead", j.tr(lang, "account.lead", mj.name, j.tr(lang, "role.member")))
	b.Fill("#f-current_password", journeyPassword)
	b.Fill("#f-new_password", journeyNewPassword)
	b.Fill("#f-new_password_confirm", journeyNewPassword)
	b.Submit(`form[action="/compte/mot-de-passe"]`)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/compte")
	j.wantFlash(b, j.tr(lang, "account.password_changed"))
	j.wantSignedIn(b, true)

	// The other device is signed out.
	second.Visit(j.url("/compte"))
	j.wantPath(second, "/connexion?retour=%2Fcompte")
	j.wantSignedIn(second, false)

	j.signOut(b)
	j.wantPath(b, "/")
	j.wantFlash(b, j.tr(lang, "logout.done"))
	j.wantSignedIn(b, false)
	b.Visit(j.url("/compte"))
	j.wantPath(b, "/connexion")

	j.signIn(b, mj.email, journeyPassword)
	j.wantStatus(b, http.StatusUnprocessableEntity)
	j.wantText(b, ".alert-error p", j.tr(lang, "auth.bad_credentials"))
	j.wantSignedIn(b, false)

	j.signIn(b, mj.email, journeyNewPassword)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/")
	j.wantSignedIn(b, true)
}

// TestJourney_CoordinatorInvitesAManager: the invitation goes by email
// (read in the outbox), the manager chooses a name and a password and lands
// on their account with the manager's navigation.
func TestJourney_CoordinatorInvitesAManager(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	coordinator := j.user(accounts.Coordinator, "camille.roux@example.org", "Camille Roux")
	const email = "nadia.perrin@example.org"

	c := testkit.NewBrowser(t)
	j.signIn(c, coordinator.Email, journeyPassword)
	j.wantText(c, `nav.main-nav a[href="/admin/invitations"]`, "Invitations")
	c.ClickAndWait(`nav.main-nav a[href="/admin/invitations"]`)
	j.wantStatus(c, http.StatusOK)
	j.wantText(c, "main h1", "Invitations")
	j.wantText(c, "#s-pending ~ .empty", j.tr("fr", "invitations.none"))
	c.Fill("#f-email", email)
	c.Fill("#f-role", "manager")
	c.Submit(`form[action="/admin/invitations"]`)
	j.wantPath(c, "/admin/invitations")
	j.wantFlash(c, j.tr("fr", "invitations.sent"))
	if got, want := texts(c, ".plain-list li strong"), []string{email}; !slices.Equal(got, want) {
		t.Errorf("pending invitations = %q, want %q", got, want)
	}
	subject, body := j.outboxMail(c, email)
	if want := j.tr("fr", "mail.invitation.subject"); subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	if want := "Camille Roux — " + j.tr("fr", "role.manager"); !strings.Contains(body, want) {
		t.Errorf("the invitation does not say who invites and for what (%q):\n%s", want, body)
	}
	link := j.link(body, "/invitation/")

	m := testkit.NewBrowser(t)
	m.Visit(link)
	j.wantStatus(m, http.StatusOK)
	j.switchLanguage(m, "fr")
	j.wantText(m, "main h1", "Rejoindre Coop-connect")
	j.wantText(m, "main .lead", j.tr("fr", "invitation.lead", email))

	// Sent empty first: the problems, on this one-time page too.
	m.Submit(`main form[action^="/invitation/"]`)
	required := j.tr("fr", "error.required")
	j.wantRefused(m, "fr", []fieldProblem{{"name", required}, {"password", required}}, nil, "password")

	m.Fill("#f-name", "Nadia Perrin")
	m.Fill("#f-password", journeyPassword)
	m.Submit(`main form[action^="/invitation/"]`)
	j.wantStatus(m, http.StatusOK)
	j.wantPath(m, "/compte")
	j.wantFlash(m, j.tr("fr", "invitation.done"))
	j.wantSignedIn(m, true)
	j.wantText(m, "main .lead", "Nadia Perrin — Gestionnaire de lieu")

	nav := texts(m, "nav.main-nav a")
	if !slices.Contains(nav, "Invitations") || slices.Contains(nav, "Comptes") {
		t.Errorf("the manager's navigation is %q: want Invitations, not Comptes", nav)
	}
	for _, href := range []string{"/admin/utilisateurs", "/admin/outbox", "/admin/securite"} {
		if elem(m, fmt.Sprintf(`nav.main-nav a[href=%q]`, href)).Found {
			t.Errorf("the manager's navigation links to %s", href)
		}
	}
	m.ClickAndWait(`nav.main-nav a[href="/admin/invitations"]`)
	j.wantStatus(m, http.StatusOK)
	roles := evalJS[[]string](m, `Array.from(document.querySelectorAll('#f-role option')).map(o => o.value).filter(v => v)`)
	if want := []string{"manager", "concierge", "member"}; !slices.Equal(roles, want) {
		t.Errorf("a manager may give the roles %q, want %q", roles, want)
	}
	m.Visit(j.url("/admin/utilisateurs"))
	j.wantStatus(m, http.StatusForbidden)
	j.wantText(m, "main h1", j.tr("fr", "error.403.title"))

	// The link served once.
	m.Visit(link)
	j.wantStatus(m, http.StatusGone)
	j.wantText(m, "main .lead", j.tr("fr", "auth.link_gone"))
	c.Visit(j.url("/admin/invitations"))
	j.wantText(c, "#s-pending ~ .empty", j.tr("fr", "invitations.none"))

	u, err := j.s.Accounts.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != accounts.Manager || !u.EmailVerified || u.Locale != "fr" {
		t.Errorf("the invited account is %+v, want a verified manager reading French", u)
	}
}

// TestJourney_RefusedFormsShowTheirProblems: forms sent empty or wrong come
// back with status 422, a summary, a message by each field, aria-invalid,
// and the values typed (never passwords), and still pass axe.
func TestJourney_RefusedFormsShowTheirProblems(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	coordinator := j.user(accounts.Coordinator, "camille.roux@example.org", "Camille Roux")
	required := j.tr("fr", "error.required")
	b := testkit.NewBrowser(t)

	t.Run("sign-up", func(t *testing.T) {
		b.Visit(j.url("/inscription"))
		j.switchLanguage(b, "fr")
		b.Submit(`form[action="/inscription"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"name", required}, {"email", required}, {"password", required},
			{"terms", j.tr("fr", "signup.terms_required")}}, nil, "password")

		b.Fill("#f-name", "Zoé Lambert")
		b.Fill("#f-email", "zoe@")
		b.Fill("#f-password", "court")
		b.Submit(`form[action="/inscription"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"email", j.tr("fr", "error.email_invalid")},
			{"password", j.tr("fr", "error.password_short")}, {"terms", j.tr("fr", "signup.terms_required")}},
			map[string]string{"name": "Zoé Lambert", "email": "zoe@"}, "password")
		if n, _, _ := j.s.Accounts.CountUsers(context.Background()); n != 1 {
			t.Errorf("%d accounts after refused sign-ups, want 1", n)
		}
	})

	t.Run("login", func(t *testing.T) {
		b.Visit(j.url("/connexion"))
		b.Submit(`form[action="/connexion"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"email", required}, {"password", required}}, nil, "password")

		b.Fill("#f-email", "quelquun@example.org")
		b.Submit(`form[action="/connexion"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"password", required}}, map[string]string{"email": "quelquun@example.org"}, "password")

		// Wrong credentials are one message for the whole form.
		b.Fill("#f-password", "pas le bon mot de passe")
		b.Submit(`form[action="/connexion"]`)
		j.wantStatus(b, http.StatusUnprocessableEntity)
		j.wantText(b, `.alert-error[role="alert"] p`, j.tr("fr", "auth.bad_credentials"))
		if got := elem(b, "#f-email").Value; got != "quelquun@example.org" {
			t.Errorf("the address was not kept: %q", got)
		}
		if got := elem(b, "#f-password").Value; got != "" {
			t.Errorf("the password came back filled in")
		}
	})

	j.signIn(b, coordinator.Email, journeyPassword)
	j.wantPath(b, "/")

	t.Run("invitation", func(t *testing.T) {
		b.Visit(j.url("/admin/invitations"))
		b.Submit(`form[action="/admin/invitations"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"email", required}, {"role", j.tr("fr", "error.role_unknown")}}, nil)

		b.Fill("#f-email", "pas-une-adresse")
		b.Fill("#f-role", "member")
		b.Submit(`form[action="/admin/invitations"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"email", j.tr("fr", "error.email_invalid")}},
			map[string]string{"email": "pas-une-adresse", "role": "member"})
		if inv, err := j.s.Accounts.Invitations(context.Background(), coordinator); err != nil || len(inv) != 0 {
			t.Errorf("invitations after refusals: %v, %v; want none", inv, err)
		}
	})

	t.Run("account password", func(t *testing.T) {
		b.Visit(j.url("/compte"))
		b.Submit(`form[action="/compte/mot-de-passe"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"current_password", required}, {"new_password", required}},
			map[string]string{"name": "Camille Roux", "email": ""},
			"current_password", "new_password", "new_password_confirm")

		b.Fill("#f-current_password", journeyPassword)
		b.Fill("#f-new_password", journeyNewPassword)
		b.Fill("#f-new_password_confirm", journeyNewPassword+"!")
		b.Submit(`form[action="/compte/mot-de-passe"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"new_password_confirm", j.tr("fr", "error.password_mismatch")}}, nil,
			"current_password", "new_password", "new_password_confirm")

		b.Fill("#f-current_password", "pas le bon mot de passe")
		b.Fill("#f-new_password", journeyNewPassword)
		b.Fill("#f-new_password_confirm", journeyNewPassword)
		b.Submit(`form[action="/compte/mot-de-passe"]`)
		j.wantRefused(b, "fr", []fieldProblem{{"current_password", j.tr("fr", "error.password_wrong")}}, nil,
			"current_password", "new_password", "new_password_confirm")

		// Nothing changed.
		if _, err := j.s.Accounts.Login(context.Background(), coordinator.Email, journeyPassword); err != nil {
			t.Errorf("the password changed after refusals: %v", err)
		}
	})
}

// TestJourney_PasswordReset: request, email, new password; the link then
// shows the "link gone" page and changes nothing.
func TestJourney_PasswordReset(t *testing.T) {
	j := newJourney(t, db.SQLite, testkit.StartSMTP(t))
	member := j.user(accounts.Member, "lucas.bernard@example.org", "Lucas Bernard")
	ctx := context.Background()
	otherDevice, err := j.s.Accounts.OpenSession(ctx, member.ID)
	if err != nil {
		t.Fatal(err)
	}

	b := testkit.NewBrowser(t)
	b.Visit(j.url("/connexion"))
	j.switchLanguage(b, "fr")
	b.ClickAndWait(`main a[href="/mot-de-passe-oublie"]`)
	j.wantText(b, "main h1", j.tr("fr", "forgot.title"))

	// An unknown address gets the same answer, and no email.
	b.Fill("#f-email", "personne@example.org")
	b.Submit(`form[action="/mot-de-passe-oublie"]`)
	j.wantPath(b, "/connexion")
	j.wantFlash(b, j.tr("fr", "forgot.sent"))

	b.Visit(j.url("/mot-de-passe-oublie"))
	b.Fill("#f-email", "Lucas.Bernard@example.org")
	b.Submit(`form[action="/mot-de-passe-oublie"]`)
	j.wantPath(b, "/connexion")
	j.wantFlash(b, j.tr("fr", "forgot.sent"))

	m := j.smtpMail(member.Email, j.tr("fr", "mail.reset.subject"))
	link := j.link(m.Text, "/mot-de-passe/")
	for _, other := range j.s.SMTP.Messages() {
		if slices.Contains(other.To, "personne@example.org") {
			t.Errorf("an email went to an address without account: %q", other.Subject)
		}
	}

	b.Visit(link)
	j.wantStatus(b, http.StatusOK)
	j.wantText(b, "main h1", j.tr("fr", "reset.title"))
	j.wantText(b, "main .lead", j.tr("fr", "reset.lead", member.Email))
	b.Submit(`main form[action^="/mot-de-passe/"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"password", j.tr("fr", "error.required")}}, nil, "password", "password_confirm")

	b.Fill("#f-password", journeyNewPassword)
	b.Fill("#f-password_confirm", journeyNewPassword)
	b.Submit(`main form[action^="/mot-de-passe/"]`)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/connexion")
	j.wantFlash(b, j.tr("fr", "reset.done"))
	if _, _, err := j.s.Accounts.SessionUser(ctx, otherDevice); coop.ErrorCode(err) != coop.ENotFound {
		t.Errorf("the session opened before the reset still works (err %v)", err)
	}

	// The used link: the "link gone" page, and a replayed form changes nothing.
	b.Visit(link)
	j.wantStatus(b, http.StatusGone)
	j.wantText(b, "main h1", j.tr("fr", "error.410.title"))
	j.wantText(b, "main .lead", j.tr("fr", "auth.link_gone"))
	if elem(b, "main form").Found {
		t.Error("the page of a used link still shows a form")
	}
	const replayed = "un-autre-mot-de-passe"
	resp, err := http.PostForm(link, url.Values{"password": {replayed}, "password_confirm": {replayed}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("replaying the reset form: status %d, want 410", resp.StatusCode)
	}

	j.signIn(b, member.Email, replayed)
	j.wantStatus(b, http.StatusUnprocessableEntity)
	j.signIn(b, member.Email, journeyPassword)
	j.wantStatus(b, http.StatusUnprocessableEntity)
	j.signIn(b, member.Email, journeyNewPassword)
	j.wantPath(b, "/")
	j.wantSignedIn(b, true)
}

// enableTOTP sets the second factor up on the setup page b is on: a wrong
// code first, then the right one. It returns the secret and the step used.
func (j *journey) enableTOTP(b *testkit.Browser, lang string) (string, int64) {
	t := j.t
	t.Helper()
	j.wantPath(b, "/compte/double-authentification")
	if e := elem(b, "svg.qr"); !e.Found || e.Attrs["role"] != "img" || e.Attrs["aria-label"] == "" {
		t.Errorf("the QR code is missing or has no accessible name: %+v", e)
	}
	secret := strings.ReplaceAll(elem(b, "code.secret").Text, " ", "")
	if len(secret) != 32 {
		t.Fatalf("the secret shown is %q, want 32 base32 characters", secret)
	}
	b.Fill("#f-code", wrongTOTPCode(t, secret))
	b.Submit(`main form[action="/compte/double-authentification"]`)
	j.wantRefused(b, lang, []fieldProblem{{"code", j.tr(lang, "totp.code_wrong")}}, nil)
	if again := strings.ReplaceAll(elem(b, "code.secret").Text, " ", ""); again != secret {
		t.Fatalf("the secret changed after a wrong code: %q, then %q", secret, again)
	}
	step := accounts.TOTPStep(time.Now())
	b.Fill("#f-code", totpCodeAt(t, secret, step))
	b.Submit(`main form[action="/compte/double-authentification"]`)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/compte")
	j.wantFlash(b, j.tr(lang, "totp.enabled"))
	j.wantText(b, "#s-totp ~ .status-ok span", j.tr(lang, "totp.status_on"))
	return secret, step
}

// TestJourney_SecondFactor: a member turns TOTP on, then signing in asks
// for the code; a wrong one, and a replayed one, are refused.
func TestJourney_SecondFactor(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	member := j.user(accounts.Member, "ines.garcia@example.org", "Inès Garcia")
	b := testkit.NewBrowser(t)
	// French chosen on this browser, not only on the account: the pages
	// shown signed out stay French.
	b.Visit(j.url("/connexion"))
	j.switchLanguage(b, "fr")
	j.signIn(b, member.Email, journeyPassword)
	b.ClickAndWait(`nav.main-nav a[href="/compte"]`)
	j.wantText(b, "#s-totp ~ .status span", j.tr("fr", "totp.status_off"))
	b.ClickAndWait(`#s-totp ~ p a[href="/compte/double-authentification"]`)
	j.wantText(b, "main h1", j.tr("fr", "totp.title"))
	secret, enabledAt := j.enableTOTP(b, "fr")

	j.signOut(b)
	j.signIn(b, member.Email, journeyPassword)
	j.wantPath(b, "/connexion/code")
	j.wantText(b, "main h1", j.tr("fr", "totp.login_title"))
	j.wantSignedIn(b, false)

	// Half signed in grants nothing.
	b.Visit(j.url("/compte"))
	j.wantPath(b, "/connexion")
	b.Visit(j.url("/connexion/code"))
	j.wantPath(b, "/connexion/code")

	b.Fill("#f-code", wrongTOTPCode(t, secret))
	b.Submit(`main form[action="/connexion/code"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"code", j.tr("fr", "totp.code_wrong")}}, nil)
	j.wantSignedIn(b, false)

	// The code of the step used to turn TOTP on is spent: the next one.
	step := max(accounts.TOTPStep(time.Now()), enabledAt+1)
	code := totpCodeAt(t, secret, step)
	b.Fill("#f-code", code)
	b.Submit(`main form[action="/connexion/code"]`)
	j.wantStatus(b, http.StatusOK)
	j.wantPath(b, "/")
	j.wantFlash(b, j.tr("fr", "login.welcome"))
	j.wantSignedIn(b, true)
	b.Visit(j.url("/compte"))
	j.wantPath(b, "/compte")

	// A code serves once.
	j.signOut(b)
	j.signIn(b, member.Email, journeyPassword)
	j.wantPath(b, "/connexion/code")
	b.Fill("#f-code", code)
	b.Submit(`main form[action="/connexion/code"]`)
	j.wantRefused(b, "fr", []fieldProblem{{"code", j.tr("fr", "totp.code_wrong")}}, nil)
	j.wantSignedIn(b, false)
}

// TestJourney_StaffMustSetUpSecondFactor: once the coordinator requires
// TOTP for staff, a manager without it is sent to its setup from every
// page until it is on; members are not concerned.
func TestJourney_StaffMustSetUpSecondFactor(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	coordinator := j.user(accounts.Coordinator, "camille.roux@example.org", "Camille Roux")
	manager := j.user(accounts.Manager, "malik.benali@example.org", "Malik Benali")
	member := j.user(accounts.Member, "lucas.bernard@example.org", "Lucas Bernard")
	ctx := context.Background()

	c := testkit.NewBrowser(t)
	j.signIn(c, coordinator.Email, journeyPassword)
	c.ClickAndWait(`nav.main-nav a[href="/admin/securite"]`)
	j.wantText(c, "main h1", j.tr("fr", "security.title"))
	if evalJS[bool](c, `document.getElementById('f-staff_totp').checked`) {
		t.Fatal("the rule is on before anyone turned it on")
	}
	c.Click("#f-staff_totp")
	c.Submit(`main form[action="/admin/securite"]`)
	j.wantStatus(c, http.StatusOK)
	if on, err := j.s.Accounts.StaffTOTPRequired(ctx); err != nil || !on {
		t.Fatalf("StaffTOTPRequired() = %v, %v after saving; want true", on, err)
	}
	// The coordinator is staff too, without a second factor yet: sent to
	// its setup at once.
	j.wantPath(c, "/compte/double-authentification")

	m := testkit.NewBrowser(t)
	j.signIn(m, manager.Email, journeyPassword)
	j.wantStatus(m, http.StatusOK)
	j.wantPath(m, "/compte/double-authentification")
	j.wantFlash(m, j.tr("fr", "totp.setup_required"))
	j.wantText(m, `main .alert-info p`, j.tr("fr", "totp.setup_required"))
	for _, p := range []string{"/", "/compte", "/admin/invitations", "/accessibilite"} {
		m.Visit(j.url(p))
		j.wantPath(m, "/compte/double-authentification")
	}
	// The other setup routes stay open: the language, signing out.
	j.switchLanguage(m, "en")
	j.switchLanguage(m, "fr")
	j.enableTOTP(m, "fr")
	m.Visit(j.url("/admin/invitations"))
	j.wantStatus(m, http.StatusOK)
	j.wantPath(m, "/admin/invitations")

	// While the rule holds, staff cannot turn their second factor off.
	m.Visit(j.url("/compte"))
	m.Fill("#f-totp_password", journeyPassword)
	m.Submit(`form[action="/compte/double-authentification/desactiver"]`)
	j.wantPath(m, "/compte")
	j.wantFlash(m, j.tr("fr", "totp.required_for_staff"))
	if u, _ := j.s.Accounts.UserByID(ctx, manager.ID); !u.TOTPEnabled {
		t.Error("the manager turned the second factor off although it is required")
	}

	// A member is not staff: nothing asked.
	token, err := j.s.Accounts.OpenSession(ctx, member.ID)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, j.url("/compte"), nil)
	req.AddCookie(&http.Cookie{Name: "__Host-coop_session", Value: token})
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a member's /compte: status %d (Location %q), want 200", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// noRedirects is an HTTP client that shows redirects instead of following
// them.
var noRedirects = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// TestJourney_MobilePages: on a phone, the home, login and account pages
// pass axe and scroll only vertically. Screenshots go to the test's
// temporary folder, or to COOPCONNECT_SCREENSHOTS when set, to look at.
func TestJourney_MobilePages(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	member := j.user(accounts.Member, "lucas.bernard@example.org", "Lucas Bernard")
	b := testkit.NewBrowser(t)
	b.Mobile()
	shots := t.TempDir()
	if dir := os.Getenv("COOPCONNECT_SCREENSHOTS"); dir != "" {
		shots = dir // kept, to look at them
	}
	check := func(name string) {
		t.Helper()
		if w := evalJS[int](b, `window.innerWidth`); w != 390 {
			t.Errorf("%s: viewport width %d, want 390 (mobile)", name, w)
		}
		if over := evalJS[int](b, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("%s: the page is %d px wider than the phone's screen", name, over)
		}
		// Every item of the menu in sight, without scrolling it sideways.
		if hidden := evalJS[[]string](b, `Array.from(document.querySelectorAll('.main-nav a'))
			.filter(a => a.getBoundingClientRect().right > window.innerWidth).map(a => a.textContent.trim())`); len(hidden) > 0 {
			t.Errorf("%s: menu items out of sight: %s", name, strings.Join(hidden, ", "))
		}
		// UI.md: touch targets of at least 44 px. Links within a sentence
		// are exempt, as in WCAG 2.5.5; check boxes count with their label.
		small := evalJS[[]string](b, `Array.from(document.querySelectorAll(
				'a[href], button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea'))
			.filter(e => e.offsetParent !== null && e.closest('p') === null)
			.map(e => [e, e.getBoundingClientRect()])
			.filter(([e, r]) => r.height < 44 || r.width < 44)
			.map(([e, r]) => Math.round(r.width) + '×' + Math.round(r.height) + ' px: ' +
				e.outerHTML.replace(/<svg.*?<\/svg>/g, '<svg…>').slice(0, 120))`)
		if len(small) > 0 {
			t.Errorf("%s: %d touch target(s) smaller than 44×44 px:\n  %s", name, len(small), strings.Join(small, "\n  "))
		}
		b.Screenshot(filepath.Join(shots, name+".png"))
	}
	b.Visit(j.url("/"))
	j.switchLanguage(b, "fr")
	check("accueil")
	b.ClickAndWait(`.hero a[href="/connexion"]`)
	check("connexion")
	j.signIn(b, member.Email, journeyPassword)
	b.Visit(j.url("/compte"))
	j.wantPath(b, "/compte")
	check("compte")
	t.Logf("screenshots in %s", shots)
}

// TestJourney_Language: French by default, English by the switch or by
// Accept-Language alone, never a mix within a page.
func TestJourney_Language(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	english := j.user(accounts.Member, "tom.baker@example.org", "Tom Baker")
	if err := j.s.Accounts.SetLocale(context.Background(), english.ID, "en"); err != nil {
		t.Fatal(err)
	}
	session, err := j.s.Accounts.OpenSession(context.Background(), english.ID)
	if err != nil {
		t.Fatal(err)
	}
	h1 := regexp.MustCompile(`(?s)<h1>(.*?)</h1>`)
	htmlLang := regexp.MustCompile(`<html lang="([a-z]+)">`)
	for _, tc := range []struct {
		name           string
		acceptLanguage string
		cookies        []*http.Cookie
		path           string
		lang, title    string
	}{
		{"default", "", nil, "/connexion", "fr", "Se connecter"},
		{"unsupported", "de-DE,de;q=0.9", nil, "/connexion", "fr", "Se connecter"},
		{"English", "en-GB,en;q=0.9", nil, "/connexion", "en", "Sign in"},
		{"English second", "de, en;q=0.5, fr;q=0.2", nil, "/connexion", "en", "Sign in"},
		{"French first", "fr-FR,fr;q=0.9,en;q=0.8", nil, "/connexion", "fr", "Se connecter"},
		{"cookie over header", "en", []*http.Cookie{{Name: "lang", Value: "fr"}}, "/connexion", "fr", "Se connecter"},
		{"account over header", "fr", []*http.Cookie{{Name: "__Host-coop_session", Value: session}}, "/compte", "en", "My account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, j.url(tc.path), nil)
			if tc.acceptLanguage != "" {
				req.Header.Set("Accept-Language", tc.acceptLanguage)
			}
			for _, c := range tc.cookies {
				req.AddCookie(c)
			}
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if m := htmlLang.FindSubmatch(body); m == nil || string(m[1]) != tc.lang {
				t.Errorf("<html lang> = %q, want %q", m, tc.lang)
			}
			if m := h1.FindSubmatch(body); m == nil || string(m[1]) != tc.title {
				t.Errorf("<h1> = %q, want %q", m, tc.title)
			}
			if vary := strings.Join(resp.Header.Values("Vary"), ","); !strings.Contains(vary, "Accept-Language") || !strings.Contains(vary, "Cookie") {
				t.Errorf("Vary = %q: caches would mix languages", vary)
			}
		})
	}

	// In the browser (Chromium asks for English).
	b := testkit.NewBrowser(t)
	b.Visit(j.url("/connexion"))
	wantOnly := func(lang string) {
		t.Helper()
		other := "fr"
		if lang == "fr" {
			other = "en"
		}
		if got := pageLang(b); got != lang {
			t.Errorf("<html lang> = %q, want %q", got, lang)
		}
		j.wantText(b, "main h1", j.tr(lang, "login.title"))
		j.wantText(b, "main button[type=submit]", j.tr(lang, "login.submit"))
		body := elem(b, "body").Text
		for _, key := range []string{"layout.skip", "nav.home", "nav.signup", "field.email", "field.password",
			"login.forgot", "footer.tagline", "footer.legal"} {
			if mine, theirs := j.tr(lang, key), j.tr(other, key); mine != theirs && strings.Contains(body, theirs) {
				t.Errorf("the %s page shows %q, the %s of %s", lang, theirs, other, key)
			}
		}
		// The switch offers the other language, in that language.
		sw := elem(b, ".lang-switch button")
		if sw.Attrs["lang"] != other || sw.Text != j.tr(lang, "layout.switch_language") {
			t.Errorf("the language switch is %+v, want %q in lang=%s", sw, j.tr(lang, "layout.switch_language"), other)
		}
	}
	wantOnly("en")
	j.switchLanguage(b, "fr")
	wantOnly("fr")
	b.Visit(j.url("/connexion"))
	wantOnly("fr") // remembered
	j.switchLanguage(b, "en")
	wantOnly("en")

	// Switching keeps the whole address: here the page to return to after
	// signing in.
	b.Visit(j.url("/compte"))
	j.wantPath(b, "/connexion?retour=%2Fcompte")
	b.ClickAndWait(".lang-switch button")
	wantOnly("fr")
	j.wantPath(b, "/connexion?retour=%2Fcompte")
}

// TestJourney_ReturnAddressStaysOnTheSite: the return address of the login
// page (?retour=, and the language switch's) never leads off the site,
// whatever a crafted link puts in it. Browsers drop tabs and line breaks
// from a Location before resolving it, so "/\t/host" would become
// "//host", another site.
func TestJourney_ReturnAddressStaysOnTheSite(t *testing.T) {
	j := newJourney(t, db.SQLite, nil)
	member := j.user(accounts.Member, "lucas.bernard@example.org", "Lucas Bernard")
	session, err := j.s.Accounts.OpenSession(context.Background(), member.ID)
	if err != nil {
		t.Fatal(err)
	}
	// offSite resolves a Location as a browser does (WHATWG URL: ASCII
	// tabs and newlines removed, backslashes as slashes) and tells whether
	// it leaves the site.
	offSite := func(location string) bool {
		cleaned := strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, location)
		u, err := url.Parse(strings.TrimLeft(cleaned, " \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"))
		return err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(u.Path, "/")
	}
	for _, retour := range []string{"/compte", "//evil.example/", "/\\evil.example/", "https://evil.example/",
		"/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example/", "\t//evil.example/"} {
		t.Run(fmt.Sprintf("%q", retour), func(t *testing.T) {
			// A signed-in person following a crafted login link.
			req, _ := http.NewRequest(http.MethodGet, j.url("/connexion?retour="+url.QueryEscape(retour)), nil)
			req.AddCookie(&http.Cookie{Name: "__Host-coop_session", Value: session})
			// The transport alone: the client would refuse to parse a
			// Location that browsers follow.
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || offSite(loc) {
				t.Errorf("GET /connexion?retour=%q signed in: %d, Location %q: off the site", retour, resp.StatusCode, loc)
			}
			// Signing in, and switching the language.
			for _, form := range []struct {
				path   string
				values url.Values
			}{
				{"/connexion", url.Values{"email": {member.Email}, "password": {journeyPassword}, "retour": {retour}}},
				{"/langue", url.Values{"lang": {"en"}, "retour": {retour}}},
			} {
				req, _ := http.NewRequest(http.MethodPost, j.url(form.path), strings.NewReader(form.values.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || offSite(loc) {
					t.Errorf("POST %s retour=%q: %d, Location %q: off the site", form.path, retour, resp.StatusCode, loc)
				}
			}
		})
	}
}
