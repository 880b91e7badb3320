// Package sunspec reads SunSpec devices: it finds the "SunS" marker,
// walks the chain of models and decodes every model it has a definition
// for, with scale factors, not-implemented values, enums and bitfields.
//
// # Definitions
//
// Builtin returns the definitions written by hand from the SunSpec
// Information Model Specification: the common model 1 and the inverter
// models 101, 102 and 103 (integer + scale factor). The SunSpec Alliance
// publishes every model as JSON (model_N.json, Apache-2.0); users can
// point busprobe at a folder of them and any model decodes:
//
//	models, err := sunspec.ModelsFromEnv(flagDir) // --sunspec-models DIR, else BUSPROBE_SUNSPEC_MODELS
//	models, err := sunspec.LoadModelsDir(dir)     // built-ins + the folder's *.json
//	def, err := sunspec.ParseModelJSON(file, data)
//
// Loaded JSON overrides built-ins with the same ID (Models.Notes says so).
// Both loaders return the models that loaded together with an error for
// those that did not; each problem is a *ModelFileError naming the file
// (and line:column for JSON syntax errors). Every type of the Alliance
// format is understood: int16 uint16 count acc16 int32 uint32 acc32 int64
// uint64 acc64 float32 float64 enum16 enum32 bitfield16 bitfield32
// bitfield64 string sunssf pad ipaddr ipv6addr eui48, and repeating
// groups (a fixed count, count 0 filling the model, or a count point).
//
// # Walking a device
//
//	dev, err := sunspec.Discover(ctx, client, unit)          // built-in models
//	dev, err := models.Discover(ctx, client, unit)           // with loaded models
//	dev, err := (&sunspec.Walker{Models: models, MaxRead: 60}).Discover(ctx, client, unit)
//
// client is any RegisterReader (a *modbus.Client is one). The walker reads
// two registers at 40000, then 50000, then 0 until one holds "SunS"
// (0x5375 0x6E53); exceptions 02, 03 and 04 move on to the next base, any
// other error stops the search. From base+2 it reads each model's ID and
// length L until the end marker 0xFFFF (also accepted: ID 0 with L 0, or
// exception 02 where the next header should be, with a note). Known models
// are read in requests of at most 125 registers (Walker.MaxRead) and
// decoded; unknown ones are skipped by their length and kept with Known
// false (Device.Unknown lists their IDs). The walk stops with a
// *ChainError after Walker.MaxModels models (64) or when a model runs past
// 65535. Read failures are *ReadError (wrapping e.g. *modbus.ExceptionError
// or modbus.ErrTimeout); no marker anywhere is a *NotFoundError.
//
// # Printing it (busprobe read URL --profile sunspec)
//
//	for _, m := range dev.Models {
//		if !m.Known {
//			fmt.Printf("model %d at %d (L=%d): unknown, skipped\n", m.ID, m.Address, m.Length)
//			continue
//		}
//		fmt.Printf("model %d %s at %d (L=%d)\n", m.ID, m.Label, m.Address, m.Length)
//		for _, p := range m.Points {
//			fmt.Printf("  %-20s %s\n", p.Path(), p.Value.Display) // "W  10000 W", "St  MPPT", "VA  n/a"
//		}
//		// m.Notes and dev.Notes hold layout oddities worth showing.
//	}
//
// For JSON, p.Value.Any() is the number, string or nil (not implemented),
// p.Unit the SunSpec unit ("V", "A", "W", "Pct", "C", "Wh", …) and
// p.Value.Raw the registers. PointValue.Path qualifies points of repeating
// groups, e.g. "module[2].DCA" (1-based). Pad points are not reported;
// ID and L are.
//
// # Tests
//
// The tests compare the built-in models with the Alliance JSON and load
// every file of it from BUSPROBE_SUNSPEC_TESTDATA, by default
// ../../../shared/sunspec-models/json (the copy beside the repository);
// they are skipped when that folder is absent. Nothing of it is copied into
// the repository. The walker is tested against in-memory register images
// and against sim.SunSpecInverterDevice served over Modbus/TCP.
//
// The package imports only profiles (for Value and decoding) and
// protocols/modbus (for exception codes).
package sunspec
