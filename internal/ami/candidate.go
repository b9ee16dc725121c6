package ami

// The candidate's side of a file, through the private link: documents
// (type checked by their content, size by the call's limit), answers to
// the team's questions, and a fresh link for who lost theirs.

import (
	"bytes"
	"context"
	"coopconnect/internal/accounts"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"coopconnect/internal/coop"
	"coopconnect/internal/db"
)

// MaxAnswerRunes bounds a candidate's answer to a question.
const MaxAnswerRunes = 4000

// maxRenewals bounds the links one request for a fresh link sends: a
// person has a file or two on a call, not more.
const maxRenewals = 10

// DocumentField is the form field of a requested document, where its
// problems are reported ("doc." + code).
func DocumentField(code string) string { return "doc." + code }

// Document returns the document the call requests under code.
func (c Call) Document(code string) (Document, bool) {
	i := slices.IndexFunc(c.Documents, func(d Document) bool { return d.Code == code })
	if i < 0 {
		return Document{}, false
	}
	return c.Documents[i], true
}

// MaxBytes is the size limit of the document.
func (d Document) MaxBytes() int64 { return int64(d.MaxMiB) << 20 }

// TypeLabel names a media type the way people know it: PDF, JPEG, PNG.
func TypeLabel(mediaType string) string {
	switch mediaType {
	case "application/pdf":
		return "PDF"
	case "image/jpeg":
		return "JPEG"
	case "image/png":
		return "PNG"
	case "image/webp":
		return "WebP"
	case "application/zip":
		return "ZIP"
	}
	_, sub, _ := strings.Cut(mediaType, "/")
	return strings.ToUpper(sub)
}

// TypeLabels names the accepted types, for the form and the messages.
func (d Document) TypeLabels() string {
	var out []string
	for _, t := range d.Types {
		out = append(out, TypeLabel(t))
	}
	return strings.Join(out, ", ")
}

// Accept is the file input's accept attribute: the media types and their
// usual extensions.
func (d Document) Accept() string {
	ext := map[string][]string{"application/pdf": {".pdf"}, "image/jpeg": {".jpg", ".jpeg"}, "image/png": {".png"}, "image/webp": {".webp"}}
	var out []string
	for _, t := range d.Types {
		out = append(out, ext[t]...)
		out = append(out, t)
	}
	return strings.Join(out, ",")
}

// SniffType reads a file's media type from its content, never from its
// name: a PNG renamed .pdf is a PNG.
func SniffType(data []byte) string {
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		return "application/pdf"
	}
	t := http.DetectContentType(data)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return strings.TrimSpace(t)
}

// cleanFilename keeps the base name of an uploaded file, without control
// characters or quotes, at most 120 characters; fallback names an unnamed
// file.
func cleanFilename(name, fallback string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return fallback
	}
	if r := []rune(name); len(r) > 120 {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		name = string(r[:120-utf8.RuneCountInString(ext)]) + ext
	}
	return name
}

// draftForUpdate locks an application and checks that it is still a
// draft, in the write transaction.
func draftForUpdate(ctx context.Context, tx *db.Tx, applicationID int64) error {
	var state State
	if err := tx.QueryRowContext(ctx, `SELECT state FROM applications WHERE id = $1`+tx.ForUpdate(), applicationID).Scan(&state); err != nil {
		return err
	}
	if state != Draft {
		return coop.Refusal(coop.EPrecondition, "ami.not_a_draft")
	}
	return nil
}

type documentEvent struct {
	Code   string `json:"code"`
	Action string `json:"action"` // added, deleted
}

// Change is what one sending of a draft's form changes: the answers
// (nil: as they were), the documents sent with them, each adding or
// replacing the one of its code, and a document removed ("": none).
type Change struct {
	Answers map[string][]string
	Uploads []Upload
	Remove  string
}

// Upload is a document sent for the requested document of Code.
type Upload struct {
	Code, Filename string
	Data           []byte
}

