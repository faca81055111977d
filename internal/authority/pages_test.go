package authority

import (
	"net/url"
	"strings"
	"testing"
)

func TestPagesEscapeAndCarryNoExternalAssets(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.get(authorizeQuery(url.Values{"login_hint": {`"><script>alert(1)</script>`}}))
	if strings.Contains(b.last, "<script>alert") || !strings.Contains(b.last, "&lt;script&gt;") {
		t.Fatalf("login_hint not escaped: %s", b.last)
	}
	for _, bad := range []string{"src=\"http", "href=\"http", "@import", "url("} {
		if strings.Contains(b.last, bad) {
			t.Fatalf("page references an external asset (%s)", bad)
		}
	}
	if !strings.Contains(b.last, `<label for="username">`) || !strings.Contains(b.last, `lang="en"`) {
		t.Fatal("form fields lack labels or language")
	}
	if b.resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatal("page may be framed")
	}
	if templateURL("javascript:alert(1)") != "" {
		t.Fatal("non-image URL marked safe")
	}
}
