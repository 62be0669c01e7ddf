package precommit

import (
	"os/exec"
	"strings"
	"testing"
)

func TestRecogniseRoundTrip(t *testing.T) {
	for _, c := range []struct {
		args  []string
		chain string
		dirs  []string
	}{
		{nil, "", []string{"intents"}},
		{[]string{"policy dir", "--base", "it's"}, backupName + ".2", []string{"intents", "policy dir"}},
	} {
		s := script(c.args, c.chain, c.dirs)
		h, ok := recognise(s)
		if !ok || h.Chain != c.chain {
			t.Errorf("recognise(script(%q, %q)) = %+v, %v", c.args, c.chain, h, ok)
		}
		if out, err := exec.Command("sh", "-n", "-c", string(s)).CombinedOutput(); err != nil {
			t.Errorf("sh -n: %v\n%s", err, out)
		}
		// Any change of a byte makes it foreign.
		for _, edit := range []string{strings.Replace(string(s), "exit 0", "exit 1", 1), string(s) + "\n", " " + string(s)} {
			if _, ok := recognise([]byte(edit)); ok {
				t.Errorf("edited hook recognised:\n%s", edit)
			}
		}
	}
}

func TestShellUnquote(t *testing.T) {
	for _, s := range []string{"", "a", "it's", "a b", "'", `\`, "$(x)"} {
		if got, ok := shellUnquote(shellQuote(s)); !ok || got != s {
			t.Errorf("shellUnquote(shellQuote(%q)) = %q, %v", s, got, ok)
		}
	}
	for _, q := range []string{"a b", "'a", "'a'b'", "$x"} {
		if _, ok := shellUnquote(q); ok {
			t.Errorf("shellUnquote(%q) accepted", q)
		}
	}
}
