package sunspec

// The built-in models below were written by hand from the SunSpec
// Information Model Specification (common model 1; inverter models 101,
// 102 and 103, integer + scale-factor variant). Offsets follow from the
// order and sizes of the points; every model starts with ID and L. The
// test TestBuiltinMatchesAlliance checks them against the SunSpec
// Alliance's model JSON when that is available.

// pt builds a point: name, type, size, scale-factor point, units, label.
func pt(name string, t PointType, size int, sf, units, label string) PointDef {
	return PointDef{Name: name, Type: t, Size: size, SF: sf, Units: units, Label: label}
}

// mand marks points mandatory.
func mand(p PointDef) PointDef { p.Mandatory = true; return p }

// header returns the ID and L points every model starts with.
func header() []PointDef {
	return []PointDef{
		mand(pt("ID", Uint16, 1, "", "", "Model ID")),
		mand(pt("L", Uint16, 1, "", "", "Model Length")),
	}
}

// commonModel is model 1, which every SunSpec device carries first
// (L = 66; devices written to older editions use L = 65, without Pad).
func commonModel() ModelDef {
	da := pt("DA", Uint16, 1, "", "", "Device Address")
	da.Access = "RW"
	pts := append(header(),
		mand(pt("Mn", String, 16, "", "", "Manufacturer")),
		mand(pt("Md", String, 16, "", "", "Model")),
		pt("Opt", String, 8, "", "", "Options"),
		pt("Vr", String, 8, "", "", "Version"),
		mand(pt("SN", String, 16, "", "", "Serial Number")),
		da,
		pt("Pad", Pad, 1, "", "", ""),
	)
	return ModelDef{ID: 1, Source: "builtin", Group: GroupDef{Name: "common", Label: "Common", Points: pts}}
}

// inverterStates are the operating states of point St (models 101-103).
func inverterStates() []Symbol {
	return []Symbol{{"OFF", 1}, {"SLEEPING", 2}, {"STARTING", 3}, {"MPPT", 4},
		{"THROTTLED", 5}, {"SHUTTING_DOWN", 6}, {"FAULT", 7}, {"STANDBY", 8}}
}

// inverterEvents are the bits of Evt1 (models 101-103).
func inverterEvents() []Symbol {
	names := []string{"GROUND_FAULT", "DC_OVER_VOLT", "AC_DISCONNECT", "DC_DISCONNECT",
		"GRID_DISCONNECT", "CABINET_OPEN", "MANUAL_SHUTDOWN", "OVER_TEMP", "OVER_FREQUENCY",
		"UNDER_FREQUENCY", "AC_OVER_VOLT", "AC_UNDER_VOLT", "BLOWN_STRING_FUSE", "UNDER_TEMP",
		"MEMORY_LOSS", "HW_TEST_FAILURE"}
	out := make([]Symbol, len(names))
	for i, n := range names {
		out[i] = Symbol{Name: n, Value: int64(i)}
	}
	return out
}

