package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"coopconnect/internal/db"
)

// EachResponse calls fn with every stored answer of the campaign, in the
// order they were stored, with the questionnaire version it was given
// with: for the export of the anonymous answers.
func (s *Service) EachResponse(ctx context.Context, sv Survey, fn func(v Version, r Response) error) error {
	return s.DB.Read(ctx, func(tx *db.Tx) error {
		vs, err := loadVersions(ctx, tx, sv.ID)
		if err != nil {
			return err
		}
		byID := map[int64]Version{}
		for _, v := range vs {
			byID[v.ID] = v
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, version_id, answered_on, source, COALESCE(channel, ''), COALESCE(commune_code, ''),
				COALESCE(sheet, ''), import_id, answers
			FROM survey_responses WHERE survey_id = $1 ORDER BY id`, sv.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Response
			var text []byte
			var importID sql.NullInt64
			if err := rows.Scan(&r.ID, &r.VersionID, &r.Day, &r.Source, &r.Channel, &r.Commune, &r.Sheet, &importID, &text); err != nil {
				return err
			}
			r.ImportID = importID.Int64
			if err := json.Unmarshal(text, &r.Answers); err != nil {
				return fmt.Errorf("survey answer %d: %w", r.ID, err)
			}
			if err := fn(byID[r.VersionID], r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
