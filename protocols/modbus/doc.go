// Package modbus owns the Modbus wire: PDU encoding and decoding for every
// function code busprobe uses (1-6, 8, 15, 16, 17, 23, 43/14), RTU and MBAP
// framing, transports (serial, TCP, RTU over TCP, TCP+TLS), typed errors and a
// frame tap that reports every frame sent and received with its timestamps.
//
// The package imports no other busprobe package. Both sides of the wire live
// here: a client builds requests and parses responses; a server (the
// simulator) parses requests and builds responses with the same code, so the
// two cannot disagree about a byte.
package modbus
