package compiler

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// filler sets every field of a value, at every depth, to something
// distinct from the zero value and from every other field.
type filler struct{ n int }

func (f *filler) fill(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	f.n++
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.n % 100))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(f.n % 100))
	case reflect.String:
		v.SetString(fmt.Sprint("s", f.n))
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k, depth+1)
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	case reflect.Interface:
		if v.Type() == errorType {
			v.Set(reflect.ValueOf(errors.New("e")))
		} else {
			v.Set(reflect.ValueOf([]string{fmt.Sprint("i", f.n)}))
		}
	}
}

// shared reports the first map, slice or pointer a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Array:
		for i := range a.Len() {
			if p := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return path
		}
		for it := a.MapRange(); it.Next(); {
			if p := shared(it.Value(), b.MapIndex(it.Key()), fmt.Sprintf("%s[%v]", path, it.Key())); p != "" {
				return p
			}
		}
	case reflect.Pointer:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return path
		}
		if !a.IsNil() {
			return shared(a.Elem(), b.Elem(), "*"+path)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	case reflect.Interface:
		if !a.IsNil() && a.Type() != errorType {
			return shared(a.Elem(), b.Elem(), path)
		}
	}
	return ""
}

// TestDeepCopyIsDeep copies what Shared records, every field filled, and
// finds the copy equal and sharing nothing.
func TestDeepCopyIsDeep(t *testing.T) {
	var f filler
	check := func(name string, v any) {
		t.Helper()
		src := reflect.ValueOf(v).Elem()
		f.fill(src, 0)
		dst := reflect.New(src.Type()).Elem()
		if !copyValue(dst, src, 0) {
			t.Fatalf("%s: refused", name)
		}
		if !reflect.DeepEqual(dst.Interface(), src.Interface()) {
			t.Fatalf("%s: the copy differs:\n%#v\n%#v", name, dst.Interface(), src.Interface())
		}
		if p := shared(src, dst, name); p != "" {
			t.Fatalf("%s: shared with the original at %s", name, p)
		}
	}
	check("forkOutput", &forkOutput{})
	check("globalRead", &globalRead{})
	check("reads", &map[string]any{})
	check("answer", &[]workloadAnswer{})
	check("array", &[2]struct{ A []int }{})
}

// TestDeepCopyRefuses: what cannot be copied is refused, at any depth, as
// soon as a value of it is there to copy.
func TestDeepCopyRefuses(t *testing.T) {
	type hidden struct{ a int }
	type withHidden struct {
		A int
		b string
	}
	for name, v := range map[string]any{
		"unexported field":          withHidden{A: 1},
		"unexported in a slice":     []hidden{{1}},
		"unexported in a map":       map[string]hidden{"k": {1}},
		"unexported behind pointer": &hidden{1},
		"unexported in an array":    [1]hidden{},
		"function":                  struct{ F func() }{},
		"channel in a slice":        []chan int{make(chan int)},
		"in an interface":           []any{hidden{1}},
	} {
		if _, ok := deepCopy(v); ok {
			t.Errorf("%s: copied", name)
		}
	}
	// Empty and nil containers of such types hold nothing to refuse.
	for name, v := range map[string]any{
		"empty slice": []hidden{},
		"nil map":     map[string]hidden(nil),
		"nil pointer": (*hidden)(nil),
	} {
		if _, ok := deepCopy(v); !ok {
			t.Errorf("%s: refused", name)
		}
	}
}
