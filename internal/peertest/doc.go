// Package peertest gives Go tests real, independently written Modbus peers:
// pymodbus servers (TCP and RTU), libmodbus's unit-test-server (TCP and RTU),
// the mbpoll client, and socat pty pairs that carry RTU between them. It is
// imported only by _test.go files.
//
// Every peer is a child process started for one test and stopped by
// t.Cleanup (and killed by the kernel if the test binary dies first); every
// wait is bounded; a peer's output is written to the test log when the test
// fails. When a peer's tool is missing the test is skipped with a message
// naming the Debian package, except under CI=true where it fails: CI
// installs every peer (.ci/run), so a skip there would hide a broken setup.
//
// # libmodbus unit-test-server
//
// LibmodbusServer builds /usr/share/doc/libmodbus-dev/examples/unit-test-server.c
// (libmodbus 3.1.6 in Debian 12) unmodified, through a small wrapper that
// only takes its listen address from the environment: the example itself
// hard-codes 127.0.0.1:1502 (LibmodbusDefaultPort) for TCP and /dev/ttyUSB0
// at 115200 8N1 for RTU. So servers run on free ports and tests using them
// may run in parallel. Facts of the server, from the source:
//
//   - TCP: accepts exactly one connection, serves it, and exits when it
//     closes. It answers any unit ID (libmodbus does not filter units on
//     TCP). RTU: answers only unit LibmodbusServerID (17) and ignores others,
//     but after a request for another unit it treats whatever arrives in the
//     next LibmodbusRTUIgnoreWindow (its 500 ms response timeout) as that
//     unit's reply and discards it: a request sent in that window is lost,
//     mis-framed, and may end the server ("Quit the loop: Connection timed
//     out"). Real libmodbus slaves on a bus behave alike, so a fast unit
//     scan can upset them. Leave the window before the next request.
//   - Tables (0-based PDU addresses; anything outside answers exception 02):
//     coils UTBitsAddress (0x130) .. +UTBitsNB (0x25), all off at start;
//     discrete inputs UTInputBitsAddress (0x1C4) .. +UTInputBitsNB (0x16),
//     holding a fixed pattern (UTInputBits); holding registers
//     UTRegistersAddress (0x160) .. +UTRegistersNBMax (0x20), all 0 at start
//     (the libmodbus client writes UT_REGISTERS_TAB = {0x022B, 0x0001,
//     0x0064} there itself); input registers UTInputRegistersAddress (0x108),
//     one register holding UTInputRegisterValue (0x000A).
//   - Fault injection on FC03 (read holding registers), checked in this
//     order:
//     quantity UTRegistersNBSpecial (2), at ANY address: the server answers
//     as if 1 register was asked (byte count 2), a reply shorter than asked;
//     address UTRegistersAddressSpecial (0x170): exception 06 (server busy);
//     address UTRegistersAddressInvalidTIDOrSlave (0x171): replies
//     unit FF, 03 02 00 00 under a transaction ID of the server's own, not
//     the request's (seen: 0000) on TCP; on RTU from unit
//     LibmodbusInvalidServerID (18);
//     address UTRegistersAddressSleep500ms (0x172): sleeps 500 ms, then a
//     normal reply;
//     address UTRegistersAddressByteSleep5ms (0x173), TCP only: sends
//     00 tt 00 00 00 05 FF 03 02 00 00 one byte every 5 ms, where tt is the
//     low byte of the request's transaction ID (high byte forced to 0).
//   - Writes with a wrong request length injected: FC05 to
//     UTBitsAddressInvalidRequestLength (0x132) and FC06 to
//     UTRegistersAddressSpecial (0x170) answer exception 03 (illegal data
//     value), seen on the wire.
//   - FC17 (report server ID) answers byte count 0x0A, server ID 0xB4, run
//     indicator 0xFF, then "LMB3.1.6" (LMB + the libmodbus version). FC08
//     and FC43 are not implemented: exception 01.
//
// # pymodbus
//
// PymodbusTCP and PymodbusRTU run a script under /usr/bin/python3 against
// Debian's pymodbus 3.0.0; see PymodbusConfig for its quirks.
package peertest

import "time"

// LibmodbusRTUIgnoreWindow is how long libmodbus's RTU server, after a
// request for another unit, waits for (and discards) that unit's reply:
// libmodbus's default response timeout.
const LibmodbusRTUIgnoreWindow = 500 * time.Millisecond

// Facts of libmodbus's unit-test-server, from unit-test.h (libmodbus 3.1.6).
// A test in this package checks them against the installed header.
const (
	// LibmodbusDefaultPort is the TCP port unit-test-server.c hard-codes;
	// LibmodbusServer overrides it with a free port.
	LibmodbusDefaultPort = 1502
	// LibmodbusServerID is the only unit the RTU server answers (SERVER_ID).
	LibmodbusServerID = 17
	// LibmodbusInvalidServerID is the unit of the RTU reply to a read at
	// UTRegistersAddressInvalidTIDOrSlave (INVALID_SERVER_ID).
	LibmodbusInvalidServerID = 18

	UTBitsAddress                       = 0x130
	UTBitsNB                            = 0x25
	UTBitsAddressInvalidRequestLength   = UTBitsAddress + 2
	UTInputBitsAddress                  = 0x1C4
	UTInputBitsNB                       = 0x16
	UTRegistersAddress                  = 0x160
	UTRegistersNB                       = 0x3
	UTRegistersNBMax                    = 0x20
	UTRegistersAddressSpecial           = 0x170
	UTRegistersAddressInvalidTIDOrSlave = 0x171
	UTRegistersAddressSleep500ms        = 0x172
	UTRegistersAddressByteSleep5ms      = 0x173
	UTRegistersNBSpecial                = 0x2
	UTInputRegistersAddress             = 0x108
	UTInputRegistersNB                  = 0x1
	UTInputRegisterValue                = 0x000A
)

// UTInputBits returns the discrete inputs at UTInputBitsAddress as the
// packed bytes of an FC02 reply for all UTInputBitsNB of them (LSB first).
func UTInputBits() []byte { return []byte{0xAC, 0xDB, 0x35} }

// UTRegistersTab returns the holding register values libmodbus's own unit
// test client writes at UTRegistersAddress (the server starts with zeros).
func UTRegistersTab() []uint16 { return []uint16{0x022B, 0x0001, 0x0064} }
