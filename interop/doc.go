// Package interop holds busprobe's interoperability tests: our Modbus client
// (protocols/modbus) against independently written servers (pymodbus over
// TCP and RTU on a socat pty pair, libmodbus's unit-test-server with its
// fault injection), and independently written clients (mbpoll,
// github.com/simonvetter/modbus) against our simulator (sim). The peers are
// started by internal/peertest; under CI=true a missing peer fails the test.
//
// The package has no non-test code.
package interop
