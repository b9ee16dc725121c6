package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"coopconnect/internal/ami"
	"coopconnect/internal/coop"
	"coopconnect/internal/places"
	"coopconnect/internal/survey"
)

// The candidates' side of the calls for expressions of interest: the
// public calls, the start of a file without an account, and the file
// itself through its private link — completed over several visits,
// submitted, then followed, with the team's questions answered there.
//
// The private link's secret is the only authority of the file pages. It
// is never shown (the email that carries it proves the address), never
// logged (the access log records route patterns, the error funnel the
// pattern and the error, neither of which holds it), and never sent to
// another site (no-referrer on those pages). A wrong or expired link
// answers the same 410 page, which tells nothing, with the form to ask
// for a new link.

// secretPattern is the shape of a private link's secret (base64url of 24
// random bytes); anything else is not looked up.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{32}$`)

// --- The list of calls.

// publicCallCard is a call as the lists show it.
type publicCallCard struct {
	PublicID, Title string
	Dates           string // "du … au …"
	Territory       string
	Who             string // the kinds of structures it addresses
	// State is open, upcoming or closed; StateText says it.
	State, StateText string
}

type publicCallsView struct {
	Page
	Open, Upcoming, Past []publicCallCard
}

// publicAreaNames names a call's areas: départements and EPCI.
func (s *Server) publicAreaNames(areas []string) string {
	var names []string
	for _, a := range areas {
		if d, ok := s.Territory.Department(a); ok {
			names = append(names, d.Name+" ("+d.Code+")")
		} else if e, ok := s.Territory.EPCI(a); ok {
			names = append(names, e.Name)
		} else {
			names = append(names, a)
		}
	}
	return strings.Join(names, ", ")
}

func (s *Server) publicCallCard(p *Page, c ami.Call) publicCallCard {
	card := publicCallCard{PublicID: c.PublicID, Title: c.Title, Territory: s.publicAreaNames(c.Areas),
		Dates: p.T("ami.public.dates", dayText(p.L, c.OpensOn), dayText(p.L, c.ClosesOn))}
	switch today := survey.Paris(s.Clock.Now()); {
	case c.Open(today):
		card.State = "open"
	case today < c.OpensOn:
		card.State = "upcoming"
	default:
		card.State = "closed"
	}
	card.StateText = p.T("ami.public.state_" + card.State)
	if card.Territory == "" {
		card.Territory = p.T("ami.public.everywhere")
	}
	if len(c.Kinds) == 0 {
		card.Who = p.T("ami.public.who_all")
	} else {
		var kinds []string
		for _, k := range c.Kinds {
			kinds = append(kinds, p.T("carrier.kind."+k))
		}
		card.Who = strings.Join(kinds, ", ")
	}
	return card
}

func (s *Server) showPublicCalls(w http.ResponseWriter, r *http.Request) error {
	calls, err := s.Calls.Calls(r.Context())
	if err != nil {
		return err
	}
	v := &publicCallsView{Page: s.newPage(r, "ami.public.list_title")}
	today := survey.Paris(s.Clock.Now())
	// Open calls closing first, upcoming ones opening first; past ones
	// the latest first, as listed.
	slices.SortStableFunc(calls, func(a, b ami.Call) int {
		if a.Open(today) && b.Open(today) {
			return strings.Compare(a.ClosesOn, b.ClosesOn)
		}
		if today < a.OpensOn && today < b.OpensOn {
			return strings.Compare(a.OpensOn, b.OpensOn)
		}
		return 0
	})
	for _, c := range calls {
		card := s.publicCallCard(&v.Page, c)
		switch {
		case c.Open(today):
			v.Open = append(v.Open, card)
		case today < c.OpensOn:
			v.Upcoming = append(v.Upcoming, card)
		default:
			v.Past = append(v.Past, card)
		}
	}
	return s.render(w, r, http.StatusOK, "calls", v)
}

// --- One call, and the start of a file.

// publicCallSection is a part of the call's form, as the call page lists it.
type publicCallSection struct {
	Title     string
	Questions []string
}

