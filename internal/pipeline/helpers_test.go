package pipeline

import (
	"github.com/netpolc/netpolc/compiler"
	"github.com/netpolc/netpolc/intent"
)

// compileGenerate compiles a loaded intents set and generates opts'
// targets.
func compileGenerate(set *intent.Set, opts Options) (*Output, error) {
	res, err := compiler.Compile(set)
	if err != nil {
		return nil, err
	}
	return Generate(res, opts)
}
