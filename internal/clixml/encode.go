package clixml

import (
	"errors"
	"fmt"
)

// Namespace is the XML namespace of CLIXML documents.
const Namespace = "http://schemas.microsoft.com/powershell/2004/04"

const documentStart = `<Objs Version="1.1.0.1" xmlns="` + Namespace + `">`

// Marshal encodes v as one bare CLIXML element without a namespace: the
// form carried in PSRP message data (MS-PSRP 2.2.5). Each call starts a new
// serializer state, so RefIds and TN RefIds begin at 0.
//
// An *Object is written as <Obj RefId="n"> the first time its pointer is
// met and as <Ref RefId="n"/> afterwards, so shared and cyclic graphs
// terminate. A type-name chain equal to one already written is written as
// <TNRef RefId="m"/>. An Object with MemberSet set that is a property value
// is written as a nested <MS N=".."> (such an object must not be shared).
//
// Marshal fails with ErrUnsupportedType for Go values outside the model
// (see the package documentation), and with a descriptive error for an
// invalid Decimal or Version text, a DateTime outside years 1–9999, an
// extended primitive that is not a primitive, an object carrying more than
// one of a primitive, a container and a base object, or a cyclic Base chain.
// An Object's Base is written as an unnamed child <Obj> (MS-PSRP 2.2.5.2.2),
// in full even when already written elsewhere, since <Ref> is not valid in
// that position. The returned slice is owned by the caller.
func Marshal(v Value) ([]byte, error) {
	e := getEncoder()
	defer putEncoder(e)
	if err := e.value("", false, v); err != nil {
		return nil, err
	}
	return e.result(), nil
}

// MarshalWithPrefix returns prefix followed by Marshal(v), in one new
// slice of exactly that length (a message header and its data, say,
// without a second copy). prefix is only read.
func MarshalWithPrefix(prefix []byte, v Value) ([]byte, error) {
	e := getEncoder()
	defer putEncoder(e)
	if err := e.value("", false, v); err != nil {
		return nil, err
	}
	return append(append(make([]byte, 0, len(prefix)+len(e.buf)), prefix...), e.buf...), nil
}

// MarshalDocument encodes vs as a CLIXML file, the form Export-Clixml
// writes: <Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
// followed by one element per value. The serializer state, and so the
// RefId numbering, spans the whole document.
func MarshalDocument(vs []Value) ([]byte, error) {
	e := getEncoder()
	defer putEncoder(e)
	e.buf = append(e.buf, documentStart...)
	for _, v := range vs {
		if err := e.value("", false, v); err != nil {
			return nil, err
		}
	}
	e.buf = append(e.buf, "</Objs>"...)
	return e.result(), nil
}

func (e *encoder) open(tag, name string, named bool) {
	e.buf = append(e.buf, '<')
	e.buf = append(e.buf, tag...)
	if named {
		e.buf = append(e.buf, ` N="`...)
		e.buf = appendEscaped(e.buf, name)
		e.buf = append(e.buf, '"')
	}
}

func (e *encoder) closeTag(tag string) {
	e.buf = append(e.buf, "</"...)
	e.buf = append(e.buf, tag...)
	e.buf = append(e.buf, '>')
}

// value writes one value element, with an N attribute when named.
func (e *encoder) value(name string, named bool, v Value) error {
	switch x := v.(type) {
	case nil:
		e.open("Nil", name, named)
		e.buf = append(e.buf, " />"...)
		return nil
	case *Object:
		if x == nil {
			return e.value(name, named, nil)
		}
		return e.object(name, named, x)
	}
	k, ok := kindOf(v)
	if !ok {
		return fmt.Errorf("%w: %T", ErrUnsupportedType, v)
	}
	tag := primitives[k].tag
	e.open(tag, name, named)
	e.buf = append(e.buf, '>')
	n := len(e.buf)
	b, err := appendPrimitiveText(e.buf, k, v)
	if err != nil {
		return err
	}
	e.buf = b
	if len(e.buf) == n { // empty text: <S />
		e.buf = append(e.buf[:n-1], " />"...)
		return nil
	}
	e.closeTag(tag)
	return nil
}

func (e *encoder) object(name string, named bool, o *Object) error {
	if o.MemberSet && named && o.isPlainMemberSet() {
		if e.memberSets == nil {
			e.memberSets = map[*Object]bool{}
		}
		if e.memberSets[o] {
			return errors.New("clixml: member set object is shared or cyclic")
		}
		e.memberSets[o] = true
		e.open("MS", name, true)
		e.buf = append(e.buf, '>')
		if err := e.members(o.Extended); err != nil {
			return err
		}
		e.closeTag("MS")
		return nil
	}
	if id, ok := e.refs[o]; ok {
		e.open("Ref", name, named)
		e.buf = append(e.buf, ` RefId="`...)
		e.buf = appendInt(e.buf, id)
		e.buf = append(e.buf, `" />`...)
		return nil
	}
	return e.objectElement(name, named, o)
}

