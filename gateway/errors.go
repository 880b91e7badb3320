package gateway

import "github.com/busprobe/busprobe/profiles"

// ValidationError is one problem of a native config, located in its file
// ("FILE:LINE:COL: PATH: MSG"): the same type as a profile's, so the CLI
// reports both alike.
type ValidationError = profiles.ValidationError

// ValidationErrors are all the problems found in one config, by position.
type ValidationErrors = profiles.ValidationErrors
