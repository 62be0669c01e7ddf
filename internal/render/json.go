package render

import (
	"encoding/json"
	"io"

	"github.com/netpolc/netpolc/enforcer"
)

// JSON writes the ARCHITECTURE.md §3 contract, indented, with a final newline.
type JSON struct{}

// Format implements Formatter.
func (JSON) Format(w io.Writer, c *enforcer.Connectivity) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}
