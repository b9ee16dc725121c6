package web

import (
	"net/http"
	"strings"

	"coopconnect/internal/coop"
	"coopconnect/internal/ical"
)

// serveFeed answers a private calendar address, /ical/SECRET.ics, for
// calendar applications: no session, the secret is the key.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) error {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		return coop.Errorf(coop.ENotFound, "error.not_found")
	}
	cal, err := s.Booking.Feed(r.Context(), secret, s.BaseURL)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ical.ContentType)
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("X-Robots-Tag", "noindex")
	_, err = w.Write(cal.Bytes())
	return err
}

// feedURL is the address of a feed's secret, "" for none.
func (s *Server) feedURL(secret string) string {
	if secret == "" {
		return ""
	}
	return s.BaseURL + "/ical/" + secret + ".ics"
}

// renewMemberFeed makes the member's calendar address, or replaces it.
func (s *Server) renewMemberFeed(w http.ResponseWriter, r *http.Request) error {
	id := stateOf(r).user.ID
	old, err := s.Booking.MemberFeed(r.Context(), id)
	if err != nil {
		return err
	}
	if _, err := s.Booking.RenewMemberFeed(r.Context(), id); err != nil {
		return err
	}
	return s.redirect(w, r, "/reservations#agenda", "success", feedDone(old))
}

// feedDone is the message of a calendar address made (no old one) or
// replaced (the old one ends).
func feedDone(old string) string {
	if old == "" {
		return "feed.created"
	}
	return "feed.renewed"
}

// renewPlaceFeed makes a place's occupancy address, or replaces it.
func (s *Server) renewPlaceFeed(w http.ResponseWriter, r *http.Request) error {
	slug, u := r.PathValue("slug"), *stateOf(r).user
	old, err := s.Booking.PlaceFeed(r.Context(), u, slug)
	if err != nil {
		return err
	}
	if _, err := s.Booking.RenewPlaceFeed(r.Context(), u, slug); err != nil {
		return err
	}
	return s.redirect(w, r, "/accueil/"+slug+"#agenda", "success", feedDone(old))
}
