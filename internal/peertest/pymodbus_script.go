package peertest

// pymodbusScript is the server the pymodbus peers run under /usr/bin/python3.
// It reads its configuration (the JSON form of pyWireConfig) from the file
// named by its first argument, prints PEERTEST-READY once it serves, and
// PEERTEST-MISSING (exit 3) when Debian's pymodbus or pyserial-asyncio is not
// importable. Written against pymodbus 3.0.0 (Debian 12, python3-pymodbus
// 3.0.0-7): StartAsync*Server with defer_start, ModbusSlaveContext with
// zero_mode=True so that PDU address N is block index N (without it every
// address reads the block index one higher).
const pymodbusScript = `import asyncio, json, logging, sys

try:
    from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                    ModbusSlaveContext, ModbusSparseDataBlock)
    from pymodbus.device import ModbusDeviceIdentification
    from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
    from pymodbus.transaction import ModbusRtuFramer
except ImportError as exc:
    print("PEERTEST-MISSING", exc, flush=True)
    sys.exit(3)


def block(values, sparse, default):
    vals = {int(k): v for k, v in (values or {}).items()}
    if sparse:
        return ModbusSparseDataBlock(vals)
    data = [default] * 65536
    for k, v in vals.items():
        data[k] = v
    return ModbusSequentialDataBlock(0, data)


def slave(d, sparse):
    return ModbusSlaveContext(
        hr=block(d.get("holding"), sparse, 0),
        ir=block(d.get("input"), sparse, 0),
        co=block(d.get("coils"), sparse, False),
        di=block(d.get("discrete"), sparse, False),
        zero_mode=True)


async def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    logging.basicConfig(stream=sys.stderr,
                        level=logging.DEBUG if cfg.get("debug") else logging.WARNING)
    units = cfg.get("units") or []
    sparse = cfg.get("sparse", False)
    if units:
        per = cfg.get("unit_data") or {}
        slaves = {u: slave(per.get(str(u), cfg), sparse) for u in units}
        context = ModbusServerContext(slaves=slaves, single=False)
    else:
        context = ModbusServerContext(slaves=slave(cfg, sparse), single=True)
    identity = ModbusDeviceIdentification(info_name=cfg.get("identity") or {})
    if cfg["mode"] == "tcp":
        server = await StartAsyncTcpServer(
            context=context, identity=identity,
            address=(cfg["host"], cfg["port"]), allow_reuse_address=True,
            defer_start=True)
        task = asyncio.create_task(server.serve_forever())
        done, _ = await asyncio.wait({task, server.serving},
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises the bind error, e.g. address in use
            raise SystemExit("server stopped before serving")
    else:
        server = await StartAsyncSerialServer(
            context=context, identity=identity, framer=ModbusRtuFramer,
            port=cfg["device"], baudrate=cfg["baud"], parity=cfg["parity"],
            stopbits=cfg["stopbits"], bytesize=8, timeout=0, defer_start=True)
        await server.start()
        if server.transport is None:
            raise SystemExit("serial port did not open: " + cfg["device"])
        task = asyncio.create_task(server.serve_forever())
    print("PEERTEST-READY", flush=True)
    await task


asyncio.run(main())
`