// objectElement writes o in full as <Obj RefId="n">, registering its first
// RefId so that later meetings become <Ref>.
func (e *encoder) objectElement(name string, named bool, o *Object) error {
	bodies := 0
	if o.Primitive != nil {
		bodies++
	}
	if o.Kind != NoContainer {
		bodies++
	}
	if o.Base != nil {
		bodies++
	}
	if bodies > 1 {
		return errors.New("clixml: object has more than one of a primitive, a container and a base object")
	}
	id := e.nextID
	e.nextID++
	if _, seen := e.refs[o]; !seen {
		e.refs[o] = id
	}
	e.open("Obj", name, named)
	e.buf = append(e.buf, ` RefId="`...)
	e.buf = appendInt(e.buf, id)
	e.buf = append(e.buf, `">`...)
	if len(o.TypeNames) > 0 {
		e.typeNames(o.TypeNames)
	}
	if o.ToString != nil {
		e.buf = append(e.buf, "<ToString>"...)
		e.buf = appendEscaped(e.buf, *o.ToString)
		e.buf = append(e.buf, "</ToString>"...)
	}
	if o.Primitive != nil {
		switch o.Primitive.(type) {
		case *Object:
			return errors.New("clixml: extended primitive must not be an object")
		}
		if err := e.value("", false, o.Primitive); err != nil {
			return err
		}
	}
	if o.Base != nil {
		if err := e.base(o.Base); err != nil {
			return err
		}
	}
	if err := e.container(o); err != nil {
		return err
	}
	if len(o.Adapted) > 0 {
		e.buf = append(e.buf, "<Props>"...)
		if err := e.members(o.Adapted); err != nil {
			return err
		}
		e.buf = append(e.buf, "</Props>"...)
	}
	if len(o.Extended) > 0 {
		e.buf = append(e.buf, "<MS>"...)
		if err := e.members(o.Extended); err != nil {
			return err
		}
		e.buf = append(e.buf, "</MS>"...)
	}
	e.buf = append(e.buf, "</Obj>"...)
	return nil
}

// base writes the base object b as an unnamed child <Obj>. A <Ref> is
// not valid there, so a b already written elsewhere is written again in
// full (with a fresh RefId; its own children become <Ref>s); a Base chain
// that loops back is an error.
func (e *encoder) base(b *Object) error {
	if e.bases == nil {
		e.bases = map[*Object]bool{}
	}
	if e.bases[b] {
		return errors.New("clixml: object is its own base object")
	}
	e.bases[b] = true
	defer delete(e.bases, b)
	return e.objectElement("", false, b)
}

// typeNames writes <TN RefId> for a chain met first and <TNRef> after.
func (e *encoder) typeNames(names []string) {
	e.scratch = e.scratch[:0]
	for _, t := range names {
		e.scratch = append(e.scratch, t...)
		e.scratch = append(e.scratch, 0)
	}
	if id, ok := e.tns[string(e.scratch)]; ok {
		e.buf = append(e.buf, `<TNRef RefId="`...)
		e.buf = appendInt(e.buf, id)
		e.buf = append(e.buf, `" />`...)
		return
	}
	id := len(e.tns)
	e.tns[string(e.scratch)] = id
	e.buf = append(e.buf, `<TN RefId="`...)
	e.buf = appendInt(e.buf, id)
	e.buf = append(e.buf, `">`...)
	for _, t := range names {
		e.buf = append(e.buf, "<T>"...)
		e.buf = appendEscaped(e.buf, t)
		e.buf = append(e.buf, "</T>"...)
	}
	e.buf = append(e.buf, "</TN>"...)
}

var containerTags = [...]string{List: "LST", Enumerable: "IE", Stack: "STK", Queue: "QUE", Dictionary: "DCT"}

func (e *encoder) container(o *Object) error {
	switch o.Kind {
	case NoContainer:
		return nil
	case List, Enumerable, Stack, Queue:
		tag := containerTags[o.Kind]
		e.buf = append(e.buf, '<')
		e.buf = append(e.buf, tag...)
		e.buf = append(e.buf, '>')
		for _, it := range o.Items {
			if err := e.value("", false, it); err != nil {
				return err
			}
		}
		e.closeTag(tag)
		return nil
	case Dictionary:
		e.buf = append(e.buf, "<DCT>"...)
		for _, en := range o.Entries {
			e.buf = append(e.buf, "<En>"...)
			if err := e.value("Key", true, en.Key); err != nil {
				return err
			}
			if err := e.value("Value", true, en.Value); err != nil {
				return err
			}
			e.buf = append(e.buf, "</En>"...)
		}
		e.buf = append(e.buf, "</DCT>"...)
		return nil
	}
	return fmt.Errorf("clixml: invalid container kind %d", o.Kind)
}

func (e *encoder) members(props []Property) error {
	for _, p := range props {
		if err := e.value(p.Name, true, p.Value); err != nil {
			return err
		}
	}
	return nil
}

func appendInt(b []byte, i int) []byte { return appendPad(b, i, 1) }
