package storage

import "context"

type txKey struct{}

// ContextWithTx returns a copy of ctx that carries tx, a Storage bound to
// a transaction (the tx argument of a Tx callback). Code that receives
// ctx and holds a root Storage calls InTx to join that transaction. This
// is how a cmdlet's change and its audit record commit together without
// every cmdlet taking a Storage argument.
func ContextWithTx(ctx context.Context, tx Storage) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// InTx returns the transaction-bound Storage ctx carries, or root when it
// carries none. Inside a transaction every read and write must go through
// the returned Storage: the root one may block (SQLite has one writer) or
// miss the transaction's uncommitted writes.
func InTx(ctx context.Context, root Storage) Storage {
	if tx, ok := ctx.Value(txKey{}).(Storage); ok && tx != nil {
		return tx
	}
	return root
}
