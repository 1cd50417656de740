//! Figures (plotters, bitmap backend): one function per figure kind. Text uses the bundled
//! DejaVu Sans (assets/fonts), so no system fonts are needed. Files are written under a
//! temporary name and renamed when complete.

mod lines;

pub use lines::{line_chart, line_charts, LineChart, Series, Style};

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use thiserror::Error;

/// A figure could not be drawn or saved.
#[derive(Debug, Error)]
#[error("cannot draw figure `{path}`: {message}")]
pub struct PlotError {
    /// The target file.
    pub path: String,
    /// What failed.
    pub message: String,
}

static FONT: Once = Once::new();

/// Registers the bundled font as `sans-serif` (idempotent).
fn register_fonts() {
    FONT.call_once(|| {
        register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
        )
        .map_err(|_| ())
        .expect("the bundled DejaVu Sans is a valid font");
    });
}

/// Viridis (van der Walt & Smith, matplotlib's default map), sampled at 9 anchors and
/// interpolated linearly; `s` in [0, 1].
pub fn viridis(s: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let s = if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = s * (ANCHORS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(ANCHORS.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Space–time plot of a 1-D field: x horizontal, t vertical, colour = value, with axes,
/// labels and a colour bar. `field` holds `t.len()` snapshots of `x.len()` values.
pub fn space_time(
    path: &Path,
    x: &[f64],
    t: &[f64],
    field: &[f64],
    title: &str,
    value_label: &str,
) -> Result<(), PlotError> {
    register_fonts();
    let err = |e: String| PlotError {
        path: path.display().to_string(),
        message: e,
    };
    if field.len() != x.len() * t.len() || x.len() < 2 || t.len() < 2 {
        return Err(err(format!(
            "field has {} values, expected {} × {} (at least 2 × 2)",
            field.len(),
            t.len(),
            x.len()
        )));
    }
    let (lo, hi) = field
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let tmp = path.with_extension("tmp.png");
    {
        let root = BitMapBackend::new(&tmp, (900, 620)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let (main, bar) = root.split_horizontally(780);
        let dx = x[1] - x[0];
        let dt = t[1] - t[0];
        let (x0, x1) = (x[0], x[x.len() - 1] + dx);
        let (t0, t1) = (t[0], t[t.len() - 1] + dt);
        let mut chart = ChartBuilder::on(&main)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, t0..t1)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x")
            .y_desc("t")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(t.iter().enumerate().flat_map(|(k, &tk)| {
                x.iter().enumerate().map(move |(i, &xi)| {
                    let v = field[k * x.len() + i];
                    Rectangle::new(
                        [(xi, tk), (xi + dx, tk + dt)],
                        viridis((v - lo) / span).filled(),
                    )
                })
            }))
            .map_err(|e| err(e.to_string()))?;
        let mut colour_bar = ChartBuilder::on(&bar)
            .margin_top(45)
            .margin_bottom(57)
            .margin_right(8)
            .y_label_area_size(55)
            .caption(value_label, ("sans-serif", 17))
            .build_cartesian_2d(0.0..1.0, lo..lo + span)
            .map_err(|e| err(e.to_string()))?;
        colour_bar
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        let steps = 100;
        colour_bar
            .draw_series((0..steps).map(|k| {
                let a = lo + span * k as f64 / steps as f64;
                let b = lo + span * (k + 1) as f64 / steps as f64;
                Rectangle::new(
                    [(0.0, a), (1.0, b)],
                    viridis((k as f64 + 0.5) / steps as f64).filled(),
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
}
