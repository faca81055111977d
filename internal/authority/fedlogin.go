package authority

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/ipps/ipps/internal/storage"
)

const msgFedFailed = "We couldn't sign you in with your organization's identity provider. Try again, and if the problem continues, contact your administrator."

// startFederation sends the browser to the domain's IdP with a SAML
// AuthnRequest; the transaction waits in stepFederated.
func (a *Authority) startFederation(w http.ResponseWriter, r *http.Request, s signIn, upn string, d storage.Domain) {
	ctx := r.Context()
	md, err := a.fed.Metadata(ctx, d.Federation.MetadataURL, d.Federation.MetadataXML)
	if err != nil {
		a.log.ErrorContext(ctx, "federation metadata", "domain", d.Name, "err", err)
		a.renderStep(w, ctx, http.StatusBadGateway, s, msgFedFailed, "")
		return
	}
	relay := randomToken()
	to, reqID, err := a.fed.AuthnRequestURL(md, relay)
	if err != nil {
		a.log.ErrorContext(ctx, "federation authn request", "domain", d.Name, "err", err)
		a.renderStep(w, ctx, http.StatusBadGateway, s, msgFedFailed, "")
		return
	}
	next := s
	next.UPN, next.Step, next.FedRelay, next.FedRequestID, next.FedDomain = upn, stepFederated, relay, reqID, d.Name
	ns, ok := a.sessions.rotate(ctx, s, next)
	if !ok {
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	setSessionCookie(w, ns)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// handleSAMLResponse is the assertion consumer (/login.srf). It validates
// the IdP's response for the waiting transaction, maps the user by UPN or
// immutable id, applies the domain's MFA policy, and continues the
// sign-in with a fresh session cookie.
func (a *Authority) handleSAMLResponse(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 4*a.cfg.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	s, ok := a.sessions.findRelay(ctx, r.PostForm.Get("RelayState"), a.cfg.Now())
	if !ok {
		a.log.InfoContext(ctx, "saml response for no waiting transaction")
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	fail := func(detail string, err error) {
		a.log.WarnContext(ctx, "federated sign-in refused", "domain", s.FedDomain, "reason", detail, "err", err)
		a.sessions.delete(ctx, s)
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgFedFailed})
	}
	d, err := a.store.GetDomain(ctx, s.FedDomain)
	if err != nil || d.Kind != storage.DomainFederated {
		fail("domain no longer federated", err)
		return
	}
	md, err := a.fed.Metadata(ctx, d.Federation.MetadataURL, d.Federation.MetadataXML)
	if err != nil {
		fail("metadata", err)
		return
	}
	res, err := a.fed.ParseResponse(ctx, r, md, s.FedRequestID)
	if err != nil {
		fail("response", err)
		return
	}
	if d.Federation.IdPEntityID != "" && res.Issuer != d.Federation.IdPEntityID {
		fail("issuer "+res.Issuer, nil)
		return
	}
	var u storage.User
	if d.Federation.MatchImmutableID {
		u, err = a.store.GetUserByImmutableID(ctx, d.TenantID, res.NameID)
	} else {
		u, err = a.store.GetUserByUPN(ctx, res.UPN)
	}
	switch {
	case err != nil:
		fail("no such user", err)
		return
	case !strings.EqualFold(u.TenantID, d.TenantID) || domainOf(u.UPN) != d.Name:
		fail("user outside the federated domain", nil)
		return
	case !s.Tenant.multi() && !strings.EqualFold(u.TenantID, s.Tenant.ID):
		fail("user outside the requested tenant", nil)
		return
	case !u.Enabled:
		fail("user disabled", errors.New("disabled"))
		return
	}
	next := s
	next.UserID, next.UPN, next.AMR, next.FedRelay, next.FedRequestID = u.ID, u.UPN, []string{"fed"}, "", ""
	switch {
	case res.MFA && d.Federation.HonourIdPMFA:
		next.AMR = []string{"fed", "mfa"}
	case mfaRequired(u) && mfaEnrolled(u):
		next.Step = stepMFA
		a.advance(w, r, s, next)
		return
	case mfaRequired(u):
		// Not enrolled: the IdP's assertion is the verified first factor,
		// as the password is for a managed user, so the user enrols here
		// (QR + first code, then recovery codes) and the sign-in finishes
		// with amr fed,otp,mfa. The saml*-bearer grant answers 50079.
		if err := a.startEnrolment(&next); err != nil {
			a.log.ErrorContext(ctx, "mfa enrolment", "err", err)
			a.sessions.delete(ctx, s)
			a.render(w, http.StatusInternalServerError, tplMessage, page{Title: "Sign in", Error: msgError})
			return
		}
		a.advance(w, r, s, next)
		return
	}
	ns, ok := a.sessions.rotate(ctx, s, next)
	if !ok {
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	a.finish(ctx, w, r, ns)
}

// handleSPMetadata serves this authority's SAML SP metadata for IdP setup.
func (a *Authority) handleSPMetadata(w http.ResponseWriter, r *http.Request) {
	b, err := xml.MarshalIndent(a.fed.SPMetadata(), "", "  ")
	if err != nil {
		http.Error(w, "metadata unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(b)
}
