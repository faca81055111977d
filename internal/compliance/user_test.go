package compliance

import (
	"strings"
	"testing"

	"github.com/ipps/ipps/internal/clixml"
)

func TestRecipients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.user("frank@contoso.com")
		rs := e.open(e.exo, e.admin)
		if got := names(must(t, rs, "Get-User")); len(got) != 2 {
			t.Errorf("users %v", got)
		}
		mb := must(t, rs, "Get-Mailbox", A("", "frank@contoso.com"))
		if propStr(mb[0], "Alias") != "frank" || propStr(mb[0], "PrimarySmtpAddress") != "frank@contoso.com" || !mb[0].(*clixml.Object).IsA(TypeMailbox) {
			t.Errorf("mailbox %v", mb)
		}
		if msg, _ := failText(t, rs, "Get-Mailbox", A("", "ghost")); msg != "The operation couldn't be performed because object 'ghost' couldn't be found on 'SRV01.IPPS.TEST'." {
			t.Errorf("ghost: %q", msg)
		}
		if got := names(must(t, rs, "Get-User", A("Anr", "fr"))); len(got) != 1 || got[0] != "frank" {
			t.Errorf("anr %v", got)
		}
		c, err := run(rs, "Get-User", A("ResultSize", int32(1)))
		if err != nil || len(c.objs) != 1 || len(c.warns) != 1 {
			t.Errorf("ResultSize 1: %d objs %v warns %v", len(c.objs), c.warns, err)
		}
		if msg, _ := failText(t, rs, "Get-User", A("Filter", "Name -gt 'x'")); !strings.HasPrefix(msg, "Invalid filter syntax.") {
			t.Errorf("bad filter %q", msg)
		}
		must(t, rs, "Set-User", A("", "frank"), A("DisplayName", "Frank F"))
		if got := must(t, rs, "Get-User", A("", "frank@contoso.com")); propStr(got[0], "DisplayName") != "Frank F" {
			t.Errorf("display name %v", got)
		}
	})
}
