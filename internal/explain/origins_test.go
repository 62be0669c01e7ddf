package explain

import (
	"slices"
	"testing"
)

func TestCompareNatural(t *testing.T) {
	got := []string{"b.cue:1:1", "a.cue:101:17", "a.cue:96:20", "a.cue:96:3", "a.cue:096:4", "a.cue"}
	slices.SortFunc(got, compareNatural)
	want := []string{"a.cue", "a.cue:96:3", "a.cue:096:4", "a.cue:96:20", "a.cue:101:17", "b.cue:1:1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
