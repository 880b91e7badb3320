package tui

import (
	"time"

	"github.com/busprobe/busprobe/probes"
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

// Device screen messages: samples tagged with the poller run's ID, the
// others with the device session's.
type (
	// pollSampleMsg is one sample (or gap report) of a poller run.
	pollSampleMsg struct {
		run     int
		sample  probes.Sample
		learned *probes.Learned // what the poller knows now, when this poll taught it something
	}
	// pollEndedMsg is a run that stopped on its own: its poller could
	// not be set up, or could not plan after a lesson.
	pollEndedMsg struct {
		run int
		err error
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

// Export screen messages, tagged with the export's ID (a new config, a new
// ID: results for a config since changed are dropped).
type (
	exportVerifiedMsg struct {
		id    int
		rows  []VerifyRow
		notes []string
	}
	exportSavedMsg struct {
		id    int
		paths []string // written
		exist []string // not written: these exist and overwriting was not confirmed
		err   error
	}
	// reportBuiltMsg carries the commissioning report, rendered with the
	// writes the journal holds for the devices, ready to save at path.
	reportBuiltMsg struct {
		id   int
		path string
		data []byte
		err  error
	}
)
