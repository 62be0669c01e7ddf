package compiler_test

import (
	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
)

// compileFiles loads files (base name → CUE source) as the intents
// directory "t" and compiles them; the error is the load's or the
// compile's.
func compileFiles(files map[string]string) (*compiler.Result, error) {
	src := make(map[string][]byte, len(files))
	for name, s := range files {
		src[name] = []byte(s)
	}
	set, err := intent.LoadFiles("t", src)
	if err != nil {
		return nil, err
	}
	return compiler.Compile(set)
}
