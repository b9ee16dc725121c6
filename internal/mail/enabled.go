package mail

// Enabled tells whether messages leave by SMTP or stay in the outbox.
func (m *Mailer) Enabled() bool { return m.smtp.Enabled() }
