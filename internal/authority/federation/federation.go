// Package federation is the SAML 2.0 service-provider side of federated
// sign-in: the authority sends an AuthnRequest (HTTP-Redirect binding) to a
// domain's external IdP and validates the Response posted back to
// /login.srf. Validation is crewjam/saml's: XML signature against the IdP
// certificate from its metadata, Destination/Recipient = our ACS URL,
// Audience = our entity id, NotBefore/NotOnOrAfter, and InResponseTo equal
// to the request we sent. Replay of an assertion id is refused by the
// caller through ReplayCache.
package federation

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

// EntityID is the SP entity id (and audience) Entra uses toward IdPs.
const EntityID = "urn:federation:MicrosoftOnline"

// MFAContexts are AuthnContextClassRef values that mean the IdP performed
// multi-factor authentication.
var MFAContexts = []string{
	"http://schemas.microsoft.com/claims/multipleauthn",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor",
	"https://refeds.org/profile/mfa",
}

// Sentinel errors.
var (
	ErrInvalidResponse = errors.New("federation: invalid SAML response")
	ErrReplay          = errors.New("federation: assertion replayed")
)

// ReplayCache remembers assertion ids until they expire; storage's
// RememberJTI satisfies it.
type ReplayCache interface {
	RememberJTI(ctx context.Context, jti string, expiresAt time.Time) (fresh bool, err error)
}

// SP is the service provider. ACSURL is the absolute /login.srf URL.
type SP struct {
	ACSURL     string
	Key        crypto.Signer
	Cert       *x509.Certificate
	HTTPClient *http.Client
	Replay     ReplayCache

	mu    sync.Mutex
	cache map[string]*saml.EntityDescriptor // guarded by mu; by metadata URL
}

// Metadata returns the IdP metadata from inline XML or, if xml is empty,
// fetched (and cached) from metadataURL.
func (s *SP) Metadata(ctx context.Context, metadataURL, xml string) (*saml.EntityDescriptor, error) {
	if xml != "" {
		md, err := samlsp.ParseMetadata([]byte(xml))
		if err != nil {
			return nil, fmt.Errorf("federation: metadata: %w", err)
		}
		return md, nil
	}
	s.mu.Lock()
	md := s.cache[metadataURL]
	s.mu.Unlock()
	if md != nil && time.Now().Before(md.ValidUntil) {
		return md, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return nil, fmt.Errorf("federation: metadata url: %w", err)
	}
	c := s.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("federation: fetch metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("federation: fetch metadata: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("federation: read metadata: %w", err)
	}
	md, err = samlsp.ParseMetadata(body)
	if err != nil {
		return nil, fmt.Errorf("federation: metadata: %w", err)
	}
	if md.ValidUntil.IsZero() {
		md.ValidUntil = time.Now().Add(time.Hour)
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]*saml.EntityDescriptor{}
	}
	s.cache[metadataURL] = md
	s.mu.Unlock()
	return md, nil
}

func (s *SP) provider(md *saml.EntityDescriptor) *saml.ServiceProvider {
	acs, _ := url.Parse(s.ACSURL)
	meta, _ := url.Parse(s.ACSURL)
	return &saml.ServiceProvider{EntityID: EntityID, Key: s.Key, Certificate: s.Cert, HTTPClient: s.HTTPClient,
		MetadataURL: *meta, AcsURL: *acs, IDPMetadata: md, AuthnNameIDFormat: saml.UnspecifiedNameIDFormat}
}

// SPMetadata is this SP's metadata document for registering with an IdP.
func (s *SP) SPMetadata() *saml.EntityDescriptor { return s.provider(nil).Metadata() }

// AuthnRequestURL returns the IdP URL carrying a new AuthnRequest (redirect
// binding) and the request id to expect in InResponseTo.
func (s *SP) AuthnRequestURL(md *saml.EntityDescriptor, relayState string) (redirect, requestID string, err error) {
	sp := s.provider(md)
	loc := sp.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if loc == "" {
		return "", "", errors.New("federation: IdP has no HTTP-Redirect SSO endpoint")
	}
	req, err := sp.MakeAuthenticationRequest(loc, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", "", fmt.Errorf("federation: authn request: %w", err)
	}
	u, err := req.Redirect(relayState, sp)
	if err != nil {
		return "", "", fmt.Errorf("federation: authn request: %w", err)
	}
	return u.String(), req.ID, nil
}

// Result is the identity asserted by the IdP.
type Result struct {
	AssertionID string
	Issuer      string
	NameID      string
	// UPN is the IDPEmail attribute, else the mail attribute, else NameID.
	UPN string
	MFA bool
}

// ParseResponse validates the POSTed SAMLResponse against md and the
// expected request id, refuses a replayed assertion id, and returns the
// asserted identity. Errors wrap ErrInvalidResponse or ErrReplay; the
// wrapped detail is for logs only.
func (s *SP) ParseResponse(ctx context.Context, r *http.Request, md *saml.EntityDescriptor, requestID string) (*Result, error) {
	a, err := s.provider(md).ParseResponse(r, []string{requestID})
	if err != nil {
		var ie *saml.InvalidResponseError
		if errors.As(err, &ie) {
			return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, ie.PrivateErr)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
	}
	if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value == "" {
		return nil, fmt.Errorf("%w: no NameID", ErrInvalidResponse)
	}
	exp := time.Now().Add(time.Hour)
	if a.Conditions != nil && !a.Conditions.NotOnOrAfter.IsZero() {
		exp = a.Conditions.NotOnOrAfter
	}
	fresh, err := s.Replay.RememberJTI(ctx, "saml:"+a.Issuer.Value+"|"+a.ID, exp.Add(5*time.Minute))
	if err != nil {
		return nil, fmt.Errorf("federation: replay cache: %w", err)
	}
	if !fresh {
		return nil, fmt.Errorf("%w: %s", ErrReplay, a.ID)
	}
	res := &Result{AssertionID: a.ID, Issuer: a.Issuer.Value, NameID: a.Subject.NameID.Value}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if len(at.Values) == 0 {
				continue
			}
			switch {
			case at.Name == "IDPEmail" || at.FriendlyName == "IDPEmail":
				res.UPN = at.Values[0].Value
			case (at.FriendlyName == "mail" || at.Name == "urn:oid:0.9.2342.19200300.100.1.3") && res.UPN == "":
				res.UPN = at.Values[0].Value
			}
		}
	}
	if res.UPN == "" {
		res.UPN = res.NameID
	}
	for _, st := range a.AuthnStatements {
		if st.AuthnContext.AuthnContextClassRef == nil {
			continue
		}
		for _, m := range MFAContexts {
			if strings.EqualFold(st.AuthnContext.AuthnContextClassRef.Value, m) {
				res.MFA = true
			}
		}
	}
	return res, nil
}
