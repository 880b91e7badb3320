// Package profiles holds busprobe's device profiles: the YAML register-map
// format, its strict loader, the embedded library and decoding.
//
// A profile names a device (vendor, model, aliases), cites the vendor
// document it was written from, gives the device's request limits and
// identification rules, and lists points: named values at a table and
// address with a type, byte order, scaling and unit. docs/profiles.md is
// the format reference; schema/profile.schema.json describes it as JSON
// Schema (draft 2020-12).
//
// Load parses one file and reports every problem at once as
// ValidationErrors, each with file, line, column and path. A Library holds
// the embedded profiles (Embedded) overlaid with users' folders (Open,
// FromEnv, LoadDir); Get finds a profile by ID or alias.
//
// Point.Decode turns registers into a Value (Point.DecodeBits for coils
// and discrete inputs) and Point.Encode goes back, for every type in the
// four byte orders ABCD, CDAB, BADC and DCBA; see Reorder for the exact
// meaning of the orders for 16-, 32- and 64-bit values.
//
// The package imports no other busprobe package.
package profiles
