package survey

import (
	"context"
	"strconv"
	"strings"

	"coopconnect/internal/accounts"
	"coopconnect/internal/db"
)

// CarrierChoice is a carrier a campaign may belong to, with the EPCI whose
// communes a manager of the carrier may survey.
type CarrierChoice struct {
	ID       int64
	Name     string
	EPCI     string // SIREN, "" when the carrier's territory is unknown
	EPCIName string
}

// CarrierChoices lists the carriers by may open a campaign for: every
// carrier for a coordinator, their own for a manager, none for others.
// The EPCI is found as checkTerritory finds it: the carrier's own SIREN
// for an EPCI, the EPCI of its commune otherwise.
func (s *Service) CarrierChoices(ctx context.Context, by accounts.User) ([]CarrierChoice, error) {
	where, args := `TRUE`, []any{}
	switch by.Role {
	case accounts.Coordinator:
	case accounts.Manager:
		where, args = `c.id IN (SELECT carrier_id FROM carrier_managers WHERE user_id = $1)`, []any{by.ID}
	default:
		return nil, nil
	}
	var out []CarrierChoice
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT c.id, c.name, c.kind, COALESCE(c.siren, ''), COALESCE(c.commune_code, '')
			FROM carriers c WHERE `+where+` ORDER BY c.name, c.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c CarrierChoice
			var kind, siren, commune string
			if err := rows.Scan(&c.ID, &c.Name, &kind, &siren, &commune); err != nil {
				return err
			}
			if e, ok := s.Territory.EPCI(siren); ok && kind == "epci" {
				c.EPCI, c.EPCIName = e.SIREN, e.Name
			} else if x, ok := s.Territory.Commune(commune); ok && x.EPCI != "" {
				c.EPCI = x.EPCI
				if e, ok := s.Territory.EPCI(x.EPCI); ok {
					c.EPCIName = e.Name
				}
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// VisibleWithAreas is Visible with each campaign's chosen areas (EPCI and
// communes, named), for the back-office list.
func (s *Service) VisibleWithAreas(ctx context.Context, by accounts.User) ([]Survey, error) {
	list, err := s.Visible(ctx, by)
	if err != nil || len(list) == 0 {
		return list, err
	}
	at := make(map[int64]int, len(list))
	args := make([]any, len(list))
	marks := make([]string, len(list))
	for i, sv := range list {
		at[sv.ID] = i
		args[i] = sv.ID
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT survey_id, kind, code FROM survey_areas
			WHERE survey_id IN (`+strings.Join(marks, ", ")+`) ORDER BY survey_id, kind DESC, code`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var a Area
			if err := rows.Scan(&id, &a.Kind, &a.Code); err != nil {
				return err
			}
			a.Name = s.adminAreaName(a)
			list[at[id]].Areas = append(list[at[id]].Areas, a)
		}
		return rows.Err()
	})
	return list, err
}

// OfficialsAreas returns the territories of every official account, by
// user id, named (coordinators only).
func (s *Service) OfficialsAreas(ctx context.Context, by accounts.User) (map[int64][]Area, error) {
	if by.Role != accounts.Coordinator {
		return nil, errForbidden
	}
	out := map[int64][]Area{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT oa.user_id, oa.kind, oa.code FROM official_areas oa
			JOIN users u ON u.id = oa.user_id WHERE u.role = 'official' ORDER BY oa.user_id, oa.kind DESC, oa.code`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var a Area
			if err := rows.Scan(&id, &a.Kind, &a.Code); err != nil {
				return err
			}
			a.Name = s.adminAreaName(a)
			out[id] = append(out[id], a)
		}
		return rows.Err()
	})
	return out, err
}

// adminAreaName names an EPCI or a commune from the territory index.
func (s *Service) adminAreaName(a Area) string {
	if a.Kind == "epci" {
		if e, ok := s.Territory.EPCI(a.Code); ok {
			return e.Name
		}
	} else if c, ok := s.Territory.Commune(a.Code); ok {
		return c.Name
	}
	return a.Code
}
