package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"coopconnect/internal/db"
)

// Seed stores the answers of a campaign as given — each with its day,
// source, channel and sheet — with the campaign's current questionnaire
// version, all in one transaction. It is for the demo and the benchmarks,
// which make up whole campaigns in the past: it skips what Submit and
// KeyPaper check (the campaign open today, who keys), so the answers must
// have been read with Parse on sv.Version's questionnaire. Days must fall
// within the campaign (paper: on or after its first day); imports have
// their own path.
func (s *Service) Seed(ctx context.Context, sv Survey, rs []Response) error {
	communes := make(map[string]bool, len(sv.Communes))
	for _, c := range sv.Communes {
		communes[c.Code] = true
	}
	for i, r := range rs {
		if _, err := time.Parse(time.DateOnly, r.Day); err != nil || r.Day < sv.OpensOn || (r.Day > sv.ClosesOn && r.Source != SourcePaper) {
			return fmt.Errorf("survey seed: answer %d on %q, outside the campaign %s–%s", i, r.Day, sv.OpensOn, sv.ClosesOn)
		}
		switch {
		case r.Source != SourceWeb && r.Source != SourcePaper:
			return fmt.Errorf("survey seed: answer %d: source %q", i, r.Source)
		case (r.Source == SourcePaper) != (r.Sheet != ""):
			return fmt.Errorf("survey seed: answer %d: a sheet number goes with paper, and only with paper", i)
		case r.Channel != "" && !communes[r.Channel]:
			return fmt.Errorf("survey seed: answer %d: channel %s outside the campaign", i, r.Channel)
		case len(r.Answers) == 0:
			return fmt.Errorf("survey seed: answer %d is empty", i)
		}
	}
	// Many rows per INSERT: a hundred thousand answers take seconds, not
	// minutes.
	const perInsert = 50
	residence := sv.Version.Questionnaire.Residence
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var q strings.Builder
		args := make([]any, 0, perInsert*8)
		for start := 0; start < len(rs); start += perInsert {
			q.Reset()
			q.WriteString(`INSERT INTO survey_responses (survey_id, version_id, answered_on, source, channel, commune_code, answers, sheet) VALUES `)
			args = args[:0]
			for i, r := range rs[start:min(start+perInsert, len(rs))] {
				text, err := json.Marshal(r.Answers)
				if err != nil {
					return err
				}
				if i > 0 {
					q.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8)
				args = append(args, sv.ID, sv.Version.ID, r.Day, r.Source, nullText(r.Channel), nullText(r.Answers[residence].Text), string(text), nullText(r.Sheet))
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
}
