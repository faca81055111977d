package compliance

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/storage"
)

// Copies of a template are the objects the builders make, structure and
// serialization both, own every mutable part, and are rebuilt when the
// stored object's version, name or times change.
func TestOutTemplateCopies(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	o := storage.Object{TenantID: uuid.NewString(), Kind: KindPolicy, ID: uuid.NewString(), Name: "P<1>&", Version: 2, CreatedAt: now, ModifiedAt: now.Add(time.Hour)}
	b := policyBody{Comment: "c", Enabled: true, Applications: []string{"User:Exchange"}, Locations: map[string][]string{"ExchangeLocation": {"All"}, "ExchangeLocationException": {"a@x", "b@x"}},
		DistributionStatus: StatusSuccess, LastStatusUpdateTime: now, CreatedBy: "u@x"}
	s := &Service{}
	var slot templateSlot
	builds := 0
	get := func(o storage.Object) *clixml.Object {
		return slot.output(o, func() *clixml.Object { builds++; return s.policyObject(context.Background(), o, b, nil) })
	}
	first, second := get(o), get(o) // built for the caller, then kept
	third := get(o)
	if builds != 2 {
		t.Fatalf("built %d times for one version read three times", builds)
	}
	sameOutput(t, first, refPolicyObject(o, b, nil))
	sameOutput(t, second, refPolicyObject(o, b, nil))
	sameOutput(t, third, refPolicyObject(o, b, nil))
	l1, l2 := prop(first, "ExchangeLocationException").(*clixml.Object), prop(second, "ExchangeLocationException").(*clixml.Object)
	if l1 == l2 || &first.Extended[0] == &second.Extended[0] {
		t.Fatal("copies share a list or their properties")
	}
	l1.Items[0] = "changed"
	first.Extended[0].Value = "changed"
	sameOutput(t, get(o), refPolicyObject(o, b, nil))

	for _, change := range []func(*storage.Object){
		func(o *storage.Object) { o.Version++ },
		func(o *storage.Object) { o.Name = "renamed" },
		func(o *storage.Object) { o.ModifiedAt = o.ModifiedAt.Add(time.Nanosecond) },
	} {
		change(&o)
		n := builds
		for range 3 {
			sameOutput(t, get(o), refPolicyObject(o, b, nil))
		}
		if builds != n+2 {
			t.Fatalf("object %+v: %d builds for three reads, want 2", o, builds-n)
		}
	}

	tb := tagBody{RetentionAction: "Keep", RetentionDuration: "2555", ReviewerEmail: []string{"r@x"}}
	var tags templateSlot
	for range 3 {
		sameOutput(t, tags.output(o, func() *clixml.Object { return tagObject(o, tb) }), refTagObject(o, tb))
	}
}

// An object of another shape is returned as built and never kept.
func TestOutTemplateRefusesOtherShapes(t *testing.T) {
	nested := clixml.NewStringList("a")
	nested.Items = append(nested.Items, clixml.NewStringList("inner"))
	for _, obj := range []*clixml.Object{
		newOut(policyChain, "n", []clixml.Property{{Name: "L", Value: nested}}),
		newOut(policyChain, "n", []clixml.Property{{Name: "B", Value: []byte("x")}}),
		clixml.NewTypedObject(policyChain),
	} {
		var slot templateSlot
		for range 3 {
			if got := slot.output(storage.Object{}, func() *clixml.Object { return obj }); got != obj || slot.p.Load().obj != nil {
				t.Fatalf("%#v was templated", obj)
			}
		}
	}
}

// End to end, Get-RetentionCompliancePolicy and Get-ComplianceTag return
// the builders' objects before and after a change, from the template
// the third time a version is read.
func TestGetServesTemplates(t *testing.T) {
	e := newEnv(t, sqliteBackend())
	rs := e.open(e.scc, e.admin)
	ctx := context.Background()
	must(t, rs, "New-RetentionCompliancePolicy", A("", "P1"), A("ExchangeLocation", "All"))
	must(t, rs, "New-ComplianceTag", A("", "T1"), A("RetentionAction", "Keep"), A("RetentionDuration", int32(30)))
	check := func() {
		t.Helper()
		for range 3 {
			o, err := e.st.GetObjectByName(ctx, e.tenant, KindPolicy, "P1")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := decode[policyBody](o)
			sameOutput(t, must(t, rs, "Get-RetentionCompliancePolicy", A("", "P1"))[0].(*clixml.Object), refPolicyObject(o, b, nil))
			to, err := e.st.GetObjectByName(ctx, e.tenant, KindTag, "T1")
			if err != nil {
				t.Fatal(err)
			}
			tb, _ := decode[tagBody](to)
			sameOutput(t, must(t, rs, "Get-ComplianceTag")[0].(*clixml.Object), refTagObject(to, tb))
		}
	}
	check()
	must(t, rs, "Set-RetentionCompliancePolicy", A("", "P1"), A("Comment", "changed"))
	must(t, rs, "Set-ComplianceTag", A("", "T1"), A("Comment", "changed"))
	check()
	step(t, NewDistributor(e.st, DistributorConfig{}, testLogger(t)), 1)
	check()
}

// BenchmarkPolicyOutput compares building a policy's output object with
// copying its template (a Get of an unchanged policy), serialization
// included, as the server pays it.
//
//	go test ./internal/compliance -run '^$' -bench PolicyOutput -benchmem -count 5
func BenchmarkPolicyOutput(b *testing.B) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	o := storage.Object{TenantID: uuid.NewString(), Kind: KindPolicy, ID: uuid.NewString(), Name: "policy-00001", Version: 3, CreatedAt: now, ModifiedAt: now}
	body := policyBody{Enabled: true, DistributionStatus: StatusSuccess, Locations: map[string][]string{"ExchangeLocation": {"All"}},
		CreatedBy: "admin@contoso.com", LastModifiedBy: "admin@contoso.com"}
	s := &Service{}
	build := func() *clixml.Object { return s.policyObject(context.Background(), o, body, nil) }
	var slot templateSlot
	for _, bc := range []struct {
		name string
		get  func() *clixml.Object
	}{
		{"build", build},
		{"template", func() *clixml.Object { return slot.output(o, build) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := clixml.Marshal(bc.get()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"-only", func(b *testing.B) {
			for b.Loop() {
				bc.get()
			}
		})
	}
}
