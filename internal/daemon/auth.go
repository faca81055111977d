package daemon

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"

	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/runspace"
)

// TokenValidator is what BearerAuth needs from the authority.
type TokenValidator interface {
	Validate(ctx context.Context, raw string, opt validate.Options) (*tokens.AccessClaims, error)
}

// BearerAuth authenticates WS-Man requests the way Exchange Online's
// BasicAuthToOAuthConversion does: the Basic password is "Bearer <jwt>",
// the username is the token's UPN (or "OAuthUser@<tenant>" for app-only
// tokens). It implements runspace.Authenticator.
type BearerAuth struct {
	Validator TokenValidator
	// Audience is the resource this endpoint accepts (validated on top of
	// the validator's own audience set).
	Audience string
	Logger   *slog.Logger
}

var _ runspace.Authenticator = (*BearerAuth)(nil)

// Authenticate returns the principal of a valid bearer token, or an error
// wrapping runspace.ErrUnauthenticated. The reason is logged, never sent.
func (b *BearerAuth) Authenticate(ctx context.Context, authorization, clientAddr string) (*runspace.Principal, error) {
	user, token, err := parseBasicBearer(authorization)
	if err != nil {
		return nil, b.refuse(err)
	}
	claims, err := b.Validator.Validate(ctx, token, validate.Options{})
	if err != nil {
		return nil, b.refuse(err)
	}
	if b.Audience != "" && !strings.EqualFold(strings.TrimRight(claims.Aud, "/"), strings.TrimRight(b.Audience, "/")) {
		return nil, b.refuse(fmt.Errorf("token audience %q is not %q", claims.Aud, b.Audience))
	}
	appOnly := claims.Upn == "" && claims.UniqueName == ""
	if appOnly {
		if !strings.EqualFold(user, "OAuthUser@"+claims.Tid) && !strings.HasPrefix(strings.ToLower(user), "oauthuser@") {
			return nil, b.refuse(fmt.Errorf("app-only token presented with username %q", user))
		}
	} else if !strings.EqualFold(user, claims.Upn) && !strings.EqualFold(user, claims.UniqueName) {
		return nil, b.refuse(fmt.Errorf("username %q does not match token upn %q", user, claims.Upn))
	}
	p := &runspace.Principal{
		UserID: claims.Oid, UPN: claims.Upn, TenantID: claims.Tid, AppID: claims.AppID,
		ClientAddr: clientAddr, Roles: claims.Roles,
	}
	if appOnly {
		p.UserID, p.UPN = "app:"+claims.AppID, "OAuthUser@"+claims.Tid
	}
	if claims.Scp != "" {
		p.Scopes = strings.Fields(claims.Scp)
	}
	return p, nil
}

func (b *BearerAuth) refuse(err error) error {
	if b.Logger != nil {
		b.Logger.Info("remote powershell authentication refused", "reason", err.Error())
	}
	return fmt.Errorf("%w: %v", runspace.ErrUnauthenticated, err)
}

// parseBasicBearer splits "Basic base64(user:Bearer token)".
func parseBasicBearer(h string) (user, token string, err error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", fmt.Errorf("authorization scheme is not Basic")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return "", "", fmt.Errorf("basic credentials are not base64")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", fmt.Errorf("basic credentials lack a colon")
	}
	kind, tok, ok := strings.Cut(pass, " ")
	if !ok || !strings.EqualFold(kind, "Bearer") || tok == "" {
		return "", "", fmt.Errorf("basic password is not \"Bearer <token>\" (BasicAuthToOAuthConversion)")
	}
	return user, strings.TrimSpace(tok), nil
}
