-- The idempotency keys of the changes made to bookings (a cancellation, a
-- move), per author: a change sent again with its key changes nothing and
-- answers the booking as it is; the same key for another change is
-- refused. Written in the change's transaction.
CREATE TABLE booking_changes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    booking_id INTEGER NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('cancel', 'move')),
    start_at TIMESTAMP, -- a move's new times
    end_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
CREATE INDEX booking_changes_booking ON booking_changes(booking_id);
