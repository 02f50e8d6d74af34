package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/kickoff-ci/kickoff/ent"
)

// A PostgreSQL connection can break at any moment: a restart, a failover,
// pg_terminate_backend, a network blip. database/sql retries on another
// connection only what the driver reports as driver.ErrBadConn. retryingDriver adds
// what Kickoff can prove safe, so that a lost connection costs a retry, not
// a 500:
//
//   - an ent query (a read) runs once more (retryReads), and so does any
//     statement outside a transaction that the server said it aborted
//     (notRun);
//   - a transaction whose connection broke before COMMIT was sent did not
//     commit: the unit of work that began it (WithTx, a GraphQL mutation)
//     runs once more from the start (RetryLostConnection);
//   - a transaction whose connection broke while COMMIT was under way may or
//     may not have committed. It is never simply run again, which could do
//     it twice: before COMMIT, the transaction reads its own id; afterwards,
//     a fresh connection asks PostgreSQL what became of that id
//     (txid_status) and the commit succeeds or the unit runs again.
//
// SQLite is a file in the process, so none of this applies to it.
type retryingDriver struct {
	*entsql.Driver
}

// Exec implements dialect.Driver.
func (d retryingDriver) Exec(ctx context.Context, query string, args, v any) error {
	return retryStatement(ctx, func() error { return d.Driver.Exec(ctx, query, args, v) })
}

// Query implements dialect.Driver.
func (d retryingDriver) Query(ctx context.Context, query string, args, v any) error {
	return retryStatement(ctx, func() error { return d.Driver.Query(ctx, query, args, v) })
}

// ExecContext serves ent's Client.ExecContext.
func (d retryingDriver) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	err = retryStatement(ctx, func() (err error) {
		res, err = d.Driver.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// QueryContext serves ent's Client.QueryContext.
func (d retryingDriver) QueryContext(ctx context.Context, query string, args ...any) (rows *sql.Rows, err error) {
	err = retryStatement(ctx, func() (err error) {
		rows, err = d.Driver.QueryContext(ctx, query, args...)
		return err
	})
	return rows, err
}

// retryStatement runs a statement outside a transaction, and once more when
// the server aborted it.
func retryStatement(ctx context.Context, run func() error) error {
	err := run()
	if notRun(err) && ctx.Err() == nil {
		err = run()
	}
	return err
}

// retryReads runs an ent query once more when its connection was lost. It
// works on whole queries rather than statements because ent reads the rows
// after the driver's Query returned, and the connection can break in
// between. Queries only read, so a second run changes nothing. A query of a
// transaction fails again at once on the dead transaction, which the unit
// of work then runs again; a query on the plain client in the middle of a
// mutation (refs, authorization) gets its second chance here.
var retryReads = ent.InterceptFunc(func(next ent.Querier) ent.Querier {
	return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
		v, err := next.Query(ctx, q)
		if connectionLost(err) && ctx.Err() == nil {
			return next.Query(ctx, q)
		}
		return v, err
	})
})

// Tx implements dialect.Driver.
func (d retryingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	return d.BeginTx(ctx, nil)
}

// BeginTx serves ent's Client.BeginTx. A transaction that cannot begin
// because its connection is lost counts as lost before COMMIT.
func (d retryingDriver) BeginTx(ctx context.Context, opts *entsql.TxOptions) (dialect.Tx, error) {
	w, _ := ctx.Value(watchKey{}).(*watch)
	t, err := d.Driver.BeginTx(ctx, opts)
	if err != nil {
		w.note(err)
		return nil, err
	}
	// entsql's BeginTx returns its *Tx, whose ExecContext and QueryContext
	// ent's generated Tx.ExecContext and Tx.QueryContext need as well.
	return &tx{Tx: t.(*entsql.Tx), db: d.DB(), watch: w}, nil
}

// tx is a PostgreSQL transaction that tells its watch when its connection
// is lost before it committed, and resolves a COMMIT whose answer is lost.
type tx struct {
	*entsql.Tx
	db    *sql.DB
	watch *watch // nil when no unit of work watches
}

// Exec implements dialect.Tx.
func (t *tx) Exec(ctx context.Context, query string, args, v any) error {
	return t.watch.note(t.Tx.Exec(ctx, query, args, v))
}

// Query implements dialect.Tx. ent reads the rows later, and the connection
// can break while they arrive: the rows tell the watch too.
func (t *tx) Query(ctx context.Context, query string, args, v any) error {
	if err := t.watch.note(t.Tx.Query(ctx, query, args, v)); err != nil {
		return err
	}
	if rows, ok := v.(*entsql.Rows); ok && t.watch != nil {
		rows.ColumnScanner = watchedRows{ColumnScanner: rows.ColumnScanner, watch: t.watch}
	}
	return nil
}

