package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// ChromiumEnv names the variable that can point at the Chromium (or Chrome)
// binary the browser tests drive; the default is Debian's /usr/bin/chromium.
const ChromiumEnv = "COOPCONNECT_CHROMIUM"

// ActionTimeout bounds every step of the browser harness (a page load with its
// accessibility check, a click, a wait…), so that a stuck page fails the test
// instead of hanging it.
const ActionTimeout = 20 * time.Second

// startTimeout bounds the start of Chromium.
const startTimeout = 60 * time.Second

// axePath is where scripts/build-assets.sh installs axe-core, relative to the
// module root.
const axePath = "web/node_modules/axe-core/axe.min.js"

// Browser is one headless Chromium driven through the DevTools protocol, for
// one test: the journeys of the browser tests. Every page it loads is checked
// with axe-core (WCAG 2.1 A and AA), and uncaught JavaScript exceptions and
// Content-Security-Policy violations fail the test. Every helper fails the
// test, with the page's URL, when its step fails or takes longer than
// ActionTimeout. A Browser is not safe for concurrent use.
type Browser struct {
	t   testing.TB
	ctx context.Context // the tab; no deadline, each step adds its own
	axe string          // the source of axe-core

	status int64 // HTTP status of the last document loaded

	mu     sync.Mutex
	errors []string // page errors not yet reported
}

// NewBrowser starts a headless Chromium for the test, closed when the test
// ends. It skips the test (fails it under CI=true) when Chromium or axe-core
// is missing. The viewport is 1280×900; see Mobile.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	exe := os.Getenv(ChromiumEnv)
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		SkipOrFail(t, fmt.Sprintf("Chromium is missing (%v): install it with 'apt-get install -y chromium' or set %s", err, ChromiumEnv))
	}
	axe, err := loadAxe()
	if err != nil {
		SkipOrFail(t, fmt.Sprintf("axe-core is missing (%v): run scripts/build-assets.sh", err))
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &Browser{t: t, ctx: ctx, axe: axe}
	t.Cleanup(func() {
		b.reportPageErrors()
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelTab()
		cancelAlloc()
	})

	// The first run starts the browser and binds it to ctx: it must not
	// carry a deadline, so a watchdog cancels it if the start hangs.
	watchdog := time.AfterFunc(startTimeout, cancelTab)
	err = chromedp.Do(ctx)
	if !watchdog.Stop() {
		t.Fatalf("Chromium (%s) did not start within %s", exe, startTimeout)
	}
	if err != nil {
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	if err := chromedp.Listen(ctx, b.watch); err != nil {
		t.Fatalf("listen to Chromium: %v", err)
	}
	return b
}

// loadAxe reads axe-core from web/node_modules, found from the working
// directory up to the module root.
func loadAxe() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(axePath)))
			return string(src), err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// watch records the page errors: uncaught exceptions and CSP violations. It
// runs in the tab's event loop, so it must be quick.
func (b *Browser) watch(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = "JavaScript: " + d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		if d.URL != "" {
			msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level != log.EntryLevelError || !strings.Contains(e.Text, "Content Security Policy") {
			return
		}
		msg = "CSP: " + e.Text
		if e.URL != "" {
			msg += " (" + e.URL + ")"
		}
	default:
		return
	}
	b.mu.Lock()
	b.errors = append(b.errors, msg)
	b.mu.Unlock()
}

// TakePageErrors returns the uncaught JavaScript exceptions and
// Content-Security-Policy violations seen since the last call, and forgets
// them. Those left when the test ends fail it.
func (b *Browser) TakePageErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	errs := b.errors
	b.errors = nil
	return errs
}

func (b *Browser) reportPageErrors() {
	if errs := b.TakePageErrors(); len(errs) > 0 {
		b.t.Errorf("the pages had %d error(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
	}
}

// step returns a context for one step, bounded by ActionTimeout.
func (b *Browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, ActionTimeout)
}

// fatalf fails the test, naming the page.
func (b *Browser) fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("%s\n  page: %s", fmt.Sprintf(format, args...), b.url())
}

// fail fails the test for the error of a step, naming the page.
func (b *Browser) fail(what string, err error) {
	b.t.Helper()
	if errors.Is(err, context.DeadlineExceeded) {
		b.fatalf("%s: not done within %s (no such element? hidden? no navigation?)", what, ActionTimeout)
	}
	b.fatalf("%s: %v", what, err)
}

// url returns the page's URL, or a placeholder when the page does not answer.
func (b *Browser) url() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return u
}

