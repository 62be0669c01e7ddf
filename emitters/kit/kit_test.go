package kit

import (
	"strings"
	"testing"
)

func TestMarshalYAML(t *testing.T) {
	long := strings.Repeat("intents/shop.cue:12:5; ", 10)
	got, err := MarshalYAML(map[string]any{
		"b":    []string{"x"},
		"a":    long,
		"num":  "80",
		"bool": "true",
		"e":    map[string]string{},
		"n":    map[string]any{"l": []int{1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "a: '" + long + "'\nb:\n- x\nbool: \"true\"\ne: {}\n\"n\":\n  l:\n  - 1\nnum: \"80\"\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