// inverterModel is model 101 (single phase), 102 (split phase) or 103
// (three phase): the same 50 registers; only which phase points are
// mandatory differs (phases is 1, 2 or 3).
func inverterModel(id, phases int) ModelDef {
	names := map[int][2]string{
		101: {"inverter_single_phase", "Inverter (Single Phase)"},
		102: {"inverter_split_phase", "Inverter (Split Phase)"},
		103: {"inverter_three_phase", "Inverter (Three Phase)"},
	}[id]
	// phase marks a per-phase point mandatory when the model has the phase.
	phase := func(n int, p PointDef) PointDef {
		if n <= phases {
			p.Mandatory = true
		}
		return p
	}
	st := mand(pt("St", Enum16, 1, "", "", "Operating State"))
	st.Symbols = inverterStates()
	evt1 := mand(pt("Evt1", Bitfield32, 2, "", "", "Event Bitfield 1"))
	evt1.Symbols = inverterEvents()
	pts := append(header(),
		mand(pt("A", Uint16, 1, "A_SF", "A", "Amps")),
		phase(1, pt("AphA", Uint16, 1, "A_SF", "A", "Amps PhaseA")),
		phase(2, pt("AphB", Uint16, 1, "A_SF", "A", "Amps PhaseB")),
		phase(3, pt("AphC", Uint16, 1, "A_SF", "A", "Amps PhaseC")),
		mand(pt("A_SF", SunSSF, 1, "", "", "")),
		pt("PPVphAB", Uint16, 1, "V_SF", "V", "Phase Voltage AB"),
		pt("PPVphBC", Uint16, 1, "V_SF", "V", "Phase Voltage BC"),
		pt("PPVphCA", Uint16, 1, "V_SF", "V", "Phase Voltage CA"),
		phase(1, pt("PhVphA", Uint16, 1, "V_SF", "V", "Phase Voltage AN")),
		phase(2, pt("PhVphB", Uint16, 1, "V_SF", "V", "Phase Voltage BN")),
		phase(3, pt("PhVphC", Uint16, 1, "V_SF", "V", "Phase Voltage CN")),
		mand(pt("V_SF", SunSSF, 1, "", "", "")),
		mand(pt("W", Int16, 1, "W_SF", "W", "Watts")),
		mand(pt("W_SF", SunSSF, 1, "", "", "")),
		mand(pt("Hz", Uint16, 1, "Hz_SF", "Hz", "Hz")),
		mand(pt("Hz_SF", SunSSF, 1, "", "", "")),
		pt("VA", Int16, 1, "VA_SF", "VA", "VA"),
		pt("VA_SF", SunSSF, 1, "", "", ""),
		pt("VAr", Int16, 1, "VAr_SF", "var", "VAr"),
		pt("VAr_SF", SunSSF, 1, "", "", ""),
		pt("PF", Int16, 1, "PF_SF", "Pct", "PF"),
		pt("PF_SF", SunSSF, 1, "", "", ""),
		mand(pt("WH", Acc32, 2, "WH_SF", "Wh", "WattHours")),
		mand(pt("WH_SF", SunSSF, 1, "", "", "")),
		pt("DCA", Uint16, 1, "DCA_SF", "A", "DC Amps"),
		pt("DCA_SF", SunSSF, 1, "", "", ""),
		pt("DCV", Uint16, 1, "DCV_SF", "V", "DC Voltage"),
		pt("DCV_SF", SunSSF, 1, "", "", ""),
		pt("DCW", Int16, 1, "DCW_SF", "W", "DC Watts"),
		pt("DCW_SF", SunSSF, 1, "", "", ""),
		mand(pt("TmpCab", Int16, 1, "Tmp_SF", "C", "Cabinet Temperature")),
		pt("TmpSnk", Int16, 1, "Tmp_SF", "C", "Heat Sink Temperature"),
		pt("TmpTrns", Int16, 1, "Tmp_SF", "C", "Transformer Temperature"),
		pt("TmpOt", Int16, 1, "Tmp_SF", "C", "Other Temperature"),
		mand(pt("Tmp_SF", SunSSF, 1, "", "", "")),
		st,
		pt("StVnd", Enum16, 1, "", "", "Vendor Operating State"),
		evt1,
		mand(pt("Evt2", Bitfield32, 2, "", "", "Event Bitfield 2")),
		pt("EvtVnd1", Bitfield32, 2, "", "", "Vendor Event Bitfield 1"),
		pt("EvtVnd2", Bitfield32, 2, "", "", "Vendor Event Bitfield 2"),
		pt("EvtVnd3", Bitfield32, 2, "", "", "Vendor Event Bitfield 3"),
		pt("EvtVnd4", Bitfield32, 2, "", "", "Vendor Event Bitfield 4"),
	)
	return ModelDef{ID: id, Source: "builtin", Group: GroupDef{Name: names[0], Label: names[1], Points: pts}}
}

// builtinModels returns fresh copies of the built-in definitions.
func builtinModels() []ModelDef {
	return []ModelDef{commonModel(), inverterModel(101, 1), inverterModel(102, 2), inverterModel(103, 3)}
}
