package authority

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/ipps/ipps/internal/authority/tokens"
	"github.com/ipps/ipps/internal/storage"
)

// matchRedirectURI reports whether requested is one of the registered
// URIs. Loopback URIs (http://localhost, http://127.0.0.1, http://[::1])
// match regardless of port, as RFC 8252 §7.3 asks; everything else must
// match exactly. Userinfo and fragments are never accepted.
func matchRedirectURI(registered []string, requested string) bool {
	if requested == "" || len(requested) > 2048 {
		return false
	}
	ru, err := url.Parse(requested)
	if err != nil || ru.User != nil || ru.Fragment != "" || strings.Contains(requested, "#") {
		return false
	}
	for _, reg := range registered {
		if reg == requested {
			return true
		}
		gu, err := url.Parse(reg)
		if err != nil || ru.Scheme != "http" || gu.Scheme != "http" || !isLoopback(gu.Hostname()) {
			continue
		}
		if ru.Hostname() != gu.Hostname() || ru.RawQuery != gu.RawQuery {
			continue
		}
		if strings.TrimSuffix(ru.EscapedPath(), "/") == strings.TrimSuffix(gu.EscapedPath(), "/") {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// handleAuthorize validates an authorization request and starts a sign-in
// transaction. Unknown clients and unregistered redirect URIs get an
// error page and are never redirected to; later errors are returned to
// the (now trusted) redirect URI.
func (a *Authority) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	t, err := a.resolveTenant(r.Context(), r.PathValue("tenant"))
	if err != nil {
		a.renderError(w, r, http.StatusBadRequest, errUnknownTenant(r.PathValue("tenant")))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		a.renderError(w, r, http.StatusBadRequest, errRequest("The request could not be parsed."))
		return
	}
	form, oe := flattenForm(r.Form)
	if oe != nil {
		a.renderError(w, r, http.StatusBadRequest, oe)
		return
	}
	app, oe := a.client(r.Context(), form["client_id"], t)
	if oe != nil {
		a.renderError(w, r, http.StatusBadRequest, oe)
		return
	}
	redirect := form["redirect_uri"]
	if redirect == "" && len(app.RedirectURIs) == 1 {
		redirect = app.RedirectURIs[0]
	}
	if !matchRedirectURI(app.RedirectURIs, redirect) {
		a.log.InfoContext(r.Context(), "authorize: redirect uri not registered", "client_id", app.ClientID, "redirect_uri", redirect)
		a.renderError(w, r, http.StatusBadRequest, oerr("invalid_request", 50011,
			"The redirect URI specified in the request does not match the redirect URIs configured for the application."))
		return
	}
	s := signIn{
		Tenant: t, ClientID: app.ClientID, AppName: app.DisplayName, RedirectURI: redirect,
		State: form["state"], Nonce: form["nonce"], ResponseMode: form["response_mode"],
		CodeChallenge: form["code_challenge"], CodeChallengeMethod: form["code_challenge_method"],
		LoginHint: form["login_hint"], Step: stepUsername,
	}
	fail := func(oe *OAuthError) { a.redirectError(w, r, s, oe) }
	switch s.ResponseMode {
	case "":
		s.ResponseMode = "query"
	case "query", "form_post":
	default:
		s.ResponseMode = "query"
		fail(errRequest("The response_mode must be 'query' or 'form_post'."))
		return
	}
	if form["response_type"] != "code" {
		fail(oerr("unsupported_response_type", 700054, "The response_type must be 'code'."))
		return
	}
	if app.Public || s.CodeChallenge != "" {
		if s.CodeChallenge == "" {
			fail(errRequest("Proof Key for Code Exchange is required: code_challenge is missing."))
			return
		}
		if s.CodeChallengeMethod != "S256" || len(s.CodeChallenge) < 43 || len(s.CodeChallenge) > 128 {
			fail(errRequest("The code_challenge_method must be 'S256' with a valid code_challenge."))
			return
		}
	}
	v1 := !strings.Contains(r.URL.Path, "/v2.0/")
	if v1 {
		s.Resource = strings.TrimSuffix(form["resource"], "/")
		s.Scopes = strings.Fields(form["scope"])
	} else {
		s.Scopes = strings.Fields(form["scope"])
		s.Resource, _ = tokens.ResourceFromScopes(s.Scopes, a.cfg.DefaultScope)
	}
	if s.Resource != "" && !a.knownResource(s.Resource) {
		fail(errScope())
		return
	}
	switch form["prompt"] {
	case "", "login", "select_account", "consent":
	case "none":
		fail(oerr("login_required", 50058, "A silent sign-in request was sent but no user is signed in."))
		return
	default:
		fail(errRequest("Invalid value for the 'prompt' parameter."))
		return
	}
	if s.LoginHint != "" {
		s.UPN = s.LoginHint
	}
	if dh := form["domain_hint"]; dh != "" && s.UPN == "" {
		s.UPN = "@" + strings.ToLower(dh)
	}
	s.Expires = a.cfg.Now().Add(a.cfg.SignInLifetime)
	s, ok := a.sessions.create(r.Context(), s, a.cfg.Now())
	if !ok {
		a.render(w, http.StatusServiceUnavailable, tplMessage, page{Title: "Sign in", Error: msgError})
		return
	}
	setSessionCookie(w, s)
	// domain_hint naming a federated domain skips home-realm discovery.
	if dh := strings.ToLower(form["domain_hint"]); dh != "" && s.LoginHint == "" {
		if d, err := a.store.GetDomain(r.Context(), dh); err == nil && d.Kind == storage.DomainFederated {
			a.startFederation(w, r, s, "", d)
			return
		}
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// redirectError returns an error to the client's validated redirect URI in
// its response mode.
func (a *Authority) redirectError(w http.ResponseWriter, r *http.Request, s signIn, oe *OAuthError) {
	a.log.InfoContext(r.Context(), "authorize error", "client_id", s.ClientID, "error", oe.Code, "aadsts", oe.AADSTS)
	a.respondToClient(w, r, s, url.Values{
		"error":             {oe.Code},
		"error_description": {oe.redirectDescription()},
		"state":             {s.State},
	})
}

// respondToClient delivers params to s.RedirectURI by 303 redirect (query)
// or an auto-submitting form (form_post).
func (a *Authority) respondToClient(w http.ResponseWriter, r *http.Request, s signIn, params url.Values) {
	if params.Get("state") == "" {
		params.Del("state")
	}
	if s.ResponseMode == "form_post" {
		a.renderFormPost(w, s.RedirectURI, params)
		return
	}
	u, _ := url.Parse(s.RedirectURI)
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
