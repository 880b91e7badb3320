// Package library holds busprobe's embedded profiles: one YAML register map
// per device, each written from the vendor's public documentation (see
// README.md and the source block of every file). Package profiles loads
// them; nothing else should read this package directly.
package library

import "embed"

// FS holds every file of this folder. Profiles are its *.yaml files; the
// pattern is "*" so that the package builds before any profile exists
// (go:embed needs every pattern to match a file, and README.md always does).
//
//go:embed *
var FS embed.FS