// publicCallDocument is a requested document with its rules, written.
type publicCallDocument struct {
	Code, Label, Types, Accept, Field string
	MaxMiB                            int
	Required                          bool
}

type publicCallView struct {
	Page
	Call               ami.Call
	Card               publicCallCard
	Body               []string
	Open, Upcoming     bool
	Sections           []publicCallSection
	Documents          []publicCallDocument
	CarrierKinds       []string
	LostAction, CallID string
}

func (s *Server) publicCall(r *http.Request) (ami.Call, error) {
	id := r.PathValue("id")
	if !linkPattern.MatchString(id) {
		return ami.Call{}, coop.Errorf(coop.ENotFound, "error.not_found")
	}
	return s.Calls.Call(r.Context(), id)
}

func publicCallDocuments(c ami.Call) []publicCallDocument {
	var out []publicCallDocument
	for _, d := range c.Documents {
		out = append(out, publicCallDocument{Code: d.Code, Label: d.Label, Types: d.TypeLabels(), Accept: d.Accept(), Field: ami.DocumentField(d.Code),
			MaxMiB: d.MaxMiB, Required: d.Required})
	}
	return out
}

func (s *Server) publicCallView(r *http.Request, c ami.Call) *publicCallView {
	v := &publicCallView{Page: s.newPage(r, "ami.public.list_title"), Call: c, Body: paragraphs(c.Body), CarrierKinds: strs(places.CarrierKinds),
		LostAction: "/appels/lien-perdu", CallID: c.PublicID}
	v.Title = c.Title
	v.Card = s.publicCallCard(&v.Page, c)
	today := survey.Paris(s.Clock.Now())
	v.Open, v.Upcoming = c.Open(today), today < c.OpensOn
	for _, q := range c.Questionnaire.Questions {
		if len(v.Sections) == 0 || q.Section.FR != "" {
			v.Sections = append(v.Sections, publicCallSection{Title: q.Section.In(v.Lang)})
		}
		label := q.Label.In(v.Lang)
		if q.Required {
			label += " (" + v.T("survey.required_word") + ")"
		}
		sec := &v.Sections[len(v.Sections)-1]
		sec.Questions = append(sec.Questions, label)
	}
	v.Documents = publicCallDocuments(c)
	return v
}

func (s *Server) showPublicCall(w http.ResponseWriter, r *http.Request) error {
	c, err := s.publicCall(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "call", s.publicCallView(r, c))
}

var startFields = []string{"structure", "carrier_kind", "commune", "contact_name", "contact_email", "contact_phone"}

func (s *Server) startApplication(w http.ResponseWriter, r *http.Request) error {
	if err := check(hit{s.limits.signUp, "ami-start " + stateOf(r).ip}); err != nil {
		return err
	}
	c, err := s.publicCall(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	f := r.PostForm
	in := ami.StartInput{Structure: f.Get("structure"), CarrierKind: f.Get("carrier_kind"), Commune: f.Get("commune"),
		ContactName: f.Get("contact_name"), ContactEmail: f.Get("contact_email"), ContactPhone: f.Get("contact_phone")}
	// The secret goes by email only: the page after this one says where.
	_, _, err = s.Calls.Start(r.Context(), c.PublicID, in, survey.Paris(s.Clock.Now()))
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		v := s.publicCallView(r, c)
		for _, k := range startFields {
			v.Form[k] = f.Get(k)
		}
		return s.invalid(w, r, err, "call", v, startFields...)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/appels/"+c.PublicID+"/envoye", "success", "ami.public.started")
}

// linkSentView says that a private link went by email.
type linkSentView struct {
	Page
	Call ami.Call
}

func (s *Server) showLinkSent(w http.ResponseWriter, r *http.Request) error {
	c, err := s.publicCall(r)
	if err != nil {
		return err
	}
	v := &linkSentView{Page: s.newPage(r, "ami.public.sent_title"), Call: c}
	return s.render(w, r, http.StatusOK, "application_sent", v)
}

// --- A lost or wrong link: the form for a new one.

// lostLinkView asks for a new private link; it is also the page of a
// wrong or expired link (410), which says no more than that.
type lostLinkView struct {
	Page
	Gone  bool
	Calls []option
}

func (s *Server) lostLinkView(r *http.Request, gone bool, chosen string) (*lostLinkView, error) {
	title := "ami.public.lost_title"
	if gone {
		title = "ami.public.gone_title"
	}
	v := &lostLinkView{Page: s.newPage(r, title), Gone: gone}
	calls, err := s.Calls.Calls(r.Context())
	if err != nil {
		return nil, err
	}
	for _, c := range calls {
		v.Calls = append(v.Calls, option{Value: c.PublicID, Label: c.Title, Selected: c.PublicID == chosen || len(calls) == 1})
	}
	return v, nil
}

func (s *Server) showLostLink(w http.ResponseWriter, r *http.Request) error {
	v, err := s.lostLinkView(r, false, r.URL.Query().Get("appel"))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "application_lost", v)
}

