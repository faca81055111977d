package clixml

import (
	"strings"
)

// value decodes the value element that start opens, returning its N
// attribute (unescaped) when present.
func (d *decoder) value(start token) (name string, named bool, v Value, err error) {
	if err := d.enter(); err != nil {
		return "", false, nil, err
	}
	defer func() { d.depth-- }()
	if err := d.counted(); err != nil {
		return "", false, nil, err
	}
	if n, ok := attr(start, "N"); ok {
		name, named = unescape(n), true
	}
	switch tag := start.name.Local; tag {
	case "Nil":
		return name, named, nil, d.expectEnd(start)
	case "Ref":
		id, ok := attr(start, "RefId")
		if !ok {
			return "", false, nil, d.syntax("<Ref> without RefId", nil)
		}
		o := d.refs.get(id)
		if o == nil {
			return "", false, nil, d.syntax("<Ref RefId="+quote(id)+"> names no earlier <Obj>", ErrUnknownRef)
		}
		return name, named, o, d.expectEnd(start)
	case "Obj":
		o, err := d.object(start)
		return name, named, o, err
	default:
		k, ok := tagKind(tag)
		if !ok {
			return "", false, nil, d.syntax("unexpected element <"+tag+">", nil)
		}
		text, err := d.readText(start)
		if err != nil {
			return "", false, nil, err
		}
		var v Value
		switch k {
		case pkString:
			v = d.strValue(text)
		case pkURI:
			v = URI(d.str(text))
		case pkXML:
			v = XMLDocument(d.str(text))
		case pkScript:
			v = ScriptBlock(d.str(text))
		default:
			// parseScalar does not keep text, so for short text this
			// conversion needs no allocation.
			v, err = parseScalar(k, string(text))
		}
		if err != nil {
			return "", false, nil, d.syntax(strings.TrimPrefix(err.Error(), "clixml: "), err)
		}
		return name, named, v, nil
	}
}

// object decodes the body of <Obj>; the object is registered under its
// RefId before its children are read, so children may refer back to it.
func (d *decoder) object(start token) (*Object, error) {
	o := d.newObject()
	if id, ok := attr(start, "RefId"); ok {
		if d.refs.put(id, o) {
			return nil, d.syntax("duplicate RefId "+quote(id), nil)
		}
	}
	var tn *tnEntry
	hasBody := false // a primitive, a container or a base object was seen
	for {
		tok, err := d.nextElement()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEnd {
			if err := d.checkEnd(tok, start); err != nil {
				return nil, err
			}
			break
		}
		child := tok
		switch tag := child.name.Local; tag {
		case "TN", "TNRef":
			if tn != nil {
				return nil, d.syntax("<Obj> has more than one type-name list", nil)
			}
			if tn, err = d.typeNames(child); err != nil {
				return nil, err
			}
		case "ToString":
			if o.ToString != nil {
				return nil, d.syntax("<Obj> has more than one <ToString>", nil)
			}
			s, err := d.readText(child)
			if err != nil {
				return nil, err
			}
			o.ToString = d.strPtr(d.str(s))
		case "Obj":
			// A child <Obj> is the base object (PowerShell's ReadPSObject
			// reads it like a primitive or a container). Its N, if any, is
			// ignored as it is for a primitive. <Ref> is not accepted here,
			// as PowerShell does not accept it either.
			if hasBody {
				return nil, d.syntax("<Obj> has more than one primitive or container", nil)
			}
			hasBody = true
			_, _, v, err := d.value(child)
			if err != nil {
				return nil, err
			}
			o.Base = v.(*Object)
		case "Props", "MS":
			props, err := d.members(child)
			if err != nil {
				return nil, err
			}
			if tag == "Props" {
				o.Adapted = appendProps(o.Adapted, props)
			} else {
				o.Extended = appendProps(o.Extended, props)
			}
		case "LST", "IE", "STK", "QUE", "DCT":
			if hasBody {
				return nil, d.syntax("<Obj> has more than one primitive or container", nil)
			}
			hasBody = true
			if err := d.container(child, o); err != nil {
				return nil, err
			}
		default:
			if _, ok := tagKind(tag); !ok {
				return nil, d.syntax("unexpected element <"+tag+"> in <Obj>", nil)
			}
			if hasBody {
				return nil, d.syntax("<Obj> has more than one primitive or container", nil)
			}
			hasBody = true
			_, _, v, err := d.value(child)
			if err != nil {
				return nil, err
			}
			o.Primitive = v
		}
	}
	if tn != nil {
		o.TypeNames = tn.names
		if d.opts.Deserialized && o.Primitive == nil && o.Kind == NoContainer {
			o.TypeNames = tn.deserializedNames()
		}
	}
	return o, nil
}

// appendProps appends b to a, reusing b when a is empty.
func appendProps(a, b []Property) []Property {
	if len(a) == 0 {
		return b
	}
	return append(a, b...)
}

