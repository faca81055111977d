package authority

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// OAuthError is a protocol error returned as a value by grant handlers and
// written in Entra's JSON shape. Description is user-facing and generic;
// details belong in the log.
type OAuthError struct {
	Code        string // "invalid_grant", "interaction_required", ...
	AADSTS      int    // 50076, 50126, ...
	Description string
	SubError    string
	Status      int // HTTP status; 0 means 400
}

func (e *OAuthError) Error() string {
	return fmt.Sprintf("authority: %s AADSTS%d: %s", e.Code, e.AADSTS, e.Description)
}

func oerr(code string, aadsts int, desc string) *OAuthError {
	return &OAuthError{Code: code, AADSTS: aadsts, Description: desc}
}

// Errors used by the endpoints, with the codes of the reference table.
var (
	errMFARequired = func() *OAuthError {
		e := oerr("interaction_required", 50076, "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.")
		e.SubError = "basic_action"
		return e
	}
	errMFAEnrollment = func() *OAuthError {
		e := oerr("interaction_required", 50079, "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource.")
		e.SubError = "basic_action"
		return e
	}
	errBadCredentials = func() *OAuthError {
		return oerr("invalid_grant", 50126, "Error validating credentials due to invalid username or password.")
	}
	errLocked = func() *OAuthError {
		return oerr("invalid_grant", 50053, "Your account is locked because you've tried to sign in too many times with an incorrect user ID or password.")
	}
	errDisabled = func() *OAuthError { return oerr("invalid_grant", 50057, "The user account is disabled.") }
	errPending  = func() *OAuthError {
		return oerr("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	}
	errDeviceExpired = func() *OAuthError { return oerr("expired_token", 70019, "Verification code expired.") }
	errDeviceBad     = func() *OAuthError {
		return oerr("bad_verification_code", 70018, "Invalid verification code was entered.")
	}
	errDeviceDeclined = func() *OAuthError {
		return oerr("authorization_declined", 70018, "The end user declined the authorization request.")
	}
	errBadGrant = func() *OAuthError {
		e := oerr("invalid_grant", 70000, "The provided value for the input parameter 'grant' is not valid.")
		e.SubError = "bad_token"
		return e
	}
	errRevokedGrant = func() *OAuthError {
		e := oerr("invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity or was revoked.")
		e.SubError = "bad_token"
		return e
	}
	errCodeRedeemed = func() *OAuthError {
		return oerr("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
	}
	errPKCE = func() *OAuthError {
		return oerr("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
	}
	errUnknownClient = func(id string) *OAuthError {
		return oerr("unauthorized_client", 700016, "Application with identifier '"+id+"' was not found in the directory.")
	}
	errBadSecret = func() *OAuthError {
		return oerr("invalid_client", 70002, "Error validating credentials. Invalid client secret provided.")
	}
	errBadAssertion = func() *OAuthError {
		return oerr("invalid_client", 700027, "Client assertion failed signature validation.")
	}
	errGrantType = func() *OAuthError {
		return oerr("unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
	}
	errMissing = func(p string) *OAuthError {
		return oerr("invalid_request", 900144, "The request body must contain the following parameter: '"+p+"'.")
	}
	errNoTenant = func() *OAuthError {
		return oerr("invalid_request", 50059, "No tenant-identifying information found in either the request or implied by any provided credentials.")
	}
	errUnknownTenant = func(t string) *OAuthError {
		return oerr("invalid_tenant", 90002, "Tenant '"+t+"' not found.")
	}
	errScope = func() *OAuthError {
		return oerr("invalid_resource", 500011, "The resource principal was not found in the tenant.")
	}
	errRequest = func(desc string) *OAuthError { return oerr("invalid_request", 90014, desc) }
)

type errorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
	SubError         string `json:"suberror,omitempty"`
}

// writeOAuthError writes e as Entra does: status 400 (or e.Status), JSON
// with an "AADSTSnnnnn: ..." description carrying trace and correlation
// ids. It never sets Retry-After.
func (a *Authority) writeOAuthError(w http.ResponseWriter, r *http.Request, e *OAuthError) {
	now := a.cfg.Now().UTC()
	trace := uuid.NewString()
	corr := r.Header.Get("client-request-id")
	if _, err := uuid.Parse(corr); err != nil {
		corr = uuid.NewString()
	}
	ts := now.Format("2006-01-02 15:04:05Z")
	body := errorBody{
		Error:            e.Code,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", e.AADSTS, e.Description, trace, corr, ts),
		ErrorCodes:       []int{e.AADSTS},
		Timestamp:        ts,
		TraceID:          trace,
		CorrelationID:    corr,
		ErrorURI:         fmt.Sprintf("%s/error?code=%d", a.cfg.BaseURL, e.AADSTS),
		SubError:         e.SubError,
	}
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
		if e.Code == "invalid_client" {
			status = http.StatusUnauthorized
		}
	}
	a.log.InfoContext(r.Context(), "oauth error", "path", r.URL.Path, "error", e.Code, "aadsts", e.AADSTS, "trace_id", trace, "correlation_id", corr)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// formErrorCode maps an OAuthError to the short error code used on redirects.
func (e *OAuthError) redirectDescription() string {
	return fmt.Sprintf("AADSTS%d: %s", e.AADSTS, strings.TrimSpace(e.Description))
}
