package compiler

import "reflect"

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

var errorType = reflect.TypeFor[error]()

func copyValue(dst, src reflect.Value, depth int) bool {
	if depth > 32 {
		return false
	}
	switch src.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		dst.Set(src)
	case reflect.Slice:
		if src.IsNil() {
			return true
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			if !copyValue(s.Index(i), src.Index(i), depth+1) {
				return false
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
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
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
		p := reflect.New(src.Type().Elem())
		if !copyValue(p.Elem(), src.Elem(), depth+1) {
			return false
		}
		dst.Set(p)
	case reflect.Struct:
		for i := range src.NumField() {
			if !dst.Field(i).CanSet() || !copyValue(dst.Field(i), src.Field(i), depth+1) {
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