// typeNames decodes <TN RefId><T>..</T>..</TN> or <TNRef RefId/>.
func (d *decoder) typeNames(start token) (*tnEntry, error) {
	id, hasID := attr(start, "RefId")
	if start.name.Local == "TNRef" {
		t := d.tns.get(id)
		if !hasID || t == nil {
			return nil, d.syntax("<TNRef RefId="+quote(id)+"> names no earlier <TN>", ErrUnknownRef)
		}
		return t, d.expectEnd(start)
	}
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	base := len(d.names)
	defer func() { d.names = d.names[:base] }()
	for {
		tok, err := d.nextElement()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEnd {
			if err := d.checkEnd(tok, start); err != nil {
				return nil, err
			}
			break
		}
		child := tok
		if child.name.Local != "T" {
			return nil, d.syntax("unexpected element <"+child.name.Local+"> in <TN>", nil)
		}
		if err := d.counted(); err != nil {
			return nil, err
		}
		s, err := d.readText(child)
		if err != nil {
			return nil, err
		}
		d.names = append(d.names, d.str(s))
	}
	t := d.newTN(d.copyStrings(d.names[base:]))
	if hasID && d.tns.put(id, t) {
		return nil, d.syntax("duplicate TN RefId "+quote(id), nil)
	}
	return t, nil
}

// members decodes the properties of <Props> or <MS>. Every property must
// carry N; a nested <MS N=".."> becomes an Object with MemberSet set.
func (d *decoder) members(start token) ([]Property, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	base := len(d.props)
	defer func() { d.props = d.props[:base] }()
	for {
		tok, err := d.nextElement()
		if err != nil {
			return nil, err
		}
		if tok.kind == tokEnd {
			if err := d.checkEnd(tok, start); err != nil {
				return nil, err
			}
			if len(d.props) == base {
				return nil, nil
			}
			return d.copyProps(d.props[base:]), nil
		}
		child := tok
		if child.name.Local == "MS" {
			n, ok := attr(child, "N")
			if !ok {
				return nil, d.syntax("nested <MS> without N", nil)
			}
			if err := d.counted(); err != nil {
				return nil, err
			}
			inner, err := d.members(child)
			if err != nil {
				return nil, err
			}
			ms := d.newObject()
			ms.MemberSet, ms.Extended = true, inner
			d.props = append(d.props, Property{Name: unescape(n), Value: ms})
			continue
		}
		name, named, v, err := d.value(child)
		if err != nil {
			return nil, err
		}
		if !named {
			return nil, d.syntax("property <"+child.name.Local+"> without N in <"+start.name.Local+">", nil)
		}
		d.props = append(d.props, Property{Name: name, Value: v})
	}
}

// container decodes <LST>, <IE>, <STK>, <QUE> or <DCT> into o.
func (d *decoder) container(start token, o *Object) error {
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	switch start.name.Local {
	case "LST":
		o.Kind = List
	case "IE":
		o.Kind = Enumerable
	case "STK":
		o.Kind = Stack
	case "QUE":
		o.Kind = Queue
	case "DCT":
		o.Kind = Dictionary
	}
	base := len(d.items)
	defer func() { d.items = d.items[:base] }()
	for {
		tok, err := d.nextElement()
		if err != nil {
			return err
		}
		if tok.kind == tokEnd {
			if len(d.items) > base {
				o.Items = d.copyItems(d.items[base:])
			}
			return d.checkEnd(tok, start)
		}
		child := tok
		if o.Kind != Dictionary {
			_, _, v, err := d.value(child)
			if err != nil {
				return err
			}
			d.items = append(d.items, v)
			continue
		}
		if child.name.Local != "En" {
			return d.syntax("unexpected element <"+child.name.Local+"> in <DCT>", nil)
		}
		e, err := d.entry(child)
		if err != nil {
			return err
		}
		o.Entries = append(o.Entries, e)
	}
}

// entry decodes <En> holding the N="Key" and N="Value" elements in either
// order; elements without N are taken as key then value.
func (d *decoder) entry(start token) (Entry, error) {
	var e Entry
	if err := d.counted(); err != nil {
		return e, err
	}
	if err := d.enter(); err != nil {
		return e, err
	}
	defer func() { d.depth-- }()
	haveKey, haveValue := false, false
	for {
		tok, err := d.nextElement()
		if err != nil {
			return e, err
		}
		if tok.kind == tokEnd {
			if err := d.checkEnd(tok, start); err != nil {
				return e, err
			}
			if !haveKey || !haveValue {
				return e, d.syntax("<En> needs a Key and a Value", nil)
			}
			return e, nil
		}
		name, named, v, err := d.value(tok)
		if err != nil {
			return e, err
		}
		isKey := !haveKey
		if named {
			switch name {
			case "Key":
				isKey = true
			case "Value":
				isKey = false
			default:
				return e, d.syntax("<En> member N="+quote(name)+", want Key or Value", nil)
			}
		}
		if isKey && !haveKey {
			e.Key, haveKey = v, true
		} else if !isKey && !haveValue {
			e.Value, haveValue = v, true
		} else {
			return e, d.syntax("<En> has a duplicate Key or Value", nil)
		}
	}
}
