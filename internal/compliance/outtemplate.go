package compliance

import (
	"slices"
	"sync/atomic"

	"github.com/ipps/ipps/internal/clixml"
	"github.com/ipps/ipps/internal/storage"
)

// A Get cmdlet that returns an unchanged object again would build the
// same output object again: box every string and time, parse the GUID,
// format the DistinguishedName. An outTemplate keeps that object, built
// once per version of the stored object that is read more than once, and
// each later Get returns a copy of it made with a few allocations (see
// clone).
//
// A copy shares only immutable values with its template: boxed strings,
// times and GUIDs, and the shared type-name chains (see outobject.go).
// The copy's property slice, its string-list objects and their item
// slices are its own, so a caller may change any of them, and every list
// is still a distinct *Object (the serializer writes a pointer met twice
// as <Ref>).

// objectMeta is what an output object depends on besides the body: the
// key (tenant, kind, ID) is the cache's, and these fields complete it.
type objectMeta struct {
	name              string
	version           int64
	created, modified int64 // UnixNano
}

func metaOf(o storage.Object) objectMeta {
	return objectMeta{name: o.Name, version: o.Version, created: o.CreatedAt.UnixNano(), modified: o.ModifiedAt.UnixNano()}
}

// outTemplate is an output object built for one version of one object,
// or with obj nil, the mark that the version was asked for once. It is
// read-only once stored.
type outTemplate struct {
	meta  objectMeta
	obj   *clixml.Object
	lists int // properties holding a string list
}

// templateSlot holds the outTemplate of one cache entry. The zero value
// is empty; it is safe for concurrent use.
type templateSlot struct {
	p atomic.Pointer[outTemplate]
}

// output returns a fresh output object for o: a copy of the stored
// template when it was built for o's version, else build's result. A
// version is templated when it is asked for the second time, so an
// object read once (a listing of more objects than the body cache holds,
// a version replaced before it is read again) costs one build and no
// copy or template. build must return an object that depends only on o
// and its body, as it would be built for o's version.
func (s *templateSlot) output(o storage.Object, build func() *clixml.Object) *clixml.Object {
	meta := metaOf(o)
	t := s.p.Load()
	switch {
	case t != nil && t.meta == meta && t.obj != nil:
		return t.clone()
	case t == nil || t.meta != meta: // first time: remember the version only
		s.p.Store(&outTemplate{meta: meta})
		return build()
	}
	obj := build()
	t, ok := newTemplate(meta, obj)
	if !ok {
		return obj
	}
	s.p.Store(t)
	return t.clone()
}

// newTemplate returns obj as a template, or false when obj is not an
// output object of outobject.go's shape: a ToString, Extended properties
// only, and property values that are either immutable or string lists
// holding immutable items.
func newTemplate(meta objectMeta, obj *clixml.Object) (*outTemplate, bool) {
	if obj.ToString == nil || obj.Primitive != nil || obj.Base != nil || obj.Kind != clixml.NoContainer ||
		len(obj.Adapted) > 0 || len(obj.Items) > 0 || len(obj.Entries) > 0 || obj.MemberSet {
		return nil, false
	}
	t := &outTemplate{meta: meta, obj: obj}
	for _, p := range obj.Extended {
		switch v := p.Value.(type) {
		case *clixml.Object:
			if v.Kind != clixml.List || v.Base != nil || v.Primitive != nil || len(v.Extended) > 0 || len(v.Adapted) > 0 || len(v.Entries) > 0 {
				return nil, false
			}
			for _, it := range v.Items {
				if !immutable(it) {
					return nil, false
				}
			}
			t.lists++
		default:
			if !immutable(v) {
				return nil, false
			}
		}
	}
	return t, true
}

// immutable reports values a copy may share with its template.
func immutable(v clixml.Value) bool {
	switch v.(type) {
	case nil, string, bool, int32, int64, clixml.DateTime, clixml.GUID:
		return true
	}
	return false
}

// clone returns a copy of the template that owns every mutable part.
func (t *outTemplate) clone() *clixml.Object {
	props := slices.Clone(t.obj.Extended)
	lists := make(listSlab, t.lists)
	for i := range props {
		l, ok := props[i].Value.(*clixml.Object)
		if !ok {
			continue
		}
		c := &lists[0]
		lists = lists[1:]
		*c = *l
		if len(l.Items) > 0 {
			c.Items = slices.Clone(l.Items)
		}
		props[i].Value = c
	}
	return newOut(t.obj.TypeNames, *t.obj.ToString, props)
}