// watchedRows are a query's rows that tell watch when their connection is lost.
type watchedRows struct {
	entsql.ColumnScanner
	watch *watch
}

func (r watchedRows) Err() error             { return r.watch.note(r.ColumnScanner.Err()) }
func (r watchedRows) Scan(dest ...any) error { return r.watch.note(r.ColumnScanner.Scan(dest...)) }
func (r watchedRows) Close() error           { return r.watch.note(r.ColumnScanner.Close()) }

// ExecContext serves ent's Tx.ExecContext.
func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.Tx.ExecContext(ctx, query, args...)
	return res, t.watch.note(err)
}

// QueryContext serves ent's Tx.QueryContext.
func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := t.Tx.QueryContext(ctx, query, args...)
	return rows, t.watch.note(err)
}

// resolveTimeout bounds how long a commit with a lost answer is looked into.
const resolveTimeout = 10 * time.Second

// Commit commits, first reading the transaction's id so that a COMMIT whose
// answer is lost can be resolved. The id costs one round trip, paid by
// writing transactions on PostgreSQL only; the alternative, a marker row
// per transaction, costs the same and leaves rows to clean up.
func (t *tx) Commit() error {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	id, err := t.id(ctx)
	if err != nil {
		_ = t.Tx.Rollback()
		return t.watch.note(fmt.Errorf("reading the transaction's id: %w", err))
	}
	err = t.Tx.Commit()
	if !connectionLost(err) {
		return err
	}
	if !id.Valid {
		// The transaction wrote nothing (PostgreSQL gives an id to the
		// first write): whether COMMIT arrived changes nothing.
		return nil
	}
	committed, rerr := outcome(ctx, t.db, id.Int64)
	if rerr != nil {
		return fmt.Errorf("connection lost during COMMIT, outcome unknown: %w (resolving it: %w)", err, rerr)
	}
	if committed {
		return nil
	}
	return t.watch.note(fmt.Errorf("connection lost during COMMIT, which did not take effect: %w", err))
}

// id returns the transaction's id, NULL when it has written nothing.
func (t *tx) id(ctx context.Context) (id sql.NullInt64, err error) {
	rows, err := t.Tx.QueryContext(ctx, "SELECT txid_current_if_assigned()")
	if err != nil {
		return id, err
	}
	defer rows.Close()
	if !rows.Next() {
		return id, fmt.Errorf("no transaction id: %w", rows.Err())
	}
	if err := rows.Scan(&id); err != nil {
		return id, err
	}
	return id, rows.Close()
}

// outcome asks PostgreSQL, on a connection other than the lost one, whether
// transaction id committed. A transaction still "in progress" belongs to a
// backend that has not noticed yet that its client is gone (its network
// path broke rather than it being terminated); it is asked again until that
// backend aborts it or the commit it was finishing becomes visible, and so
// is a question whose own connection is lost.
func outcome(ctx context.Context, db *sql.DB, id int64) (committed bool, err error) {
	for {
		var status sql.NullString
		err := db.QueryRowContext(ctx, "SELECT txid_status($1)", id).Scan(&status)
		switch {
		case connectionLost(err):
			// Ask again on another connection.
		case err != nil:
			return false, fmt.Errorf("asking for transaction %d: %w", id, err)
		case status.String == "committed":
			return true, nil
		case status.String == "aborted":
			return false, nil
		case status.String != "in progress":
			return false, fmt.Errorf("transaction %d has status %q", id, status.String)
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("transaction %d still undecided: %w", id, errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// watch is carried by the context of a unit of work that may run again:
// its transactions set lost when one of them lost its connection before it
// committed.
type watch struct{ lost atomic.Bool }

type watchKey struct{}

// note records err on w when it is a lost connection, and returns err.
func (w *watch) note(err error) error {
	if w != nil && connectionLost(err) {
		w.lost.Store(true)
	}
	return err
}

// RetryLostConnection runs work, and runs it once more when it failed and a
// transaction it began lost its connection before committing: nothing of
// that attempt is in the database, so the second one starts clean. work
// reports whether it failed. It must keep no effects of a failed attempt
// outside the database (ent's OnCommit hooks are the place for those) and
// must not have answered anyone yet.
func RetryLostConnection(ctx context.Context, work func(ctx context.Context) (failed bool)) {
	w := &watch{}
	if !work(context.WithValue(ctx, watchKey{}, w)) || !w.lost.Load() {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(retryPause):
	}
	work(context.WithValue(ctx, watchKey{}, &watch{}))
}

// retryPause is how long the second attempt waits. A restart or a
// pg_terminate_backend ends every connection within milliseconds; pooled
// connections of that wave that still looked alive would otherwise be
// handed to the second attempt too.
const retryPause = 20 * time.Millisecond
