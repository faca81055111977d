package interop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/smnsjas/go-psrpcore/messages"
	"github.com/smnsjas/go-psrpcore/pipeline"
	"github.com/smnsjas/go-psrpcore/runspace"
	"github.com/smnsjas/go-psrpcore/serialization"

	"github.com/ipps/ipps/internal/authority"
	"github.com/ipps/ipps/internal/daemon"
)

// psResult is what one go-psrpcore pipeline produced, deserialized by go-psrpcore.
type psResult struct {
	Output []any
	Errors []any
	Err    error
}

func decode(t *testing.T, m *messages.Message) []any {
	t.Helper()
	objs, err := serialization.NewDeserializer().Deserialize(m.Data)
	if err != nil {
		t.Errorf("go-psrpcore cannot deserialize message %v: %v\n%s", m.Type, err, m.Data)
	}
	return objs
}

func invokePS(t *testing.T, pool *runspace.Pool, build func(*pipeline.Pipeline)) psResult {
	t.Helper()
	pl, err := pool.CreatePipelineBuilder()
	if err != nil {
		t.Fatalf("CreatePipelineBuilder: %v", err)
	}
	build(pl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var res psResult
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for m := range pl.Output() {
			res.Output = append(res.Output, decode(t, m)...)
		}
	}()
	go func() {
		defer wg.Done()
		for m := range pl.Error() {
			res.Errors = append(res.Errors, decode(t, m)...)
		}
	}()
	if err := pl.Invoke(ctx); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	select {
	case <-pl.Done():
	case <-ctx.Done():
		t.Fatalf("pipeline never finished (state %v)", pl.State())
	}
	wg.Wait()
	res.Err = pl.Wait()
	return res
}

func prop(v any, name string) any {
	o, ok := v.(*serialization.PSObject)
	if !ok {
		return nil
	}
	for _, m := range []map[string]any{o.Properties, o.Members} {
		for k, x := range m {
			if strings.EqualFold(k, name) {
				return x
			}
		}
	}
	return nil
}

func describe(v any) string {
	o, ok := v.(*serialization.PSObject)
	if !ok {
		return fmt.Sprintf("%T %v", v, v)
	}
	return fmt.Sprintf("PSObject%v ToString=%q props=%v", o.TypeNames, o.ToString, o.Properties)
}

