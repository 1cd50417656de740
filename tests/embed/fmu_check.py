"""Checks an FMU written by `galerkin fmu` with FMPy, a real FMI 2.0 master.

usage: fmu_check.py FMU STOP_TIME INTERVAL START_VALUES_JSON OUTPUT_NAMES...

Prints one JSON object: FMPy's validation problems, the simulate_fmu result (one row per
communication point: time, outputs), the outputs after a save / step / restore round trip
and after serializing the state, and the status and log of bad calls.
"""
import json
import os
import sys

import fmpy
from fmpy import extract, read_model_description
from fmpy.fmi1 import FMICallException
from fmpy.fmi2 import (
    FMU2Slave,
    fmi2CallbackFunctions,
    fmi2CallbackLoggerTYPE,
    fmi2CallbackAllocateMemoryTYPE,
    fmi2CallbackFreeMemoryTYPE,
)
from fmpy.validation import validate_fmu

fmu, stop, interval, start_json, *names = sys.argv[1:]
stop, interval, start = float(stop), float(interval), json.loads(start_json)
report = {"problems": [str(p) for p in validate_fmu(fmu)]}

result = fmpy.simulate_fmu(
    fmu, start_time=0.0, stop_time=stop, output_interval=interval,
    start_values=start, output=names,
)
report["rows"] = [[float(v) for v in row] for row in result]

md = read_model_description(fmu)
vr = {v.name: v.valueReference for v in md.modelVariables}
messages = []


def logger(env, name, status, category, message):
    messages.append(message.decode())


callbacks = fmi2CallbackFunctions()
callbacks.logger = fmi2CallbackLoggerTYPE(logger)
callbacks.allocateMemory = fmi2CallbackAllocateMemoryTYPE(fmpy.calloc)
callbacks.freeMemory = fmi2CallbackFreeMemoryTYPE(fmpy.free)
slave = FMU2Slave(
    guid=md.guid, unzipDirectory=extract(fmu),
    modelIdentifier=md.coSimulation.modelIdentifier, instanceName="check",
)
slave.instantiate(callbacks=callbacks)
slave.setupExperiment(startTime=0.0)
slave.enterInitializationMode()
slave.setReal([vr[k] for k in start], list(start.values()))
slave.exitInitializationMode()
outputs = [vr[n] for n in names]
slave.doStep(currentCommunicationPoint=0.0, communicationStepSize=interval)
saved = slave.getFMUState()
serialized = slave.serializeFMUState(saved)
slave.doStep(currentCommunicationPoint=interval, communicationStepSize=interval)
after_two = slave.getReal(outputs)
slave.setFMUState(saved)
slave.doStep(currentCommunicationPoint=interval, communicationStepSize=interval)
report["restored_equal"] = slave.getReal(outputs) == after_two
slave.setFMUState(slave.deSerializeFMUstate(serialized))
slave.doStep(currentCommunicationPoint=interval, communicationStepSize=interval)
report["deserialized_equal"] = slave.getReal(outputs) == after_two
slave.freeFMUState(saved)


def bad(name, call):
    """Runs a call that must fail; records its status and the FMU's last log line."""
    before = len(messages)
    try:
        call()
        report.setdefault("bad", {})[name] = {"status": 0, "log": ""}
    except FMICallException as e:
        log = messages[-1] if len(messages) > before else ""
        report.setdefault("bad", {})[name] = {"status": int(e.status), "log": log}


t = 2 * interval
parameter = next(iter(start))
bad("step_not_multiple_of_dt", lambda: slave.doStep(t, 0.37 * float(md.defaultExperiment.stepSize)))
bad("nan_parameter", lambda: slave.setReal([vr[parameter]], [float("nan")]))
bad("fixed_after_init", lambda: slave.setReal([vr["dt"]], [1e-4]))
bad("set_output", lambda: slave.setReal([outputs[0]], [1.0]))
bad("unknown_value_reference", lambda: slave.getReal([10_000]))
bad("wrong_time", lambda: slave.doStep(t + 1.0, interval))
bad("integer_variable", lambda: slave.getInteger([0]))
slave.terminate()
slave.freeInstance()


def instantiate_broken(name, mutate):
    """Instantiates a copy of the FMU whose ROM file `mutate` changed; records the log."""
    unzipdir = extract(fmu)
    rom = os.path.join(unzipdir, "resources", "rom.safetensors")
    with open(rom, "rb") as f:
        data = f.read()
    with open(rom, "wb") as f:
        f.write(mutate(data))
    broken = FMU2Slave(
        guid=md.guid, unzipDirectory=unzipdir,
        modelIdentifier=md.coSimulation.modelIdentifier, instanceName="broken",
    )
    before = len(messages)
    try:
        broken.instantiate(callbacks=callbacks)
        outcome = "instantiated"
    except Exception:
        outcome = "refused"
    log = messages[-1] if len(messages) > before else ""
    report.setdefault("broken", {})[name] = {"outcome": outcome, "log": log}


instantiate_broken("truncated", lambda d: d[: len(d) // 2])
instantiate_broken("foreign", lambda d: b"PK\x03\x04" + d[4:])
instantiate_broken("newer_version", lambda d: d.replace(b'"version":"1"', b'"version":"9"'))
print(json.dumps(report))