// linkGone answers a wrong or expired private link: a 410 page that
// reveals nothing, with the form for a new link. Other errors go on.
func (s *Server) linkGone(w http.ResponseWriter, r *http.Request, err error) error {
	if coop.ErrorCode(err) != coop.EGone {
		return err
	}
	v, err := s.lostLinkView(r, true, "")
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusGone, "application_lost", v)
}

func (s *Server) renewLink(w http.ResponseWriter, r *http.Request) error {
	ip := stateOf(r).ip
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	callID, email := strings.TrimSpace(r.PostForm.Get("call")), strings.TrimSpace(r.PostForm.Get("email"))
	hits := []hit{{s.limits.reset, "ami-renew " + ip}}
	if email != "" {
		hits = append(hits, hit{s.limits.reset, "ami-renew-to " + strings.ToLower(email)})
	}
	if err := check(hits...); err != nil {
		return err
	}
	var err error
	if !linkPattern.MatchString(callID) {
		p := coop.Problems{"call": "error.choose_in_list"}
		if email == "" {
			p.Add("email", "error.required")
		}
		err = p.Err()
	} else {
		err = s.Calls.RenewLink(r.Context(), callID, email)
		if coop.ErrorCode(err) == coop.ENotFound {
			err = (coop.Problems{"call": "error.choose_in_list"}).Err()
		}
	}
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		v, verr := s.lostLinkView(r, false, callID)
		if verr != nil {
			return verr
		}
		v.Form["email"] = email
		return s.invalid(w, r, err, "application_lost", v, "call", "email")
	}
	if err != nil {
		return err
	}
	// The same answer whether or not a file has this address.
	return s.redirect(w, r, "/appels/"+callID+"/envoye", "info", "ami.public.renew_sent")
}

// --- The file, through its private link.

// candidateEvent is a line of the file's history, for the candidate.
type candidateEvent struct {
	At, Text, Body string
}

// candidateDocument is a requested document with what was uploaded for it.
type candidateDocument struct {
	publicCallDocument
	Stored *ami.StoredDocument
	Size   string
	Error  string
}

// candidateThread is a question of the team, its answers and the form to
// answer it.
type candidateThread struct {
	ID       int64
	At, Body string
	Answers  []candidateEvent
	Error    string
	Value    string
}

// candidateAnswer is a question and its answer, read-only once submitted.
type candidateAnswer struct{ Label, Text string }

type candidateSection struct {
	Title   string
	Answers []candidateAnswer
}

type candidateView struct {
	Page
	App       ami.Application
	Call      ami.Call
	Base      string // the file's address
	State     string
	Draft     bool
	Closed    bool // the call no longer takes submissions
	History   []candidateEvent
	Sections  []surveySection
	Hidden    []hiddenField
	Answers   []candidateSection
	Documents []candidateDocument
	Threads   []candidateThread
}

// candidateFile reads the file of the link; a wrong link is not even
// looked up.
func (s *Server) candidateFile(w http.ResponseWriter, r *http.Request) (ami.Application, string, error) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	secret := r.PathValue("secret")
	if !secretPattern.MatchString(secret) {
		return ami.Application{}, "", coop.Errorf(coop.EGone, "ami.link_invalid")
	}
	a, err := s.Calls.BySecret(r.Context(), secret)
	return a, secret, err
}

// candidateView builds the file's page: values are the form's (the
// saved answers, or those just refused), errs the problems to show next
// to the questions, the documents and the answers.
func (s *Server) candidateView(r *http.Request, a ami.Application, secret string, values url.Values, errs *coop.Error) (*candidateView, error) {
	ctx := r.Context()
	c, err := s.Calls.Call(ctx, a.CallPublicID)
	if err != nil {
		return nil, err
	}
	docs, err := s.Calls.Documents(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	events, err := s.Calls.Events(ctx, a.ID, false)
	if err != nil {
		return nil, err
	}
	v := &candidateView{Page: s.newPage(r, "ami.public.file_title"), App: a, Call: c, Base: "/candidature/" + secret,
		Draft: a.State == ami.Draft, Closed: survey.Paris(s.Clock.Now()) > c.ClosesOn}
	v.State = v.T("ami.state." + string(a.State))
	v.Scripts = []string{"js/survey.js"} // shows the questions whose condition is met
	fieldError := func(field string) string {
		if errs == nil {
			return ""
		}
		if k, ok := errs.Fields[field]; ok {
			return translate(v.L, k, errs.FieldArgs[field]...)
		}
		return ""
	}
	// The history.
	for _, e := range events {
		fe := candidateEvent{At: v.L.DateTime(e.At), Body: e.Body}
		switch e.Kind {
		case "created":
			fe.Text = v.T("ami.public.event.created")
		case "state":
			fe.Text = v.T("ami.public.event.state", v.T("ami.state."+string(e.To)))
		case "question":
			fe.Text = v.T("ami.public.event.question")
		case "answer":
			fe.Text = v.T("ami.public.event.answer")
		case "document":
			_, action := ami.DocumentChange(e)
			fe.Text, fe.Body = v.T("ami.public.event.document_"+action, e.Body), ""
		case "place":
			fe.Text = v.T("ami.public.event.place")
		default:
			continue
		}
		v.History = append(v.History, fe)
	}
	// The form, or the answers once sent.
	if v.Draft {
		v.Sections, v.Hidden = questionsForm{qn: c.Questionnaire, lang: v.Lang, l: v.L, ix: s.Territory, values: values, errs: errs}.build()
	} else {
		for _, q := range c.Questionnaire.Questions {
			if len(v.Answers) == 0 || q.Section.FR != "" {
				v.Answers = append(v.Answers, candidateSection{Title: q.Section.In(v.Lang)})
			}
			if !a.Answers.Shown(q) {
				continue
			}
			sec := &v.Answers[len(v.Answers)-1]
			sec.Answers = append(sec.Answers, candidateAnswer{Label: q.Label.In(v.Lang), Text: s.answerText(v.Lang, q, a.Answers[q.ID])})
		}
	}
	// The documents.
	for _, d := range publicCallDocuments(c) {
		fd := candidateDocument{publicCallDocument: d, Error: fieldError(d.Field)}
		if i := slices.IndexFunc(docs, func(x ami.StoredDocument) bool { return x.Code == d.Code }); i >= 0 {
			fd.Stored = &docs[i]
			fd.Size = candidateFileSize(v.L.Decimal, docs[i].Size)
		}
		v.Documents = append(v.Documents, fd)
	}
	// The team's questions.
	for _, t := range ami.Threads(events) {
		ft := candidateThread{ID: t.Question.ID, At: v.L.DateTime(t.Question.At), Body: t.Question.Body}
		for _, ans := range t.Answers {
			ft.Answers = append(ft.Answers, candidateEvent{At: v.L.DateTime(ans.At), Body: ans.Body})
		}
		field := candidateAnswerField(t.Question.ID)
		ft.Error, ft.Value = fieldError(field), values.Get(field)
		v.Threads = append(v.Threads, ft)
	}
	return v, nil
}

func candidateAnswerField(question int64) string { return "answer-" + strconv.FormatInt(question, 10) }

// candidateFileSize writes a size in kB or MB, the French way.
func candidateFileSize(decimal func(float64) string, n int64) string {
	if n < 1<<20 {
		return decimal(float64((n+1023)/1024)) + "\u00a0ko"
	}
	return decimal(float64(n*10/(1<<20))/10) + "\u00a0Mo"
}

// order lists the file's fields for the error summary: the questions,
// then the documents.
func candidateErrorOrder(c ami.Call) []string {
	out := errorOrder(c.Questionnaire)
	for _, d := range c.Documents {
		out = append(out, ami.DocumentField(d.Code))
	}
	return out
}

func (s *Server) showCandidateFile(w http.ResponseWriter, r *http.Request) error {
	a, secret, err := s.candidateFile(w, r)
	if err != nil {
		return s.linkGone(w, r, err)
	}
	v, err := s.candidateView(r, a, secret, a.Answers.Form(), nil)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "application", v)
}

// saveCandidateFile takes the file's form — the answers, the documents
// chosen beside them, a document removed — and keeps the draft ("save",
// an upload, a removal), or sends the file ("submit"). Nothing typed is
// lost: a form refused is shown again with the answers as typed and the
// messages, and nothing of it changes — but for a submission refused for
// what is missing, which keeps the draft as it was sent.
func (s *Server) saveCandidateFile(w http.ResponseWriter, r *http.Request) error {
	a, secret, err := s.candidateFile(w, r)
	if err != nil {
		return s.linkGone(w, r, err)
	}
	c, err := s.Calls.Call(r.Context(), a.CallPublicID)
	if err != nil {
		return err
	}
	form, uploads, err := readCandidateForm(w, r, c)
	refuse := s.refuseCandidate(w, r, a, secret, form, candidateErrorOrder(c)...)
	if err != nil {
		return refuse(err)
	}
	if code := form.Get("upload"); code != "" && !slices.ContainsFunc(uploads, func(u ami.Upload) bool { return u.Code == code }) {
		return refuse(coop.Problems{ami.DocumentField(code): "ami.document_choose"}.Err())
	}
	values := pickCommunes(s.Territory, c.Questionnaire, form)
	ch := ami.Change{Uploads: uploads, Remove: form.Get("delete")}
	if form.Has("answers") { // the page's form sends them with every button
		ch.Answers = values
	}
	if _, _, err := s.Calls.UpdateDraft(r.Context(), secret, ch); err != nil {
		return refuse(err)
	}
	base := "/candidature/" + secret
	if reply := form.Get("reply"); reply != "" {
		return s.answerTeamQuestionIn(w, r, secret, reply, form.Get, refuse)
	}
	switch {
	case form.Get("action") == "submit":
		if _, err := s.Calls.Submit(r.Context(), secret, values, survey.Paris(s.Clock.Now())); err != nil {
			return refuse(err)
		}
		return s.redirect(w, r, base, "success", "ami.public.submitted")
	case ch.Remove != "":
		return s.redirect(w, r, base+"#documents", "success", "ami.public.document_deleted")
	case len(uploads) > 0:
		return s.redirect(w, r, base+"#documents", "success", "ami.public.document_added")
	}
	return s.redirect(w, r, base, "success", "ami.public.saved")
}

// maxCandidateText bounds the text of the file's form, answers and
// buttons: the documents come beside it, each up to its own limit.
const maxCandidateText = 1 << 20

