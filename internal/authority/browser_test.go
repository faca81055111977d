package authority

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/chromedp/chromedp"

	"github.com/ipps/ipps/internal/authority/mfa"
	"github.com/ipps/ipps/internal/authority/validate"
	"github.com/ipps/ipps/internal/storage"
	"github.com/ipps/ipps/internal/testbrowser"
)

// chromium starts headless Chromium, or skips (fails under IPPS_CI=1).
func chromium(t *testing.T) context.Context { return testbrowser.Start(t) }

// TestBrowserInteractiveTOTP runs MSAL's AcquireTokenInteractive (auth
// code + PKCE, loopback form_post) with the pages driven in Chromium:
// username, password, then a TOTP code computed from the user's secret.
func TestBrowserInteractiveTOTP(t *testing.T) {
	bctx := chromium(t)
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	drove := make(chan error, 1)
	open := func(u string) error {
		go func() {
			tctx, tcancel := context.WithTimeout(bctx, 60*time.Second)
			defer tcancel()
			drove <- chromedp.Do(tctx,
				chromedp.Navigate(u),
				chromedp.WaitVisible(chromedp.CSS("#username")),
				chromedp.SendKeys(chromedp.CSS("#username"), "bob@contoso.test"),
				chromedp.Click(chromedp.CSS("#next")),
				chromedp.WaitVisible(chromedp.CSS("#password")),
				chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
				chromedp.Click(chromedp.CSS("#signin")),
				chromedp.WaitVisible(chromedp.CSS("#otc")),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					code, err := mfa.TOTPCode(e.bobTOTP, e.clock.Now())
					if err != nil {
						return err
					}
					_, err = chromedp.SendKeys(chromedp.CSS("#otc"), code)(ctx, tg)
					return err
				}),
				chromedp.Click(chromedp.CSS("#verify")),
			)
		}()
		return nil
	}
	pc := e.publicClient(t, "contoso.test")
	res, err := pc.AcquireTokenInteractive(ctx, sccScopes, public.WithOpenURL(open))
	if err != nil {
		select {
		case derr := <-drove:
			t.Fatalf("interactive: %v (browser: %v)", err, derr)
		default:
			t.Fatalf("interactive: %v", err)
		}
	}
	if derr := <-drove; derr != nil && !errors.Is(derr, context.Canceled) {
		t.Fatalf("browser: %v", derr)
	}
	c, err := e.a.Validator().Validate(ctx, res.AccessToken, validate.Options{Tenant: e.tenant.ID, RequireMFA: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Upn != "bob@contoso.test" || strings.Join(c.Amr, ",") != "pwd,otp,mfa" {
		t.Fatalf("claims %+v", c)
	}
	if res.IDToken.PreferredUsername != "bob@contoso.test" {
		t.Fatalf("id token %+v", res.IDToken)
	}
}

// TestBrowserFederatedSignIn drives MSAL's interactive flow through home
// realm discovery to the crewjam/saml IdP, whose auto-posting form returns
// to /login.srf, and on to the loopback redirect.
func TestBrowserFederatedSignIn(t *testing.T) {
	bctx := chromium(t)
	e := newEnv(t, nil)
	idp := newTestIdP(t, e)
	idp.next = "dave@fabrikam.test"
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := e.a.AddFederatedDomain(ctx, e.tenant.ID, "fabrikam.test", storage.Federation{MetadataURL: idp.srv.URL + "/metadata"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.CreateUser(ctx, NewUser{TenantID: e.tenant.ID, UPN: "dave@fabrikam.test"}); err != nil {
		t.Fatal(err)
	}
	drove := make(chan error, 1)
	open := func(u string) error {
		go func() {
			tctx, tcancel := context.WithTimeout(bctx, 60*time.Second)
			defer tcancel()
			drove <- chromedp.Do(tctx,
				chromedp.Navigate(u),
				chromedp.WaitVisible(chromedp.CSS("#username")),
				chromedp.SendKeys(chromedp.CSS("#username"), "dave@fabrikam.test"),
				chromedp.Click(chromedp.CSS("#next")),
			)
		}()
		return nil
	}
	res, err := e.publicClient(t, "contoso.test").AcquireTokenInteractive(ctx, sccScopes, public.WithOpenURL(open))
	if err != nil {
		t.Fatalf("interactive: %v (browser: %v)", err, <-drove)
	}
	c, err := e.a.Validator().Validate(ctx, res.AccessToken, validate.Options{})
	if err != nil || c.Upn != "dave@fabrikam.test" || strings.Join(c.Amr, ",") != "fed" {
		t.Fatalf("%v %+v", err, c)
	}
}
