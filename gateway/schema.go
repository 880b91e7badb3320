package gateway

import _ "embed"

//go:embed schema/gateway.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of the native config.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }
