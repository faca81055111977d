package compliance

import (
	"time"

	"github.com/ipps/ipps/internal/storage"
)

// maxSettled bounds a lagWindow. An entry costs about 200 bytes (key
// strings, map slot), so a full window holds about 13 MiB; a pass that
// finds it full simply decodes the policies it could not remember.
const maxSettled = 1 << 16

// lagWindow remembers the policies of the Distributor's lag window that
// need nothing more at the version it last saw: a listed policy whose
// status was neither Pending nor PendingDeletion, and a policy it
// distributed itself (at the version its update stored). Passes list
// every policy modified after the checkpoint, and the checkpoint trails
// the newest change by Lag, so without it each change would be decoded
// once per pass for as long as it stays in the window.
//
// Contract: settled(o) is true only when o has exactly the Version and
// ModifiedAt of an entry added for the same tenant and ID. Every update
// of an object, on any replica, increments its Version, so a settled
// object's body is the one judged before and judging it again could not
// find work; a commit that arrives late, or an update by another replica,
// has another version and is judged afresh. Entries modified at or before
// the checkpoint are dropped by prune, since ListObjects no longer
// returns them; at most maxSettled entries are kept. The zero value is
// ready to use; a lagWindow is owned by the goroutine calling Step.
type lagWindow struct {
	m map[objectKey]objectVersion
}

// objectKey identifies a stored object of a known kind.
type objectKey struct{ tenant, id string }

// objectVersion is the state of an object a lagWindow judged.
type objectVersion struct {
	version    int64
	modifiedAt int64 // UnixNano
}

func versionOf(o storage.Object) objectVersion {
	return objectVersion{version: o.Version, modifiedAt: o.ModifiedAt.UnixNano()}
}

// settled reports whether o, as listed, was already judged at this
// version and needs nothing.
func (w *lagWindow) settled(o storage.Object) bool {
	v, ok := w.m[objectKey{o.TenantID, o.ID}]
	return ok && v == versionOf(o)
}

// add remembers o, as stored, as needing nothing at its version. It
// reports false when the window is full and o was not remembered.
func (w *lagWindow) add(o storage.Object) bool {
	k := objectKey{o.TenantID, o.ID}
	if w.m == nil {
		w.m = make(map[objectKey]objectVersion)
	}
	if _, ok := w.m[k]; !ok && len(w.m) >= maxSettled {
		return false
	}
	w.m[k] = versionOf(o)
	return true
}

// prune forgets entries modified at or before checkpoint, which the
// next pass's ModifiedAfter query excludes.
func (w *lagWindow) prune(checkpoint time.Time) {
	cp := checkpoint.UnixNano()
	for k, v := range w.m {
		if v.modifiedAt <= cp {
			delete(w.m, k)
		}
	}
}

// len reports how many policies the window remembers.
func (w *lagWindow) len() int { return len(w.m) }
