package authority

import (
	"context"
	"fmt"
)

// Maintain is meant to run periodically (ippsd: hourly). It rotates the
// signing key once it has signed for KeyLifetime, drops retired keys whose
// tokens have all expired, and deletes their stored copies.
func (a *Authority) Maintain(ctx context.Context) error {
	now := a.cfg.Now()
	cur, err := a.keys.Signing()
	if err != nil {
		return err
	}
	// GenerateKey backdates NotBefore by five minutes.
	if now.Sub(cur.Cert.NotBefore) >= a.cfg.KeyLifetime {
		if err := a.RotateKeys(ctx); err != nil {
			return err
		}
	}
	a.keys.Prune(now)
	stored, err := a.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("authority: list signing keys: %w", err)
	}
	for _, k := range stored {
		if !k.RetiredAt.IsZero() && now.After(k.RetiredAt.Add(a.cfg.AccessTokenLifetime+a.cfg.IDTokenLifetime)) {
			if err := a.store.DeleteSigningKey(ctx, k.KID); err != nil {
				return fmt.Errorf("authority: delete key %s: %w", k.KID, err)
			}
		}
	}
	return nil
}
