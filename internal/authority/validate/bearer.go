package validate

import (
	"errors"
	"net/http"
	"strings"
)

// ErrNoToken is returned by BearerFromRequest when the request carries no
// usable credential.
var ErrNoToken = errors.New("validate: no bearer token")

// BearerFromRequest extracts the access token from either
// "Authorization: Bearer <jwt>" or the remote PowerShell form
// "Authorization: Basic base64(<upn>:Bearer <jwt>)" used with
// BasicAuthToOAuthConversion=true. user is the Basic user name (a UPN, or
// a placeholder such as "OAuthUser@<tid>" for app tokens), "" for Bearer.
func BearerFromRequest(r *http.Request) (token, user string, err error) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		token = strings.TrimSpace(rest)
	case strings.EqualFold(scheme, "Basic"):
		u, p, ok := r.BasicAuth()
		if !ok {
			return "", "", ErrNoToken
		}
		s, tok, _ := strings.Cut(p, " ")
		if !strings.EqualFold(s, "Bearer") {
			return "", "", ErrNoToken
		}
		token, user = strings.TrimSpace(tok), u
	}
	if token == "" || strings.Count(token, ".") != 2 {
		return "", "", ErrNoToken
	}
	return token, user, nil
}
