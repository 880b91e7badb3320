package main

import (
	"encoding/json"
	"io"
)

// schemaVersion is the version of busprobe's JSON output documents.
const schemaVersion = 1

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // URLs carry & in their query
	return enc.Encode(v)
}