// UpdateDraft makes a change to a draft: all of it, or nothing when an
// answer or a document is refused (the problems together, each on its
// field). A file is completed over several visits: the answers are
// checked for their form (every question optional), the required ones on
// submission. A document's type is read from its content and must be one
// the call accepts; its size is bounded by the call. It returns the
// documents stored, in the order of the uploads.
func (s *Service) UpdateDraft(ctx context.Context, secret string, ch Change) (Application, []StoredDocument, error) {
	a, err := s.BySecret(ctx, secret)
	if err != nil {
		return a, nil, err
	}
	if a.State != Draft {
		return a, nil, coop.Refusal(coop.EPrecondition, "ami.not_a_draft")
	}
	c, err := s.Call(ctx, a.CallPublicID)
	if err != nil {
		return a, nil, err
	}
	invalid := &coop.Error{Code: coop.EInvalid, Message: "error.invalid_form", Fields: map[string]string{}, FieldArgs: map[string][]any{}}
	var answers []byte
	if ch.Answers != nil {
		parsed, err := c.Questionnaire.ForPaper().Parse(s.Territory, ch.Answers)
		if err != nil {
			if invalid = coop.AsError(err); invalid == nil || invalid.Code != coop.EInvalid {
				return a, nil, err
			}
			if invalid.FieldArgs == nil {
				invalid.FieldArgs = map[string][]any{}
			}
		}
		a.Answers = parsed
		answers, _ = json.Marshal(parsed)
	}
	stored := make([]StoredDocument, len(ch.Uploads))
	for i, u := range ch.Uploads {
		d, key, args := checkUpload(c, u)
		if key != "" {
			field := DocumentField(u.Code)
			invalid.Fields[field], invalid.FieldArgs[field] = key, args
		}
		stored[i] = d
	}
	if len(invalid.Fields) > 0 {
		return a, nil, invalid
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := draftForUpdate(ctx, tx, a.ID); err != nil {
			return err
		}
		if answers != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET answers = $1 WHERE id = $2`, string(answers), a.ID); err != nil {
				return err
			}
		}
		for i := range stored {
			d := &stored[i]
			if _, err := tx.ExecContext(ctx, `DELETE FROM application_documents WHERE application_id = $1 AND code = $2`, a.ID, d.Code); err != nil {
				return err
			}
			d.UploadedAt = tx.Now
			if err := tx.QueryRowContext(ctx, `INSERT INTO application_documents (public_id, application_id, code, filename, content_type, size, data, uploaded_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, d.PublicID, a.ID, d.Code, d.Filename, d.ContentType, d.Size, ch.Uploads[i].Data, tx.Now).Scan(&d.ID); err != nil {
				return err
			}
			if err := documentChanged(ctx, tx, a, d.Code, d.Filename, "added"); err != nil {
				return err
			}
		}
		if ch.Remove != "" {
			var code, filename string
			err := tx.QueryRowContext(ctx, `DELETE FROM application_documents WHERE public_id = $1 AND application_id = $2 RETURNING code, filename`,
				ch.Remove, a.ID).Scan(&code, &filename)
			if errors.Is(err, sql.ErrNoRows) {
				return errNotFound
			}
			if err != nil {
				return err
			}
			if err := documentChanged(ctx, tx, a, code, filename, "deleted"); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE applications SET link_expires_at = $1 WHERE id = $2`, tx.Now.Add(LinkTTL), a.ID)
		return err
	})
	if err != nil {
		return a, nil, err
	}
	return a, stored, nil
}

// checkUpload checks a document sent for call c: the document as it is to
// be stored, or the problem's message key and its arguments.
func checkUpload(c Call, u Upload) (d StoredDocument, key string, args []any) {
	doc, ok := c.Document(u.Code)
	switch {
	case !ok:
		return d, "ami.document_unknown", nil
	case len(u.Data) == 0:
		return d, "ami.document_empty", nil
	case int64(len(u.Data)) > doc.MaxBytes():
		return d, "ami.document_too_big", []any{doc.MaxMiB}
	}
	d = StoredDocument{PublicID: randomID(8), Code: u.Code, Filename: cleanFilename(u.Filename, u.Code), ContentType: SniffType(u.Data), Size: int64(len(u.Data))}
	if !slices.Contains(doc.Types, d.ContentType) {
		return d, "ami.document_type", []any{doc.TypeLabels()}
	}
	return d, "", nil
}

// documentChanged records in a file's history that a document was added
// or deleted.
func documentChanged(ctx context.Context, tx *db.Tx, a Application, code, filename, action string) error {
	ev, _ := json.Marshal(documentEvent{Code: code, Action: action})
	return addEvent(ctx, tx, a.ID, nil, Event{Kind: "document", ByName: a.ContactName, Body: filename, Data: ev})
}

// UploadDocument adds a requested document to a draft, replacing the one
// uploaded before under the same code (UpdateDraft).
func (s *Service) UploadDocument(ctx context.Context, secret, code, filename string, data []byte) (StoredDocument, error) {
	_, docs, err := s.UpdateDraft(ctx, secret, Change{Uploads: []Upload{{Code: code, Filename: filename, Data: data}}})
	if err != nil {
		return StoredDocument{}, err
	}
	return docs[0], nil
}

// DeleteDocument removes a document from a draft (UpdateDraft).
func (s *Service) DeleteDocument(ctx context.Context, secret, documentID string) error {
	_, _, err := s.UpdateDraft(ctx, secret, Change{Remove: documentID})
	return err
}

// DocumentChange reads a document event: the requested document's code
// and whether it was added or deleted.
func DocumentChange(e Event) (code, action string) {
	var d documentEvent
	if e.Kind != "document" || json.Unmarshal(e.Data, &d) != nil {
		return "", ""
	}
	return d.Code, d.Action
}

func readDocument(ctx context.Context, tx *db.Tx, applicationID int64, documentID string) (StoredDocument, []byte, error) {
	var d StoredDocument
	var data []byte
	err := tx.QueryRowContext(ctx, `SELECT id, public_id, code, filename, content_type, size, uploaded_at, data
		FROM application_documents WHERE public_id = $1 AND application_id = $2`, documentID, applicationID).
		Scan(&d.ID, &d.PublicID, &d.Code, &d.Filename, &d.ContentType, &d.Size, &d.UploadedAt, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil, errNotFound
	}
	return d, data, err
}

// Document returns a document of the candidate's own file, to download.
func (s *Service) Document(ctx context.Context, secret, documentID string) (StoredDocument, []byte, error) {
	a, err := s.BySecret(ctx, secret)
	if err != nil {
		return StoredDocument{}, nil, err
	}
	var d StoredDocument
	var data []byte
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		d, data, err = readDocument(ctx, tx, a.ID, documentID)
		return err
	})
	return d, data, err
}

// answerData links an answer event to its question.
type answerData struct {
	Question int64 `json:"question"`
}

// AnsweredQuestion is the id of the question event an answer event
// answers (0 for any other event).
func AnsweredQuestion(e Event) int64 {
	var d answerData
	if e.Kind != "answer" || json.Unmarshal(e.Data, &d) != nil {
		return 0
	}
	return d.Question
}

// Thread is a question of the team with the candidate's answers.
type Thread struct {
	Question Event
	Answers  []Event
}

// Threads gathers the questions of a history with their answers, oldest
// first.
func Threads(events []Event) []Thread {
	var out []Thread
	for _, e := range events {
		switch e.Kind {
		case "question":
			out = append(out, Thread{Question: e})
		case "answer":
			q := AnsweredQuestion(e)
			if i := slices.IndexFunc(out, func(t Thread) bool { return t.Question.ID == q }); i >= 0 {
				out[i].Answers = append(out[i].Answers, e)
			}
		}
	}
	return out
}

// AnswerQuestion records the candidate's answer to a question of the
// team, linked to it, and emails it to whoever asked (or, if that account
// is gone, to the call's creator). A question is answered once; the
// field of its problems is "answer".
func (s *Service) AnswerQuestion(ctx context.Context, secret string, questionID int64, text string) (Event, error) {
	a, err := s.BySecret(ctx, secret)
	if err != nil {
		return Event{}, err
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Event{}, (coop.Problems{"answer": "error.required"}).Err()
	case n > MaxAnswerRunes:
		return Event{}, (coop.Problems{"answer": "error.too_long"}).Err()
	}
	data, _ := json.Marshal(answerData{Question: questionID})
	e := Event{Kind: "answer", ByName: a.ContactName, Body: text, Data: data}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// The application's row is the lock: one answer a question.
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET link_expires_at = $1 WHERE id = $2`, tx.Now.Add(LinkTTL), a.ID); err != nil {
			return err
		}
		var question, asker string
		err := tx.QueryRowContext(ctx, `SELECT e.body, COALESCE(u.email, cu.email, '') FROM application_events e
				JOIN applications a ON a.id = e.application_id JOIN calls c ON c.id = a.call_id
				LEFT JOIN users u ON u.id = e.by_user LEFT JOIN users cu ON cu.id = c.created_by
			WHERE e.id = $1 AND e.application_id = $2 AND e.kind = 'question'`, questionID, a.ID).Scan(&question, &asker)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		var answered int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM application_events WHERE application_id = $1 AND kind = 'answer' AND data = $2`,
			a.ID, string(data)).Scan(&answered); err != nil {
			return err
		}
		if answered > 0 {
			return coop.Refusal(coop.EPrecondition, "ami.already_answered")
		}
		if err := addEvent(ctx, tx, a.ID, nil, e); err != nil {
			return err
		}
		e.At = tx.Now
		if asker == "" {
			return nil
		}
		return s.mail(ctx, tx, asker, "ami.mail.answer", a.CallTitle, a.Structure, question, text)
	})
	return e, err
}

// RenewLink emails a fresh private link to every file of the call made
// with this email, the old links ceasing to work. It answers the same
// whether or not such a file exists, so that it tells nothing about who
// applied; the web limits how often it is asked.
func (s *Service) RenewLink(ctx context.Context, callID, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return (coop.Problems{"email": "error.required"}).Err()
	}
	if !accounts.ValidEmail(email) {
		return (coop.Problems{"email": "error.email_invalid"}).Err()
	}
	c, err := s.Call(ctx, callID)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM applications WHERE call_id = $1 AND contact_email = $2 ORDER BY id LIMIT `+strconv.Itoa(maxRenewals),
			c.ID, email)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			secret, hash := newSecret()
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET secret_hash = $1, link_expires_at = $2 WHERE id = $3`,
				hash, tx.Now.Add(LinkTTL), id); err != nil {
				return err
			}
			if err := s.mail(ctx, tx, email, "ami.mail.renewed", c.Title, s.link(secret)); err != nil {
				return err
			}
		}
		return nil
	})
}
