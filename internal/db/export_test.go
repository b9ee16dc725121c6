package db

import "time"

// HoldPipelines takes the lead of every pipeline of d's one-statement
// writes, so that statements queue; release gives it back once n are
// queued.
func (d *DB) HoldPipelines() (release func(n int)) {
	for range cap(d.statements.lead) {
		d.statements.lead <- struct{}{}
	}
	return func(n int) {
		for d.statements.queued() < n {
			time.Sleep(time.Millisecond)
		}
		for range cap(d.statements.lead) {
			<-d.statements.lead
		}
	}
}
