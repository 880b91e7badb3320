package probes

import (
	"time"
)

// ScanSchemaVersion is the version of the scan JSON document.
const ScanSchemaVersion = 1

// Identity is what a device told about itself: FC43/14 objects by name
// ("VendorName", "ProductCode", …) and the FC17 report, when it answered.
type Identity struct {
	Objects  map[string]string `json:"objects,omitempty"`
	ServerID string            `json:"server_id,omitempty"` // FC17 raw bytes as hex
	Text     string            `json:"text,omitempty"`      // FC17 printable text
}

// Evidence is one fact behind an identification, e.g. "FC43 VendorName
// matches (?i)eastron" or "voltage_l1 = 230.1 V in 90..270".
type Evidence struct {
	Kind   string `json:"kind"` // fc43, fc17, sunspec, fingerprint
	Detail string `json:"detail"`
	OK     bool   `json:"ok"` // the fact supports the match (false: it argues against)
}

// Device is one device a scan found: where it answers and what it is. CLI
// and TUI render the same type.
type Device struct {
	URL        string     `json:"url"` // the address to reach the device (with its line settings)
	Unit       int        `json:"unit"`
	Baud       int        `json:"baud,omitempty"`
	Parity     string     `json:"parity,omitempty"`
	Stop       int        `json:"stop,omitempty"`
	Host       string     `json:"host,omitempty"`
	Port       int        `json:"port,omitempty"`
	Framing    string     `json:"framing,omitempty"` // mbap, rtu (rtuovertcp)
	Identity   *Identity  `json:"identity"`          // null when the device told nothing
	Profile    string     `json:"profile"`           // "" when no profile matched
	Confidence float64    `json:"confidence"`        // 0..1 for Profile
	Evidence   []Evidence `json:"evidence,omitempty"`
	LatencyMS  float64    `json:"latency_ms"`      // turnaround measured on the probe that found it
	Notes      []string   `json:"notes,omitempty"` // duplicate unit ID, echo, gateway answering for all units…
}

// ScanResult is the whole scan: the devices found and what was covered.
type ScanResult struct {
	SchemaVersion int           `json:"schema_version"`
	Kind          string        `json:"kind"` // serial or tcp
	Target        string        `json:"target"`
	Started       time.Time     `json:"started"`
	Duration      time.Duration `json:"-"`
	DurationMS    float64       `json:"duration_ms"`
	Probes        int           `json:"probes"` // requests sent
	Devices       []Device      `json:"devices"`
	Notes         []string      `json:"notes,omitempty"`
	Interrupted   bool          `json:"interrupted,omitempty"`
}

// Event is one line of `scan --ndjson`: progress, a device found, or done.
type Event struct {
	Type     string      `json:"type"` // progress, found, done
	Progress *Progress   `json:"progress,omitempty"`
	Device   *Device     `json:"device,omitempty"`
	Result   *ScanResult `json:"result,omitempty"`
}

// Progress says how far a scan is: probes done of total, the line settings
// or host being tried, and the estimated time left.
type Progress struct {
	Done     int     `json:"done"`
	Total    int     `json:"total"`
	Current  string  `json:"current"`
	ETAMS    float64 `json:"eta_ms"`
	FoundNow int     `json:"found"`
}
