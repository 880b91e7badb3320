package tui

import (
	"context"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

// Common is the state every screen shares, made once by the caller and
// passed by pointer to every constructor. Screens read it; only the
// goroutine-safe parts (Traffic, Clients) are touched from tea.Cmd
// closures.
type Common struct {
	// Ctx bounds every scan and poll; the caller cancels it when the
	// program ends.
	Ctx context.Context
	// Lib is the profile library scans identify against and the profile
	// picker lists.
	Lib *profiles.Library
	// Traffic records every frame the interface's clients and scans see.
	Traffic *Traffic
	// Clients holds the open connections, one per target URL.
	Clients *ClientPool
	// Recent remembers the targets scanned; nil remembers nothing.
	Recent *Recent
	// Styles are the looks (NewStyles or PlainStyles).
	Styles Styles
	// ListPorts lists the serial ports (nil: probes.SerialPorts("/")).
	ListPorts func() ([]probes.SerialPort, error)
	// OpenLine opens a serial port for a scan (nil: probes.SerialPortOpener).
	OpenLine func(path string) probes.LineOpener
	// PollInterval is the pause between two polls of a device (1 s if 0).
	PollInterval time.Duration
	// SnapshotDir is where the snapshot key saves, and where the export
	// screen saves a relative path (the working directory if "").
	SnapshotDir string
	// Version is busprobe's version, written into exported configs.
	Version string
	// JournalPath is the write journal (as `busprobe write`'s): every
	// confirmed write is appended to it. A write is refused, with nothing
	// sent, when it is "" or the journal cannot be opened.
	JournalPath string
	// Now is the clock (time.Now if nil), replaceable in tests.
	Now func() time.Time
}

// NewCommon returns a Common with a library, a traffic log and a client
// pool, and the defaults for the rest.
func NewCommon(ctx context.Context, lib *profiles.Library) *Common {
	tr := NewTraffic(2000)
	return &Common{
		Ctx:     ctx,
		Lib:     lib,
		Traffic: tr,
		Clients: NewClientPool(tr),
		Styles:  NewStyles(true),
	}
}

func (c *Common) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Common) pollInterval() time.Duration {
	if c.PollInterval > 0 {
		return c.PollInterval
	}
	return time.Second
}

func (c *Common) listPorts() ([]probes.SerialPort, error) {
	if c.ListPorts != nil {
		return c.ListPorts()
	}
	return probes.SerialPorts("/")
}

func (c *Common) openLine(path string) probes.LineOpener {
	if c.OpenLine != nil {
		return c.OpenLine(path)
	}
	return probes.SerialPortOpener(path)
}
