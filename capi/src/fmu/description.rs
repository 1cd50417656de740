//! `modelDescription.xml` (FMI 2.0, co-simulation) of a ROM's FMU.

use std::fmt::Write;

use super::config::FmuConfig;
use super::variables::Variable;

/// Escapes `text` for an XML attribute value.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The modelDescription.xml of the FMU `model_identifier` (the binary's file stem) with
/// `variables` (value reference = position), as FMI 2.0 co-simulation prescribes:
/// parameters with `start`, outputs `calculated` and listed in `ModelStructure`.
pub fn model_description(
    model_identifier: &str,
    description: &str,
    config: &FmuConfig,
    variables: &[Variable],
) -> String {
    let mut x = String::new();
    let _ = writeln!(x, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        x,
        r#"<fmiModelDescription fmiVersion="2.0" modelName="{id}" guid="{guid}" description="{desc}" generationTool="galerkin {version}" variableNamingConvention="flat" numberOfEventIndicators="0">"#,
        id = xml(model_identifier),
        guid = xml(&config.guid),
        desc = xml(description),
        version = env!("CARGO_PKG_VERSION"),
    );
    let _ = writeln!(
        x,
        r#"  <CoSimulation modelIdentifier="{}" needsExecutionTool="false" canHandleVariableCommunicationStepSize="true" canInterpolateInputs="false" maxOutputDerivativeOrder="0" canRunAsynchronuously="false" canBeInstantiatedOnlyOncePerProcess="false" canNotUseMemoryManagementFunctions="true" canGetAndSetFMUstate="true" canSerializeFMUstate="true" providesDirectionalDerivative="false"/>"#,
        xml(model_identifier)
    );
    let _ = writeln!(x, "  <LogCategories>");
    let _ = writeln!(
        x,
        r#"    <Category name="logStatusError" description="errors, with the field and its allowed range"/>"#
    );
    let _ = writeln!(
        x,
        r#"    <Category name="logAll" description="instantiation, initialization and step summaries"/>"#
    );
    let _ = writeln!(x, "  </LogCategories>");
    let _ = writeln!(
        x,
        r#"  <DefaultExperiment startTime="0" stopTime="{:e}" stepSize="{:e}"/>"#,
        config.stop_time, config.dt
    );
    let _ = writeln!(x, "  <ModelVariables>");
    let mut outputs = Vec::new();
    for (vr, v) in variables.iter().enumerate() {
        let (causality, variability) = if v.role.is_fixed() {
            ("parameter", "fixed")
        } else if v.role.is_parameter() {
            ("parameter", "tunable")
        } else {
            outputs.push(vr + 1);
            ("output", "continuous")
        };
        let _ = writeln!(
            x,
            r#"    <ScalarVariable name="{}" valueReference="{vr}" description="{}" causality="{causality}" variability="{variability}">"#,
            xml(&v.name),
            xml(&v.description)
        );
        match v.start {
            Some(start) => {
                let _ = writeln!(x, r#"      <Real start="{start:e}"/>"#);
            }
            None => {
                let _ = writeln!(x, "      <Real/>");
            }
        }
        let _ = writeln!(x, "    </ScalarVariable>");
    }
    let _ = writeln!(x, "  </ModelVariables>");
    let _ = writeln!(x, "  <ModelStructure>");
    for section in ["Outputs", "InitialUnknowns"] {
        let _ = writeln!(x, "    <{section}>");
        for index in &outputs {
            let _ = writeln!(x, r#"      <Unknown index="{index}"/>"#);
        }
        let _ = writeln!(x, "    </{section}>");
    }
    let _ = writeln!(x, "  </ModelStructure>");
    let _ = writeln!(x, "</fmiModelDescription>");
    x
}
