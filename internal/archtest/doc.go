// Package archtest holds the test that keeps busprobe's import direction
// true: cmd → tui → probes → gateway → profiles → protocols, with sim
// imported only by cmd and tests, and protocols importing no project package.
package archtest
