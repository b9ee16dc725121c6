-- PostgreSQL's step 14 makes every write of bookings lock their place
-- first, then their space. SQLite has one writer, holding the database's
-- only write lock from BEGIN: it has no order of locks to keep, and its
-- chain keeps the same steps.
SELECT 1;