// TestPSRPCoreAgainstIppsd drives ippsd's /powershell-liveid with the
// independent PSRP implementation github.com/smnsjas/go-psrpcore.
func TestPSRPCoreAgainstIppsd(t *testing.T) {
	s := startServer(t)
	upn, password := tenantAdmin(t, s)
	tok := s.PasswordToken(t, upn, password, authority.ResourceCompliance)
	ctx := context.Background()

	// A wrong token is refused with HTTP 401 before any shell exists.
	bad := newWSConn(t, s.Client, s.URL+daemon.CompliancePath+"?BasicAuthToOAuthConversion=true", upn, "Bearer not-a-token")
	if err := bad.create(ctx, strings.ToUpper(uuid.NewString()), []byte{}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: want HTTP 401, got %v", err)
	}

	conn := newWSConn(t, s.Client, s.URL+daemon.CompliancePath+"?BasicAuthToOAuthConversion=true", upn, "Bearer "+tok)
	pool := runspace.New(conn, uuid.New())
	handshake, err := pool.GetHandshakeFragments()
	if err != nil {
		t.Fatal(err)
	}
	shellID := strings.ToUpper(pool.ID().String())
	if err := conn.create(ctx, shellID, handshake); err != nil {
		t.Fatalf("WS-Man Create: %v", err)
	}
	if conn.ShellID != shellID {
		t.Errorf("server did not adopt the proposed ShellId: %s != %s", conn.ShellID, shellID)
	}
	octx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := pool.Open(octx); err != nil {
		t.Fatalf("go-psrpcore Open: %v (pool messages seen %x)", err, conn.PoolMessages)
	}
	t.Logf("pool opened; pool-level messages %x", conn.PoolMessages)

	// Named arguments.
	res := invokePS(t, pool, func(p *pipeline.Pipeline) {
		p.AddCommand("New-RetentionCompliancePolicy", false).AddParameter("Name", "Interop").AddParameter("ExchangeLocation", "All")
	})
	if res.Err != nil || len(res.Errors) > 0 || len(res.Output) != 1 {
		t.Errorf("New-RetentionCompliancePolicy: out=%d errs=%v err=%v", len(res.Output), res.Errors, res.Err)
	} else if name := prop(res.Output[0], "Name"); name != "Interop" {
		t.Errorf("New-RetentionCompliancePolicy output Name = %#v (%s)", name, describe(res.Output[0]))
	}

	// A switch (bool value) plus no-argument read.
	res = invokePS(t, pool, func(p *pipeline.Pipeline) {
		p.AddCommand("Get-RetentionCompliancePolicy", false).AddParameter("DistributionDetail", true)
	})
	if res.Err != nil || len(res.Errors) > 0 || len(res.Output) != 1 {
		t.Errorf("Get-RetentionCompliancePolicy -DistributionDetail: out=%d errs=%v err=%v", len(res.Output), res.Errors, res.Err)
	} else {
		o := res.Output[0]
		if prop(o, "Name") != "Interop" {
			t.Errorf("policy: %s", describe(o))
		}
		if ps, ok := o.(*serialization.PSObject); ok {
			t.Logf("Get-RetentionCompliancePolicy TypeNames %v, %d properties", ps.TypeNames, len(ps.Properties)+len(ps.Members))
		}
	}

	res = invokePS(t, pool, func(p *pipeline.Pipeline) { p.AddCommand("Get-ComplianceTag", false) })
	if res.Err != nil || len(res.Errors) > 0 {
		t.Errorf("Get-ComplianceTag: errs=%v err=%v", res.Errors, res.Err)
	}

	// Unknown command: CommandNotFoundException, either as an error record
	// or as the pipeline's failure reason.
	res = invokePS(t, pool, func(p *pipeline.Pipeline) { p.AddCommand("Get-NoSuchCmdlet", false) })
	text := fmt.Sprint(res.Err)
	for _, e := range res.Errors {
		text += " " + describe(e)
	}
	if !strings.Contains(text, "Get-NoSuchCmdlet") || !strings.Contains(text, "is not recognized as the name of a cmdlet") {
		t.Errorf("unknown command: want CommandNotFoundException text, got err=%v errs=%d: %s", res.Err, len(res.Errors), text)
	}
	t.Logf("unknown command → err=%v, %d error records", res.Err, len(res.Errors))

	// Command metadata (Import-PSSession's discovery).
	mctx, mcancel := context.WithTimeout(ctx, 5*time.Second)
	meta, err := pool.GetCommandMetadata(mctx, []string{"Get-RetentionCompliancePolicy"})
	mcancel()
	if err != nil {
		// go-psrpcore bug, not ippsd: it sends GET_COMMAND_METADATA with
		// PipelineId = Nil and never routes GET_COMMAND_METADATA_REPLY to the
		// waiting caller (metadataCh is only written by its unit tests).
		if errors.Is(err, context.DeadlineExceeded) {
			t.Logf("KNOWN go-psrpcore bug: GetCommandMetadata: %v", err)
			checkMetadataReply(t, conn)
		} else {
			t.Errorf("GetCommandMetadata: %v", err)
		}
	} else {
		t.Logf("metadata: %d commands", len(meta))
	}

	// Close: go-psrpcore sends RUNSPACEPOOL_STATE(Closed) then waits 100 ms;
	// over WS-Man the real close is Delete.
	if err := pool.Close(ctx); err != nil {
		t.Errorf("go-psrpcore Close: %v", err)
	}
	conn.mu.Lock()
	t.Logf("after go-psrpcore Close: pool state %v, pool-level messages %x", pool.State(), conn.PoolMessages)
	conn.mu.Unlock()
	if err := conn.Delete(ctx); err != nil {
		t.Errorf("WS-Man Delete: %v", err)
	}
	for _, e := range conn.Errors() {
		t.Errorf("transport error: %v", e)
	}
	if len(conn.RelatesToBad) > 0 {
		t.Errorf("a:RelatesTo did not echo the request MessageID: %v", conn.RelatesToBad)
	}
}

// checkMetadataReply decodes, with go-psrpcore's own deserializer, what ippsd
// answered to the GET_COMMAND_METADATA that go-psrpcore itself dropped.
func checkMetadataReply(t *testing.T, conn *wsConn) {
	t.Helper()
	conn.mu.Lock()
	defer conn.mu.Unlock()
	for id, msgs := range conn.CmdDecoded {
		if len(msgs) < 3 || msgs[0].Type != messages.MessageTypePipelineOutput || len(conn.CmdDecoded[id]) < 3 {
			continue
		}
		first := decode(t, msgs[0])
		if len(first) != 1 || prop(first[0], "Count") == nil {
			continue // an ordinary pipeline
		}
		var names []string
		for _, m := range msgs[1:] {
			if m.Type != messages.MessageTypePipelineOutput {
				continue
			}
			for _, o := range decode(t, m) {
				names = append(names, fmt.Sprint(prop(o, "Name")))
			}
		}
		last := msgs[len(msgs)-1]
		t.Logf("ippsd metadata reply on CommandId %s (reply PID %s): count=%v, %d commands %v, last message %v",
			id, last.PipelineID, prop(first[0], "Count"), len(names), names, last.Type)
		if fmt.Sprint(prop(first[0], "Count")) != fmt.Sprint(len(names)) {
			t.Errorf("metadata count %v != %d commands", prop(first[0], "Count"), len(names))
		}
		return
	}
	t.Errorf("no metadata reply observed: %v", conn.CmdMessages)
}
