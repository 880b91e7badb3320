package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/busprobe/busprobe/probes"
	"github.com/busprobe/busprobe/protocols/modbus"
	"github.com/spf13/cobra"
)

// identifyDoc is the --json document of `busprobe identify`.
type identifyDoc struct {
	SchemaVersion int                `json:"schema_version"`
	URL           string             `json:"url"`
	Unit          int                `json:"unit"`
	Identity      *probes.Identity   `json:"identity"`
	Profile       string             `json:"profile"`
	Confidence    float64            `json:"confidence"`
	SunSpec       *int               `json:"sunspec_base,omitempty"`
	Evidence      []probes.Evidence  `json:"evidence"`
	Candidates    []probes.Candidate `json:"candidates"`
	Requests      int                `json:"requests"`
	DurationMS    float64            `json:"duration_ms"`
}

// newIdentifyCmd is `busprobe identify URL --unit N [--json]`.
func newIdentifyCmd(e *env) *cobra.Command {
	var (
		cf     connFlags
		pf     profileFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "identify URL",
		Short: "Ask one unit who it is and match it against the profile library",
		Long: `Ask one unit who it is: read device identification (43/14, basic then
regular), report server ID (17), the SunSpec "SunS" marker at holding 40000,
50000 and 0, and every profile's fingerprint registers (decoded, checked
against plausible ranges). Prints the best profile with a confidence (0..1)
and the evidence. Exit 0 when a profile matched, 3 when the unit answered but
no profile matched, 1 when the unit could not be reached.`,
		Example: `  busprobe identify tcp://10.0.0.5:502 --unit 3
  busprobe identify 'rtu:///dev/ttyUSB0?baud=9600&parity=E' --unit 12 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			unit, err := cf.unitID()
			if err != nil {
				return err
			}
			lib, err := pf.library(e)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := cf.open(ctx, e, args[0])
			if err != nil {
				return err
			}
			defer s.close()
			// Reachable at all? One read tells "silent" from "answers" quickly and clearly.
			if _, err := s.client.ReadHoldingRegisters(ctx, unit, 0, 1); err != nil {
				var ex *modbus.ExceptionError
				if !asExceptionNotGateway(err, &ex) {
					return s.explain(unit, err)
				}
			}
			t0 := time.Now()
			id, err := probes.Identify(ctx, s.client, unit, lib)
			if err != nil {
				return s.explain(unit, err)
			}
			doc := identifyDoc{SchemaVersion: schemaVersion, URL: s.target.String(), Unit: int(unit), Identity: id.Identity,
				Profile: id.Profile, Confidence: id.Confidence, Evidence: id.Evidence, Candidates: id.Candidates,
				Requests: id.Requests + 1, DurationMS: float64(time.Since(t0).Microseconds()) / 1000}
			if doc.Evidence == nil {
				doc.Evidence = []probes.Evidence{}
			}
			if doc.Candidates == nil {
				doc.Candidates = []probes.Candidate{}
			}
			if id.SunSpec >= 0 {
				v := id.SunSpec
				doc.SunSpec = &v
			}
			if asJSON {
				if err := writeJSON(e.stdout, doc); err != nil {
					return err
				}
			} else {
				writeIdentify(e, doc)
			}
			if id.Profile == "" {
				return &codedError{code: exitNotFound}
			}
			return nil
		},
	}
	cf.register(cmd)
	pf.register(cmd, false)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object (identity, profile, confidence, evidence, candidates)")
	return cmd
}

// asExceptionNotGateway reports whether err is an exception from the device
// itself (it is there); 0x0A/0x0B come from a gateway whose unit is absent.
func asExceptionNotGateway(err error, ex **modbus.ExceptionError) bool {
	return errors.As(err, ex) && !(*ex).Code.IsGateway()
}

func writeIdentify(e *env, d identifyDoc) {
	w := e.stdout
	fmt.Fprintf(w, "%s unit %d\n", d.URL, d.Unit)
	if d.Identity != nil {
		keys := make([]string, 0, len(d.Identity.Objects))
		for k := range d.Identity.Objects {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  %-20s %s\n", k, d.Identity.Objects[k])
		}
		if d.Identity.ServerID != "" {
			fmt.Fprintf(w, "  %-20s %s  %q\n", "ServerID (17)", d.Identity.ServerID, d.Identity.Text)
		}
	} else {
		fmt.Fprintln(w, "  no device identification (43/14) or server ID (17)")
	}
	if d.Profile == "" {
		fmt.Fprintln(w, "profile: none matched")
	} else {
		fmt.Fprintf(w, "profile: %s (confidence %.2f)\n", d.Profile, d.Confidence)
	}
	if len(d.Evidence) > 0 {
		fmt.Fprintln(w, "evidence:")
		for _, ev := range d.Evidence {
			mark := "+"
			if !ev.OK {
				mark = "-"
			}
			fmt.Fprintf(w, "  %s %-11s %s\n", mark, ev.Kind, ev.Detail)
		}
	}
	if len(d.Candidates) > 1 {
		var others []string
		for _, c := range d.Candidates[1:] {
			others = append(others, fmt.Sprintf("%s %.2f", c.Profile, c.Score))
		}
		fmt.Fprintln(w, "other candidates: "+strings.Join(others, ", "))
	}
}
