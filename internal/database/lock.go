package database

import (
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// LockRow makes a query lock the rows it reads until the transaction ends.
// On SQLite, whose transactions take the single write lock up front (BEGIN
// IMMEDIATE), there is nothing to add; on PostgreSQL it is FOR UPDATE, and
// with skipLocked rows another transaction holds are passed over instead of
// waited for, so concurrent runners each claim a different pipeline.
func LockRow(skipLocked bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if s.Dialect() != dialect.Postgres {
			return
		}
		if skipLocked {
			s.ForUpdate(sql.WithLockAction(sql.SkipLocked))
			return
		}
		s.ForUpdate()
	}
}
