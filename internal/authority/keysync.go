package authority

import (
	"context"
	"fmt"
)

// SyncKeys publishes every unexpired signing key in the store that this
// authority does not know yet, so tokens signed by another replica (which
// may have rotated on its own schedule, or started at the same moment)
// validate here too. It returns how many keys it added. ippsd calls it
// every few seconds; it is one small query.
func (a *Authority) SyncKeys(ctx context.Context) (int, error) {
	stored, err := a.store.ListSigningKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("authority: list signing keys: %w", err)
	}
	now := a.cfg.Now()
	added := 0
	for _, sk := range stored {
		if !now.Before(sk.NotAfter) {
			continue
		}
		if _, ok := a.keys.Lookup(sk.KID, now); ok {
			continue
		}
		k, err := decodeStoredKey(sk.PrivateKeyPEM)
		if err != nil {
			a.log.Warn("skipping unreadable signing key", "kid", sk.KID, "err", err)
			continue
		}
		k.RetireAt = sk.NotAfter
		if a.keys.Publish(k) {
			added++
		}
	}
	return added, nil
}
