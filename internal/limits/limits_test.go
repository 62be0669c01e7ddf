package limits

import (
	"strings"
	"testing"
)

var (
	testBytes = New("test-bytes", 100, "bytes of test input")
	testItems = New("test-items", 7, "test items")
)

func TestValue(t *testing.T) {
	tests := []struct {
		env         string
		bytes, item int64
		err         string
	}{
		{env: "", bytes: 100, item: 7},
		{env: "test-bytes=64MiB", bytes: 64 << 20, item: 7},
		{env: " test-bytes = 2K , test-items=none ", bytes: 2048, item: None},
		{env: "test-items=3,other-thing=whatever", bytes: 100, item: 3},
		{env: "test-byts=1", err: `bad setting "test-byts=1": no such limit; the limits are test-bytes, test-items`},
		{env: "test-bytes=-1", err: `bad setting "test-bytes=-1": want a whole number`},
		{env: "test-bytes=1.5G", err: `want a whole number`},
		{env: "test-bytes", err: `a setting is name=value`},
		{env: "test-bytes=99999999999G", err: `want a whole number`},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(envName, tt.env)
			b, err := testBytes.Value()
			i, _ := testItems.Value()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "hint: ") {
					t.Fatalf("error %v, want one containing %q and a hint", err, tt.err)
				}
				return
			}
			if err != nil || b != tt.bytes || i != tt.item {
				t.Errorf("got %d, %d, %v; want %d, %d", b, i, err, tt.bytes, tt.item)
			}
		})
	}
}

func TestHint(t *testing.T) {
	t.Setenv(envName, "")
	if got, want := testBytes.Hint(5000), "NETPOLC_LIMITS=test-bytes=5000 (bytes of test input; now 100)"; !strings.HasSuffix(got, want) {
		t.Errorf("hint %q does not end in %q", got, want)
	}
	t.Setenv(envName, "test-bytes=none")
	if got, want := testBytes.Hint(0), "test-bytes=N (bytes of test input; now none)"; !strings.HasSuffix(got, want) {
		t.Errorf("hint %q does not end in %q", got, want)
	}
}
