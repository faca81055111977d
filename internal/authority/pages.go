package authority

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// page is the data of every sign-in page. Error and Info are user-facing,
// generic texts; details go to the log.
type page struct {
	Title    string
	Step     string
	CSRF     string
	Error    string
	Info     string
	AppName  string
	UPN      string
	HasTOTP  bool
	HasSMS   bool
	SMSSent  bool
	Phone    string
	QR       template.URL
	Secret   string
	Codes    []string
	Action   string
	Params   map[string]string
	Nonce    string
	Canceled bool
}

var pageTemplates = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 16px}
label{display:block;margin:12px 0 4px;font-weight:600}
input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:1rem;border:1px solid #666}
input:focus,button:focus{outline:3px solid #0067b8;outline-offset:2px}
button{margin-top:20px;padding:8px 24px;font-size:1rem;background:#0067b8;color:#fff;border:0;cursor:pointer}
button.secondary{background:#ccc;color:#000}
.error{color:#a4262c;border-left:4px solid #a4262c;padding-left:8px}
.info{border-left:4px solid #0067b8;padding-left:8px}
.codes{font-family:monospace;font-size:1.1rem;columns:2}
fieldset{border:0;padding:0;margin:16px 0}
</style></head>
<body><main>
<h1 id="title">{{.Title}}</h1>
{{if .AppName}}<p>Sign in to continue to <strong>{{.AppName}}</strong>.</p>{{end}}
{{if .Error}}<p class="error" role="alert" id="error">{{.Error}}</p>{{end}}
{{if .Info}}<p class="info" role="status" id="info">{{.Info}}</p>{{end}}
{{block "body" .}}{{end}}
</main></body></html>`))

// mustPage returns the layout with its "body" block defined by body.
func mustPage(body string) *template.Template {
	t := template.Must(pageTemplates.Clone())
	template.Must(t.New("body").Parse(body))
	return t
}

var (
	tplUsername = mustPage(`<form method="post" action="/login/username">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="username">Email, phone, or Skype</label>
<input type="email" id="username" name="username" autocomplete="username" value="{{.UPN}}" required autofocus>
<button type="submit" id="next">Next</button></form>`)
	tplPassword = mustPage(`<p>{{.UPN}}</p><form method="post" action="/login/password">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required autofocus>
<button type="submit" id="signin">Sign in</button></form>`)
	tplMFA = mustPage(`<p>{{.UPN}}</p>
{{if .HasTOTP}}<form method="post" action="/login/mfa">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="method" value="totp">
<label for="otc">Enter the code displayed in your authenticator app</label>
<input type="text" id="otc" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autofocus>
<button type="submit" id="verify">Verify</button></form>{{end}}
{{if .HasSMS}}<form method="post" action="/login/sms">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" class="secondary" id="sendsms">Text a code to {{.Phone}}</button></form>
{{if .SMSSent}}<form method="post" action="/login/mfa">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="method" value="sms">
<label for="smscode">Enter the code we texted you</label>
<input type="text" id="smscode" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit" id="verifysms">Verify</button></form>{{end}}{{end}}
<details><summary>Use a recovery code</summary><form method="post" action="/login/mfa">
<input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="method" value="recovery">
<label for="recovery">Recovery code</label><input type="text" id="recovery" name="code" autocomplete="off" required>
<button type="submit" id="userecovery">Verify</button></form></details>`)
	tplEnrol = mustPage(`<p>Your organization requires more information to keep your account secure.</p>
<p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
<img src="{{.QR}}" width="256" height="256" alt="QR code for your authenticator app. If you cannot scan it, enter the secret key shown below.">
<p>Secret key: <code id="secret">{{.Secret}}</code></p>
<form method="post" action="/login/enrol"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="otc">Code</label>
<input type="text" id="otc" name="code" inputmode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autofocus>
<button type="submit" id="verify">Verify</button></form>`)
	tplRecovery = mustPage(`<p>Save these recovery codes somewhere safe. Each can be used once if you lose your authenticator. They will not be shown again.</p>
<ul class="codes" id="codes">{{range .Codes}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="/login/recovery"><input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" id="continue">I have saved my codes</button></form>`)
	tplDeviceCode = mustPage(`<p>Enter the code displayed on your app or device.</p>
<form method="post" action="/devicelogin"><input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="otc">Code</label>
<input type="text" id="otc" name="otc" autocomplete="off" autocapitalize="characters" required autofocus>
<button type="submit" id="next">Next</button></form>`)
	tplMessage  = mustPage(``)
	tplFormPost = template.Must(template.New("formpost").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Working...</title></head>
<body><form method="post" action="{{.Action}}">{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<noscript><p>Script is disabled. Click Submit to continue.</p><button type="submit">Submit</button></noscript></form>
<script nonce="{{.Nonce}}">document.forms[0].submit();</script></body></html>`))
)

const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"

func (a *Authority) render(w http.ResponseWriter, status int, t *template.Template, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(status)
	if err := t.Execute(w, p); err != nil {
		a.log.Error("render page", "err", err)
	}
}

// renderError shows an error page (never a redirect) with the AADSTS code
// and the generic description.
func (a *Authority) renderError(w http.ResponseWriter, r *http.Request, status int, oe *OAuthError) {
	a.log.InfoContext(r.Context(), "error page", "path", r.URL.Path, "error", oe.Code, "aadsts", oe.AADSTS)
	a.render(w, status, tplMessage, page{Title: "Sorry, but we're having trouble signing you in.", Error: oe.redirectDescription()})
}

func (a *Authority) renderFormPost(w http.ResponseWriter, action string, params url.Values) {
	nb := make([]byte, 16)
	_, _ = rand.Read(nb)
	nonce := base64.StdEncoding.EncodeToString(nb)
	p := page{Action: action, Params: map[string]string{}, Nonce: nonce}
	for k := range params {
		p.Params[k] = params.Get(k)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(http.StatusOK)
	_ = tplFormPost.Execute(w, p)
}

// templateURL marks a data: URI we generated ourselves as safe for src.
func templateURL(s string) template.URL {
	if !strings.HasPrefix(s, "data:image/png;base64,") {
		return ""
	}
	return template.URL(s)
}
