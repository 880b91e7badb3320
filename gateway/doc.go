// Package gateway is the gateway configuration busprobe exports after a
// commissioning visit: the native config (YAML or JSON, described by an
// embedded JSON Schema, draft 2020-12), its validator with located errors,
// and writers for collectors (Telegraf's inputs.modbus).
//
// The native config is the source every other format is written from:
//
//	scan + profiles ──Build──▶ Config ──WriteYAML / WriteJSON──▶ native file
//	                                   └─WriteTelegraf──────────▶ telegraf.toml
//
// A device's Workarounds are the request limits the collector must respect
// (max registers per request, holes, one request per point, a pause). They
// are filled from the profile's device limits today, and from what the
// poller learns on the live bus later (see Workarounds.FromLimits and
// Workarounds.Limits, the two directions of that mapping).
//
// gateway imports profiles and protocols/modbus only.
package gateway
