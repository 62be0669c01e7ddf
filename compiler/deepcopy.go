package compiler

import (
	"maps"
	"reflect"
	"sync"
)

// deepCopy copies v with nothing shared: every map, slice and pointer is
// new (an error in an interface is kept: errors are values no one
// changes). False when v holds what it cannot copy (an unexported field,
// a function, a channel) or is nested deeper than any IR is.
func deepCopy[T any](v T) (T, bool) {
	var zero T
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	if !copyValue(dst, src, 0) {
		return zero, false
	}
	return dst.Interface().(T), true
}

var (
	errorType     = reflect.TypeFor[error]()
	stringMapType = reflect.TypeFor[map[string]string]()
)

// copyPlan is what copying a value of one type takes, found once per
// type: most of the IR (origins, ports, names) holds no reference, and
// such a value is copied by one assignment instead of field by field
// (the copies of a 20,000-workload compile's phases cost 0.5 CPU-s
// through reflection one field at a time).
type copyPlan struct {
	// flat says that the type holds no map, slice, pointer or interface
	// (strings are immutable): assigning it copies it.
	flat bool
	// ok is false for a type deepCopy refuses (an unexported field, a
	// function, a channel, an unsafe pointer), at any depth of a flat
	// type; deeper types are checked as they are copied.
	ok bool
	// refs are a struct's fields that are not flat, to copy one by one
	// after the struct is assigned.
	refs []int
}

var copyPlans sync.Map // reflect.Type → *copyPlan

func planOf(t reflect.Type) *copyPlan {
	if p, ok := copyPlans.Load(t); ok {
		return p.(*copyPlan)
	}
	p := &copyPlan{ok: true}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		p.flat = true
	case reflect.Array:
		e := planOf(t.Elem())
		p.flat, p.ok = e.flat, e.ok || !e.flat
	case reflect.Struct:
		p.flat = true
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				p.ok = false
			}
			if fp := planOf(f.Type); !fp.flat {
				p.flat = false
				p.refs = append(p.refs, i)
			} else if !fp.ok {
				p.ok = false
			}
		}
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
	default: // functions, channels, unsafe pointers
		p.ok = false
	}
	actual, _ := copyPlans.LoadOrStore(t, p)
	return actual.(*copyPlan)
}

func copyValue(dst, src reflect.Value, depth int) bool {
	if depth > 32 {
		return false
	}
	p := planOf(src.Type())
	if !p.ok {
		return false
	}
	if p.flat {
		dst.Set(src)
		return true
	}
	switch src.Kind() {
	case reflect.Slice:
		if src.IsNil() {
			return true
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if ep := planOf(src.Type().Elem()); ep.flat {
			if !ep.ok && src.Len() > 0 {
				return false
			}
			reflect.Copy(s, src)
		} else {
			for i := range src.Len() {
				if !copyValue(s.Index(i), src.Index(i), depth+1) {
					return false
				}
			}
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			if !copyValue(dst.Index(i), src.Index(i), depth+1) {
				return false
			}
		}
	case reflect.Map:
		if src.IsNil() {
			return true
		}
		if src.Type() == stringMapType { // labels and selectors, most of the IR's maps
			dst.Set(reflect.ValueOf(maps.Clone(src.Interface().(map[string]string))))
			return true
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		kp, ep := planOf(src.Type().Key()), planOf(src.Type().Elem())
		flat := kp.flat && kp.ok && ep.flat && ep.ok
		for it := src.MapRange(); it.Next(); {
			if flat {
				m.SetMapIndex(it.Key(), it.Value())
				continue
			}
			k := reflect.New(src.Type().Key()).Elem()
			val := reflect.New(src.Type().Elem()).Elem()
			if !copyValue(k, it.Key(), depth+1) || !copyValue(val, it.Value(), depth+1) {
				return false
			}
			m.SetMapIndex(k, val)
		}
		dst.Set(m)
	case reflect.Pointer:
		if src.IsNil() {
			return true
		}
		np := reflect.New(src.Type().Elem())
		if !copyValue(np.Elem(), src.Elem(), depth+1) {
			return false
		}
		dst.Set(np)
	case reflect.Struct:
		// The flat fields come with the assignment; the others are
		// replaced by copies.
		dst.Set(src)
		for _, i := range p.refs {
			if !copyValue(dst.Field(i), src.Field(i), depth+1) {
				return false
			}
		}
	case reflect.Interface:
		if src.IsNil() || src.Type() == errorType {
			dst.Set(src)
			return true
		}
		e := reflect.New(src.Elem().Type()).Elem()
		if !copyValue(e, src.Elem(), depth+1) {
			return false
		}
		dst.Set(e)
	default:
		return false
	}
	return true
}