// Mobile switches the viewport to a 390×844 phone with touch, as the
// mobile-first pages must work there. Call it before Visit.
func (b *Browser) Mobile() {
	b.t.Helper()
	b.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

// Visit loads url, waits for the document, then checks it with CheckA11y.
func (b *Browser) Visit(url string) {
	b.t.Helper()
	b.load("visit "+url, chromedp.Navigate(url))
}

// Submit submits the form that formSelector designates (a form, or an
// element inside one) as a user would, through its first enabled submit
// button when it has one, waits for the resulting document (following
// redirects, such as a 303 after a POST) and checks it with CheckA11y. It
// fails at once, listing the fields, when the browser's own validation
// (required, type=email…) refuses to submit.
func (b *Browser) Submit(formSelector string) {
	b.t.Helper()
	b.load("submit "+formSelector, check(js(submitJS, formSelector)))
}

// ClickAndWait clicks the element that selector designates (a link, a submit
// button) and waits for the document it leads to, then checks it with
// CheckA11y.
func (b *Browser) ClickAndWait(selector string) {
	b.t.Helper()
	b.load("click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// Status returns the HTTP status of the last document that Visit, Submit or
// ClickAndWait loaded (after redirects): 200, or 422 for a form sent back
// with errors. It is 0 when the browser saw no HTTP response.
func (b *Browser) Status() int { return int(b.status) }

// load runs trigger, which must start a navigation, waits until a new
// document has loaded, records its status and checks its accessibility.
func (b *Browser) load(what string, trigger chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	// Mark the current document: the load is over when a document without
	// the mark is complete, whatever events the navigation sent.
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.__testkitOld = true`))
	resp, err := chromedp.RunResponse(ctx, trigger)
	if err != nil {
		b.fail(what, err)
	}
	b.status = 0
	if resp != nil {
		b.status = resp.Status
	}
	for {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`!window.__testkitOld && document.readyState === 'complete' && document.body !== null`))
		if err == nil && done {
			break
		}
		if ctx.Err() != nil {
			b.fatalf("%s: the new document did not finish loading within %s", what, ActionTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.CheckA11y()
}

// js returns an action that calls the JavaScript function fn with the
// element that selector designates and args, and returns what fn returns:
// "" when all went well, or an error message.
func js(fn, selector string, args ...any) chromedp.Action[string] {
	return func(ctx context.Context, t *chromedp.Target) (string, error) {
		all, err := json.Marshal(append([]any{selector}, args...))
		if err != nil {
			return "", err
		}
		expr := fmt.Sprintf(`((sel, ...args) => {
			const el = document.querySelector(sel);
			if (el === null) return 'no element matches ' + sel;
			return (%s)(el, ...args);
		})(...%s)`, fn, all)
		return chromedp.Evaluate[string](expr)(ctx, t)
	}
}

// check turns the message of a js action into an error.
func check(a chromedp.Action[string]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		msg, err := a(ctx, t)
		if err == nil && msg != "" {
			err = errors.New(msg)
		}
		return err
	})
}

// submitJS submits a form as a user would, or explains why it can't.
const submitJS = `(el) => {
	const form = el instanceof HTMLFormElement ? el : (el.form || el.closest('form'));
	if (!form) return 'not a form, nor inside one';
	if (!form.noValidate && !form.checkValidity()) {
		const bad = Array.from(form.elements).filter(e => e.willValidate && !e.checkValidity());
		return 'the browser refuses to submit the form: ' +
			bad.map(e => (e.name || e.id || e.tagName.toLowerCase()) + ': ' + e.validationMessage).join('; ');
	}
	const button = Array.from(form.elements).find(e => e.type === 'submit' && !e.disabled);
	form.requestSubmit(button);
	return '';
}`

// fillJS sets the value of a form field, or clears it and answers "type"
// when the value is best typed.
const fillJS = `(el, v) => {
	if (el.disabled || el.readOnly) return 'the field is disabled or read-only';
	if (el instanceof HTMLSelectElement) {
		const opt = Array.from(el.options).find(o => o.value === v) ||
			Array.from(el.options).find(o => o.text.trim() === v);
		if (!opt) return 'no option has the value or the label ' + JSON.stringify(v);
		el.value = opt.value;
	} else if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
		if (el.type === 'checkbox' || el.type === 'radio') return 'use Click for checkboxes and radio buttons';
		if (el.type === 'file') return 'use Run(chromedp.SetUploadFiles(...)) for file inputs';
		el.focus();
		el.value = '';
		el.dispatchEvent(new Event('input', {bubbles: true}));
		const typed = ['text', 'search', 'email', 'tel', 'url', 'password', 'number', 'textarea'];
		if (typed.includes(el.type) && !/[\n\t]/.test(v)) return 'type';
		el.value = v;
	} else {
		return 'not a form field: <' + el.tagName.toLowerCase() + '>';
	}
	el.dispatchEvent(new Event('input', {bubbles: true}));
	el.dispatchEvent(new Event('change', {bubbles: true}));
	return '';
}`

// Fill replaces the value of the input, textarea or select that selector
// designates. Text fields are cleared then typed into, key by key; other
// inputs (date, time…) and selects (by option value or label) are set, with
// input and change events.
func (b *Browser) Fill(selector, value string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	sel := chromedp.CSS(selector)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
		b.fail("fill "+selector, err)
	}
	msg, err := chromedp.Run(ctx, js(fillJS, selector, value))
	switch {
	case err != nil:
		b.fail("fill "+selector, err)
	case msg == "":
		return
	case msg != "type":
		b.fatalf("fill %s: %s", selector, msg)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(sel, value)); err != nil {
		b.fail("fill "+selector, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Value(sel))
	if err != nil {
		b.fail("fill "+selector, err)
	}
	if got != value {
		b.fatalf("fill %s: typed %q but the field holds %q (maxlength? type?)", selector, value, got)
	}
}

// Click clicks the element that selector designates, once it is visible. It
// does not wait for a navigation: see ClickAndWait and Submit.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	b.do("click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// SetFile chooses the file at path in the file input that selector
// designates, as a person picking it would.
func (b *Browser) SetFile(selector, path string) {
	b.t.Helper()
	b.do("choose "+path+" in "+selector, chromedp.SetUploadFiles(chromedp.CSS(selector), []string{path}))
}

// WaitVisible waits until the element that selector designates is visible.
func (b *Browser) WaitVisible(selector string) {
	b.t.Helper()
	b.do("wait for "+selector, chromedp.WaitVisible(chromedp.CSS(selector)))
}

// Text returns the visible text of the element that selector designates,
// trimmed, once it is in the document.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	return strings.TrimSpace(runValue(b, "text of "+selector, chromedp.Text(chromedp.CSS(selector))))
}

// Location returns the URL of the page.
func (b *Browser) Location() string {
	b.t.Helper()
	return runValue(b, "location", chromedp.Location())
}

// Screenshot writes a PNG of the whole page to path, creating its folder.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	png := runValue(b, "screenshot", chromedp.FullScreenshot(100))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.t.Fatalf("screenshot %s: %v", path, err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", path, err)
	}
}

// Run runs chromedp actions on the page, each step bounded by ActionTimeout:
// the escape hatch for what the helpers don't do.
func (b *Browser) Run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for _, a := range actions {
		b.do("run", a)
	}
}

// RunValue runs a chromedp action that returns a value on the page of b,
// bounded by ActionTimeout, for example
// RunValue(b, chromedp.Evaluate[int](`document.forms.length`)).
func RunValue[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	return runValue(b, "run", a)
}

func runValue[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fail(what, err)
	}
	return v
}

func (b *Browser) do(what string, a chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, a); err != nil {
		b.fail(what, err)
	}
}

// Violation is one axe-core rule that a page breaks.
type Violation struct {
	ID      string          `json:"id"`     // the rule, e.g. "label"
	Impact  string          `json:"impact"` // minor, moderate, serious or critical
	Help    string          `json:"help"`
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	Target  []string `json:"target"` // CSS selectors to the element
	HTML    string   `json:"html"`   // a snippet of the element
	Summary string   `json:"failureSummary"`
}

// axeRunJS runs axe-core on the document for WCAG 2.1 A and AA and returns the
// violations as []Violation.
const axeRunJS = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
	resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
	id: v.id,
	impact: v.impact || '',
	help: v.help,
	helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : String(s)),
		html: n.html,
		failureSummary: n.failureSummary || '',
	})),
})))`

// Violations runs axe-core on the page and returns the WCAG 2.1 A and AA
// rules it breaks. axe-core is injected through the DevTools protocol, which
// the page's Content-Security-Policy does not restrict.
func (b *Browser) Violations() ([]Violation, error) {
	ctx, cancel := b.step()
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, err
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](b.axe)); err != nil {
			return nil, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return vs, nil
}

// CheckA11y fails the test (without stopping it) when axe-core finds WCAG 2.1
// A or AA violations on the page, listing each with the elements at fault.
func (b *Browser) CheckA11y() {
	b.t.Helper()
	vs, err := b.Violations()
	if err != nil {
		b.fail("accessibility check", err)
	}
	if len(vs) > 0 {
		b.t.Errorf("%s: %d accessibility violation(s) (axe-core, WCAG 2.1 A/AA):\n%s", b.url(), len(vs), FormatViolations(vs))
	}
}

// FormatViolations describes violations for a test failure: each rule with
// its impact and help, then its first few elements.
func FormatViolations(vs []Violation) string {
	const shown = 3
	var s strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&s, "- %s (%s): %s\n  %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == shown {
				fmt.Fprintf(&s, "    … and %d more\n", len(v.Nodes)-shown)
				break
			}
			html := n.HTML
			if r := []rune(html); len(r) > 160 {
				html = string(r[:160]) + "…"
			}
			fmt.Fprintf(&s, "    %s: %s\n", strings.Join(n.Target, " "), html)
		}
	}
	return s.String()
}
