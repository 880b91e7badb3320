// Package sim is busprobe's plant simulator: Modbus devices with a register
// image, identity, turnaround latency and misbehaviour (address holes, busy,
// write protection, request limits), grouped into buses that are served as a
// Modbus/TCP gateway (MBAP or RTU over TCP), as an RTU responder on a pty
// pair or a real serial port, or through an in-process modbus.Line.
//
// RTU buses emulate the physics of a serial line: a request's own wire time,
// the device turnaround and the reply's wire time at the bus's baud rate,
// and garbage when the client's line settings differ from the bus's. Buses
// inject faults (corrupted CRC, dropped, late and truncated replies) at
// seeded, configurable rates and count everything they do (Stats).
//
// A device can be declared from a register-map profile (DeviceConfig.Profile,
// resolved in the embedded library or the one given WithProfiles): it then
// serves every point of the profile with plausible, slowly varying values
// inside the point's range, encoded as the profile decodes them.
//
// A plant is described by a Plant value, built in Go or parsed from strict
// YAML (ParsePlant, LoadPlant), and run with Start. DemoPlant returns the
// built-in demo plant. Every random draw comes from a seeded generator owned
// by a device or a bus, so a run is repeatable.
package sim