// readCandidateForm reads the file's form, as a stream when it is
// multipart: its fields, and the documents chosen in it, each read up to
// the call's limit for it. A document too big, or a form that cannot be
// read, is an EInvalid error on its field.
func readCandidateForm(w http.ResponseWriter, r *http.Request, c ami.Call) (url.Values, []ami.Upload, error) {
	form := url.Values{}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxCandidateText)
		if err := r.ParseForm(); err != nil {
			return form, nil, coop.Errorf(coop.EInvalid, "error.invalid_form")
		}
		return r.PostForm, nil, nil
	}
	limit := int64(maxCandidateText)
	for _, d := range c.Documents {
		limit += d.MaxBytes()
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	unreadable := coop.Errorf(coop.EInvalid, "error.invalid_form")
	mr, err := r.MultipartReader()
	if err != nil {
		return form, nil, unreadable
	}
	var uploads []ami.Upload
	text := int64(maxCandidateText)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, uploads, nil
		}
		if err != nil {
			return form, nil, unreadable
		}
		name := part.FormName()
		code, isDoc := strings.CutPrefix(name, ami.DocumentField(""))
		if part.FileName() == "" && !isDoc {
			b, err := io.ReadAll(io.LimitReader(part, text+1))
			if text -= int64(len(b)); err != nil || text < 0 {
				return form, nil, unreadable
			}
			form.Add(name, string(b))
			continue
		}
		d, known := c.Document(code)
		if !isDoc || !known {
			continue // not a document of the call: left unread
		}
		data, err := io.ReadAll(io.LimitReader(part, d.MaxBytes()+1))
		if _, big := errors.AsType[*http.MaxBytesError](err); big || int64(len(data)) > d.MaxBytes() {
			return form, nil, &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form",
				Fields: map[string]string{name: "ami.document_too_big"}, FieldArgs: map[string][]any{name: {d.MaxMiB}}}
		}
		if err != nil {
			return form, nil, unreadable
		}
		if part.FileName() != "" || len(data) > 0 { // an input left empty sends an empty part
			uploads = append(uploads, ami.Upload{Code: code, Filename: part.FileName(), Data: data})
		}
	}
}

// downloadCandidateDocument sends a document of the file as an attachment, with
// the type read when it was uploaded, never sniffed by the browser.
func (s *Server) downloadCandidateDocument(w http.ResponseWriter, r *http.Request) error {
	_, secret, err := s.candidateFile(w, r)
	if err != nil {
		return s.linkGone(w, r, err)
	}
	d, data, err := s.Calls.Document(r.Context(), secret, r.PathValue("doc"))
	if err != nil {
		return s.linkGone(w, r, err)
	}
	writeCandidateDocument(w, d, data)
	return nil
}

// writeCandidateDocument sends an uploaded document for download.
func writeCandidateDocument(w http.ResponseWriter, d ami.StoredDocument, data []byte) {
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename})
	if disposition == "" {
		disposition = `attachment; filename="document"`
	}
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (s *Server) answerTeamQuestion(w http.ResponseWriter, r *http.Request) error {
	a, secret, err := s.candidateFile(w, r)
	if err != nil {
		return s.linkGone(w, r, err)
	}
	if err := r.ParseForm(); err != nil {
		return coop.Errorf(coop.EInvalid, "error.invalid_form")
	}
	refuse := s.refuseCandidate(w, r, a, secret, r.PostForm)
	return s.answerTeamQuestionIn(w, r, secret, r.PathValue("question"), r.PostForm.Get, refuse)
}

// refuseCandidate returns how a sending of the file's page is refused: an
// EInvalid error shows the page again with form's values and the messages,
// in order; another error is the link's.
func (s *Server) refuseCandidate(w http.ResponseWriter, r *http.Request, a ami.Application, secret string, form url.Values, order ...string) func(error) error {
	return func(err error) error {
		e := coop.AsError(err)
		if e == nil || e.Code != coop.EInvalid {
			return s.linkGone(w, r, err)
		}
		v, verr := s.candidateView(r, a, secret, form, e)
		if verr != nil {
			return verr
		}
		return s.invalid(w, r, err, "application", v, order...)
	}
}

// answerTeamQuestionIn sends the answer to a team's question found in a
// form (its own, or a draft's whole form); refuse shows the page again.
func (s *Server) answerTeamQuestionIn(w http.ResponseWriter, r *http.Request, secret, questionText string, get func(string) string, refuse func(error) error) error {
	question, perr := strconv.ParseInt(questionText, 10, 64)
	if perr != nil || question <= 0 {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	field := candidateAnswerField(question)
	_, err := s.Calls.AnswerQuestion(r.Context(), secret, question, get(field))
	if e := coop.AsError(err); e != nil && e.Code == coop.EInvalid {
		// The problem goes next to this question's answer.
		return refuse(&coop.Error{Code: coop.EInvalid, Message: e.Message, Fields: map[string]string{field: e.Fields["answer"]}})
	}
	if err != nil {
		return s.linkGone(w, r, err)
	}
	return s.redirect(w, r, "/candidature/"+secret+"#questions", "success", "ami.public.answer_sent")
}
