package authority

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/storage"
)

// userCodeAlphabet avoids look-alike characters (0/O, 1/I/L).
const userCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// maxUserCodeAttempts bounds code entries per device-login transaction.
const maxUserCodeAttempts = 5

func newUserCode() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = userCodeAlphabet[int(b[i])%len(userCodeAlphabet)]
	}
	return string(b)
}

func normalizeUserCode(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s)))
}

// handleDeviceCode starts a device authorization (RFC 8628 §3.1).
func (a *Authority) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	t, ok := a.tenantOr400(w, r)
	if !ok {
		return
	}
	form, oe := a.parseForm(w, r)
	if oe != nil {
		a.writeOAuthError(w, r, oe)
		return
	}
	q := &tokenRequest{r: r, tenant: t, form: form, v1: !strings.Contains(r.URL.Path, "/v2.0/")}
	if oe := a.scopeFromRequest(q); oe != nil {
		a.writeOAuthError(w, r, oe)
		return
	}
	app, oe := a.client(r.Context(), form["client_id"], t)
	if oe != nil {
		a.writeOAuthError(w, r, oe)
		return
	}
	if !app.Public {
		a.writeOAuthError(w, r, oerr("invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."))
		return
	}
	now := a.cfg.Now()
	device, id := newOpaque("dc")
	var user string
	var err error
	for range 3 {
		user = newUserCode()
		err = a.store.CreateDeviceCode(r.Context(), storage.DeviceCode{ID: id, UserCode: user, ClientID: app.ClientID,
			TenantID: t.ID, Scopes: q.scopes, Resource: q.resource, Status: storage.DevicePending,
			ExpiresAt: now.Add(a.cfg.DeviceCodeLifetime), CreatedAt: now})
		if !errors.Is(err, storage.ErrAlreadyExists) {
			break
		}
	}
	if err != nil {
		a.log.ErrorContext(r.Context(), "create device code", "err", err)
		a.writeOAuthError(w, r, &OAuthError{Code: "temporarily_unavailable", AADSTS: 90033, Description: "A transient error has occurred. Please try again.", Status: 503})
		return
	}
	verify := a.cfg.BaseURL + "/devicelogin"
	resp := map[string]any{
		"user_code":        user,
		"device_code":      device,
		"verification_uri": verify,
		"expires_in":       int64(a.cfg.DeviceCodeLifetime.Seconds()),
		"interval":         int64(a.cfg.DeviceCodeInterval.Seconds()),
		"message":          fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", verify, user),
	}
	if q.v1 {
		resp["verification_url"] = verify
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleDeviceLogin shows the code entry page (GET) or checks an entered
// code (POST) and continues with the usual sign-in steps.
func (a *Authority) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := a.cfg.Now()
	if r.Method == http.MethodGet {
		s, ok := a.sessions.create(ctx, signIn{Step: stepDeviceCode, Expires: now.Add(a.cfg.SignInLifetime)}, now)
		if !ok {
			a.render(w, http.StatusServiceUnavailable, tplMessage, page{Title: "Sign in", Error: msgError})
			return
		}
		setSessionCookie(w, s)
		a.renderStep(w, r.Context(), http.StatusOK, s, "", "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.render(w, http.StatusBadRequest, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	s, ok := a.sessionFromRequest(r)
	if !ok || s.Step != stepDeviceCode || !csrfOK(s, r.PostForm.Get("csrf")) {
		a.render(w, http.StatusForbidden, tplMessage, page{Title: "Sign in", Error: msgExpired})
		return
	}
	s.CodeAttempts++
	if s.CodeAttempts > maxUserCodeAttempts {
		a.sessions.delete(ctx, s)
		clearSessionCookie(w)
		a.render(w, http.StatusTooManyRequests, tplMessage, page{Title: "Sign in", Error: "Too many attempts. Start again."})
		return
	}
	a.sessions.update(ctx, s)
	d, err := a.store.GetDeviceCodeByUserCode(r.Context(), normalizeUserCode(r.PostForm.Get("otc")))
	if err != nil || d.Status != storage.DevicePending || !now.Before(d.ExpiresAt) {
		a.renderStep(w, r.Context(), http.StatusOK, s, "That code didn't work. Check the code and try again.", "")
		return
	}
	app, err := a.store.GetApplication(r.Context(), d.ClientID)
	if err != nil {
		a.renderStep(w, r.Context(), http.StatusOK, s, msgError, "")
		return
	}
	next := s
	next.Step, next.DeviceID, next.ClientID, next.AppName = stepUsername, d.ID, d.ClientID, app.DisplayName
	next.Tenant = tenantRef{Segment: "organizations"}
	if d.TenantID != "" {
		next.Tenant = tenantRef{Segment: d.TenantID, ID: d.TenantID}
	}
	next.Scopes, next.Resource = d.Scopes, d.Resource
	if next.Resource == "" {
		next.Resource, _ = tokens.ResourceFromScopes(d.Scopes, a.cfg.DefaultScope)
	}
	a.advance(w, r, s, next)
}

// handleLogout ends the browser's sign-in transaction. It never redirects
// (post_logout_redirect_uri is not honoured), which rules out open redirects.
func (a *Authority) handleLogout(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.sessionFromRequest(r); ok {
		a.sessions.delete(r.Context(), s)
	}
	clearSessionCookie(w)
	a.render(w, http.StatusOK, tplMessage, page{Title: "You signed out of your account", Info: "It's a good idea to close all browser windows."})
}
