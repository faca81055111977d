package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipps/ipps/internal/audit"
	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/runspace"
	"github.com/ipps/ipps/internal/storage"
)

func auditCount(t *testing.T, st storage.AuditStore, tenant, op string) int {
	t.Helper()
	recs, _, err := st.SearchAudit(context.Background(), storage.AuditQuery{TenantID: tenant, Operations: []string{op}, Page: storage.Page{Size: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestAuditBeforeOutput: the record of an invocation is durable before the
// client sees any output, and survives reopening the database.
func TestAuditBeforeOutput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		rs := e.open(e.scc, e.admin)
		for _, cmd := range []struct {
			name string
			args []runspace.Arg
		}{
			{"New-RetentionCompliancePolicy", []runspace.Arg{A("", "Audited"), A("SharePointLocation", "All")}},
			{"Get-RetentionCompliancePolicy", nil},
		} {
			checked := false
			c := &capture{onWrite: func(clixml.Value) error {
				if !checked && auditCount(t, e.st, e.tenant, cmd.name) == 0 {
					t.Errorf("%s: output written before its audit record", cmd.name)
				}
				checked = true
				return nil
			}}
			if err := rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{{Name: cmd.name, Args: cmd.args}}}, c); err != nil {
				t.Fatal(err)
			}
			if !checked {
				t.Fatalf("%s wrote nothing", cmd.name)
			}
		}
		// Failures are audited with their error text.
		failText(t, rs, "Remove-RetentionCompliancePolicy", A("", "nope"), noConfirm())
		// Close every handle, then read the log from a fresh one.
		rs.Close(context.Background())
		e.st.Close()
		st2 := e.reopen()
		recs, _, err := st2.SearchAudit(context.Background(), storage.AuditQuery{TenantID: e.tenant, Page: storage.Page{Size: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var sawFail bool
		for _, r := range recs {
			if r.Cmdlet == "Remove-RetentionCompliancePolicy" && !r.Succeeded && strings.Contains(r.Error, "couldn't be found") {
				sawFail = true
			}
			if r.Cmdlet == "New-RetentionCompliancePolicy" {
				var params map[string]any
				json.Unmarshal(r.Parameters, &params)
				if params["Name"] != "Audited" || r.UPN != "admin@contoso.com" || r.ClientAddr != "192.0.2.7" || r.SessionID == "" || !r.Succeeded {
					t.Errorf("record %+v params %v", r, params)
				}
			}
		}
		if !sawFail {
			t.Errorf("failed Remove not audited: %+v", recs)
		}
	})
}

// failingAudit is a store whose audit log refuses writes.
type failingAudit struct{ storage.Storage }

func (failingAudit) AppendAudit(context.Context, storage.AuditRecord) error {
	return errors.New("disk full")
}

// Tx runs fn in a real transaction whose audit appends fail, so the
// broker's group commit meets the failure and rolls everything back.
func (f failingAudit) Tx(ctx context.Context, fn func(context.Context, storage.Storage) error) error {
	return f.Storage.Tx(ctx, func(ctx context.Context, tx storage.Storage) error { return fn(ctx, failingAudit{tx}) })
}

func TestAuditFailsClosed(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	broker, err := audit.NewBroker(failingAudit{e.st}, audit.Config{HMACKey: []byte("0123456789abcdef0123")}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProvider(Config{Endpoint: SecurityCompliance, ReplicaID: "r9", Server: "SRV01"}, e.st, broker, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	rs := e.open(p, e.admin)
	before, err := e.st.CountObjects(context.Background(), e.admin.TenantID, KindPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []runspace.Command{
		{Name: "Get-RetentionCompliancePolicy"},
		{Name: "New-RetentionCompliancePolicy", Args: []runspace.Arg{A("", "P"), A("SharePointLocation", "All")}},
		{Name: "Get-Nothing"},
	} {
		c := &capture{}
		err := rs.Invoke(context.Background(), &runspace.Pipeline{Commands: []runspace.Command{cmd}}, c)
		_, id := recOf(t, err)
		if id != "AuditRecordNotWritten,"+cmd.Name || len(c.objs) != 0 {
			t.Errorf("%s: id %q, %d objects", cmd.Name, id, len(c.objs))
		}
	}
	// The refused New changed nothing: a call that failed never took
	// effect.
	if after, err := e.st.CountObjects(context.Background(), e.admin.TenantID, KindPolicy); err != nil || after != before {
		t.Fatalf("policies %d → %d (%v): the New whose audit record failed was stored", before, after, err)
	}
}

func TestSearchUnifiedAuditLog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		scc := e.open(e.scc, e.admin)
		for i := range 5 {
			must(t, scc, "New-RetentionCompliancePolicy", A("", fmt.Sprintf("P%d", i)), A("SharePointLocation", "All"))
		}
		exo := e.open(e.exo, e.admin)
		start := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05")
		end := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05")
		got := must(t, exo, "Search-UnifiedAuditLog", A("StartDate", start), A("EndDate", end), A("Operations", "New-RetentionCompliancePolicy"))
		if len(got) != 5 {
			t.Fatalf("got %d records", len(got))
		}
		if propStr(got[0], "Operations") != "New-RetentionCompliancePolicy" || propStr(got[0], "UserIds") != "admin@contoso.com" || prop(got[0], "ResultCount") != int32(5) || prop(got[0], "ResultIndex") != int32(1) {
			t.Errorf("record shape: %v %v", prop(got[0], "ResultIndex"), prop(got[0], "ResultCount"))
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(propStr(got[0], "AuditData")), &data); err != nil || data["Operation"] != "New-RetentionCompliancePolicy" || data["ResultStatus"] != "true" {
			t.Errorf("AuditData %v %v", data, err)
		}
		// Paging with one SessionId.
		var idx []int32
		for page := 0; page < 5; page++ {
			objs := must(t, exo, "Search-UnifiedAuditLog", A("StartDate", start), A("EndDate", end), A("Operations", "New-RetentionCompliancePolicy"),
				A("SessionId", "s1"), A("SessionCommand", "ReturnLargeSet"), A("ResultSize", int32(2)))
			for _, o := range objs {
				idx = append(idx, prop(o, "ResultIndex").(int32))
			}
		}
		if fmt.Sprint(idx) != "[1 2 3 4 5]" {
			t.Errorf("paged indexes %v", idx)
		}
		for _, f := range []struct {
			arg  runspace.Arg
			want int
		}{
			{A("ObjectIds", "P1"), 1}, {A("FreeText", "p3"), 1}, {A("IPAddresses", "192.0.2.7"), 5},
			{A("IPAddresses", "10.0.0.1"), 0}, {A("RecordType", "SharePoint"), 0}, {A("RecordType", "ExchangeAdmin"), 5},
		} {
			got := must(t, exo, "Search-UnifiedAuditLog", A("StartDate", start), A("EndDate", end), A("Operations", "New-RetentionCompliancePolicy"), f.arg)
			if len(got) != f.want {
				t.Errorf("%s %v: %d records, want %d", f.arg.Name, f.arg.Value, len(got), f.want)
			}
		}
		// Filtered paging keeps its place inside storage pages.
		idx = nil
		var objIDs []string
		for page := 0; page < 4; page++ {
			for _, o := range must(t, exo, "Search-UnifiedAuditLog", A("StartDate", start), A("EndDate", end), A("FreeText", "retention"),
				A("Operations", "New-RetentionCompliancePolicy"), A("SessionId", "s2"), A("SessionCommand", "ReturnNextPreviewPage"), A("ResultSize", int32(2))) {
				idx = append(idx, prop(o, "ResultIndex").(int32))
				objIDs = append(objIDs, propStr(o, "Identity"))
			}
		}
		slices.Sort(objIDs)
		if fmt.Sprint(idx) != "[1 2 3 4 5]" || len(slices.Compact(objIDs)) != 5 {
			t.Errorf("filtered paging %v", idx)
		}
		if msg, _ := failText(t, exo, "Search-UnifiedAuditLog", A("EndDate", end)); msg != "Cannot process command because of one or more missing mandatory parameters: StartDate." {
			t.Errorf("missing StartDate: %q", msg)
		}
		if msg, _ := failText(t, exo, "Search-UnifiedAuditLog", A("StartDate", start), A("EndDate", end), A("ResultSize", int32(5001))); !strings.Contains(msg, "greater than the maximum allowed range of 5000") {
			t.Errorf("ResultSize: %q", msg)
		}
		adm := must(t, exo, "Search-AdminAuditLog", A("Cmdlets", "New-RetentionCompliancePolicy"), A("ResultSize", int32(3)))
		if len(adm) != 3 || propStr(adm[0], "CmdletName") != "New-RetentionCompliancePolicy" || prop(adm[0], "Succeeded") != true {
			t.Errorf("admin audit: %d", len(adm))
		}
		for _, o := range must(t, exo, "Search-AdminAuditLog") {
			if n := propStr(o, "CmdletName"); strings.HasPrefix(n, "Get-") || strings.HasPrefix(n, "Search-") {
				t.Errorf("admin audit log lists read-only %s", n)
			}
		}
	})
}
