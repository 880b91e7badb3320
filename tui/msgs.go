package tui

import (
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/profiles"
)

// ErrorMsg is the one error message type: any screen's failure, shown in
// the view's error line until the next key press.
type ErrorMsg struct {
	Where string // what failed, e.g. "scan", "poll tcp://…"
	Err   error
}

func (e ErrorMsg) Error() string {
	if e.Where == "" {
		return e.Err.Error()
	}
	return e.Where + ": " + e.Err.Error()
}

// Navigation and intents, sent by screens to the root model.
type (
	// StartScanMsg asks the root to start a scan and show it.
	StartScanMsg struct{ Req ScanRequest }
	// OpenDeviceMsg asks the root to show one device.
	OpenDeviceMsg struct{ Device probes.Device }
	// ShowScreenMsg switches screens.
	ShowScreenMsg struct{ Screen Screen }
)

// Scan messages, tagged with the scan's ID.
type (
	scanEventMsg struct {
		id  int
		job int
		ev  probes.Event
	}
	scanJobDoneMsg struct {
		id     int
		job    int
		result probes.ScanResult
		err    error
	}
	scanFinishedMsg struct{ id int }
)

// Connect screen messages.
type (
	portsMsg struct {
		ports []probes.SerialPort
		err   error
	}
	recentSavedMsg struct{ err error }
)

// Device screen messages, tagged with the session's ID.
type (
	pollTickMsg   struct{ id int }
	pollResultMsg struct {
		id      int
		prof    *profiles.Profile // the profile the poll read with
		reading probes.Reading
		err     error
		at      time.Time
	}
	writePlannedMsg struct {
		id   int
		plan probes.PlannedWrite
		err  error
	}
	snapshotMsg struct {
		id   int
		text string // what was saved where
		err  error
	}
	writeDoneMsg struct {
		id     int
		result probes.WriteResult
		err    error
	}
)

// refreshMsg is the root's slow heartbeat: it refreshes the traffic log
// and the stale markers.
type refreshMsg struct{ at time.Time }
