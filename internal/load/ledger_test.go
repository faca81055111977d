package load

import (
	"errors"
	"testing"
)

// check flags every kind of lost write and accepts what the server
// legitimately shows (a removed policy still PendingDeletion).
func TestLedgerCheck(t *testing.T) {
	l := &Ledger{}
	l.Created("t", "ok")
	l.Commented("ok", "c2")
	l.Created("t", "never-stored")
	l.Created("t", "stale")
	l.Commented("stale", "new")
	l.Created("t", "removed")
	l.Removed("removed")
	l.Created("t", "pending")
	l.Removed("pending")
	l.Created("t", "resurrected")
	l.Removed("resurrected")
	// Failed calls that may have taken effect.
	l.Created("t", "maybe-set")
	l.Commented("maybe-set", "acked")
	l.MaybeCommented("maybe-set", "unsure")
	l.Created("t", "maybe-gone")
	l.MaybeRemoved("maybe-gone")
	listing := map[string]listedPolicy{
		"ok":          {comment: "c2", status: "Success"},
		"stale":       {comment: "old", status: "Success"},
		"pending":     {status: "PendingDeletion"},
		"resurrected": {status: "Success"},
		"maybe-set":   {comment: "unsure", status: "Success"},
	}
	r := l.check(listing, nil)
	if r.Policies != 8 || r.Checked != 8 || r.Visible != 5 || r.LostCount != 3 || r.CheckErrors != 0 {
		t.Fatalf("report %+v", r)
	}
	for i, want := range []string{"never-stored", "resurrected", "stale"} {
		if len(r.Lost) != 3 || r.Lost[i][:len(want)] != want {
			t.Fatalf("lost %q, want %s at %d", r.Lost, want, i)
		}
	}
	if r := l.check(nil, errors.New("listing failed")); r.CheckErrors != 8 || r.Visible != 0 {
		t.Fatalf("failed listing: %+v", r)
	}
}
