package authority

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/ipps/ipps/internal/authority/federation"
	"github.com/ipps/ipps/internal/storage"
)

var (
	errSAMLInvalid = func() *OAuthError {
		return oerr("invalid_grant", 50013, "Assertion failed signature validation or is not within its valid time range.")
	}
	errSAMLSignature = func() *OAuthError {
		return oerr("invalid_grant", 50006, "Signature verification failed because of an invalid signature.")
	}
	errNoRealm = func() *OAuthError {
		return oerr("invalid_grant", 50107, "The requested federation realm object does not exist.")
	}
	errFedUserNotFound = func() *OAuthError {
		return oerr("invalid_grant", 50034, "The user account does not exist in the directory. To sign into this application, the account must be added to the directory.")
	}
)

// grantSAMLBearer is the token endpoint's saml1_1-bearer / saml2-bearer
// grant, the second half of MSAL's username/password flow for a federated
// account: MSAL got the assertion from the domain's WS-Trust
// usernamemixed endpoint and posts it base64-encoded (with username and
// password, which are ignored: the IdP has checked them). The assertion
// is verified against the federated domain's IdP, its subject mapped to a
// user (UPN or immutable id, per domain), and MFA policy applied as for
// the managed password grant.
func (a *Authority) grantSAMLBearer(ctx context.Context, q *tokenRequest, version string) (*tokenResponse, *OAuthError) {
	if strings.EqualFold(q.tenant.Segment, "common") {
		return nil, errNoTenant()
	}
	app, oe := a.authenticatedClient(ctx, q)
	if oe != nil {
		return nil, oe
	}
	b64 := q.get("assertion")
	if b64 == "" {
		return nil, errMissing("assertion")
	}
	raw, err := decodeAssertionParam(b64)
	if err != nil {
		return nil, errSAMLInvalid()
	}
	refuse := func(reason string, err error, oe *OAuthError) (*tokenResponse, *OAuthError) {
		a.log.WarnContext(ctx, "saml bearer grant refused", "client_id", app.ClientID, "reason", reason, "err", err)
		return nil, oe
	}

	// The domain (and so the IdP that must have signed) comes from the
	// username MSAL sends, else from the not yet verified UPN claim.
	_, peekUPN, err := federation.PeekAssertion(raw)
	if err != nil {
		return refuse("malformed assertion", err, errSAMLInvalid())
	}
	hint := q.get("username")
	if hint == "" {
		hint = peekUPN
	}
	if !strings.Contains(hint, "@") {
		return refuse("no domain for assertion", nil, errNoRealm())
	}
	d, err := a.store.GetDomain(ctx, domainOf(hint))
	if err != nil || d.Kind != storage.DomainFederated {
		return refuse("domain not federated", err, errNoRealm())
	}
	md, err := a.fed.Metadata(ctx, d.Federation.MetadataURL, d.Federation.MetadataXML)
	if err != nil {
		a.log.ErrorContext(ctx, "federation metadata", "domain", d.Name, "err", err)
		return nil, &OAuthError{Code: "temporarily_unavailable", AADSTS: 90033, Description: "A transient error has occurred. Please try again.", Status: 503}
	}
	certs, err := federation.IdPCertificates(md)
	if err != nil {
		return refuse("metadata certificates", err, errSAMLSignature())
	}
	issuer := d.Federation.IdPEntityID
	if issuer == "" {
		issuer = md.EntityID
	}
	res, err := a.fed.ParseAssertion(ctx, raw, federation.AssertionCheck{Version: version, Certs: certs,
		Issuer: issuer, Audiences: []string{federation.EntityID, a.cfg.BaseURL, a.cfg.BaseURL + "/"},
		Now: a.cfg.Now(), Skew: assertionSkew})
	switch {
	case errors.Is(err, federation.ErrSignature):
		return refuse("signature", err, errSAMLSignature())
	case err != nil:
		return refuse("assertion", err, errSAMLInvalid())
	}

	var u storage.User
	if d.Federation.MatchImmutableID {
		u, err = a.store.GetUserByImmutableID(ctx, d.TenantID, res.NameID)
	} else {
		u, err = a.store.GetUserByUPN(ctx, res.UPN)
	}
	switch {
	case err != nil:
		return refuse("no such user", err, errFedUserNotFound())
	case !strings.EqualFold(u.TenantID, d.TenantID) || domainOf(u.UPN) != d.Name:
		return refuse("user outside the federated domain", nil, errFedUserNotFound())
	case !q.tenant.multi() && !strings.EqualFold(u.TenantID, q.tenant.ID):
		return refuse("user outside the requested tenant", nil, errFedUserNotFound())
	case q.get("username") != "" && !strings.EqualFold(q.get("username"), u.UPN):
		return refuse("username does not match the assertion", nil, errSAMLInvalid())
	case !u.Enabled:
		return nil, errDisabled()
	}
	amr := []string{"fed"}
	switch {
	case res.MFA && d.Federation.HonourIdPMFA:
		amr = []string{"fed", "mfa"}
	case mfaRequired(u) && !mfaEnrolled(u):
		return nil, errMFAEnrollment()
	case mfaRequired(u):
		return nil, errMFARequired()
	}
	return a.issueUserTokens(ctx, q, grantCtx{user: u, app: app, scopes: q.scopes, resource: q.resource, scp: q.scp, amr: amr})
}

// decodeAssertionParam reads the assertion parameter: MSAL sends padded
// standard base64; RFC 7522 says base64url (unpadded is common).
func decodeAssertionParam(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("authority: assertion is not base64")
}
