//! Line charts (error vs rank, error vs time, spectra, singular-value decay).

use std::path::Path;

use plotters::prelude::*;

use super::{register_fonts, PlotError};

/// One curve of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// (x, y) points; non-finite or (on a log axis) non-positive y are skipped.
    pub points: Vec<(f64, f64)>,
    /// Line, markers or both.
    pub style: Style,
    /// Index into the palette (default: the series' position), to pair curves by colour.
    pub colour: Option<usize>,
}

/// How a [`Series`] is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A line.
    Line,
    /// A line with a marker at every point.
    LineAndMarkers,
    /// Markers only (e.g. a reduced model over a reference line).
    Markers,
}

/// A chart of several curves with axis labels, optional log axes and a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Caption.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The curves.
    pub series: Vec<Series>,
}

/// Colour-blind-safe qualitative colours (Okabe & Ito, 2008).
const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

/// Draws `chart` to the PNG `path` (written under a temporary name, then renamed).
pub fn line_chart(path: &Path, chart: &LineChart) -> Result<(), PlotError> {
    line_charts(path, std::slice::from_ref(chart))
}

/// Draws `charts` side by side into one PNG `path` (one 900 × 600 panel each; written
/// under a temporary name, then renamed): e.g. the same runs against step and wall time.
pub fn line_charts(path: &Path, charts: &[LineChart]) -> Result<(), PlotError> {
    register_fonts();
    let err = |e: String| PlotError {
        path: path.display().to_string(),
        message: e,
    };
    let tmp = path.with_extension("tmp.png");
    {
        let width = 900 * charts.len().max(1) as u32;
        let root = BitMapBackend::new(&tmp, (width, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        for (panel, chart) in root
            .split_evenly((1, charts.len().max(1)))
            .iter()
            .zip(charts)
        {
            draw_panel(panel, chart, &err)?;
        }
        root.present().map_err(|e| err(e.to_string()))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
}

/// One chart in the drawing area `root`.
fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &LineChart,
    err: &dyn Fn(String) -> PlotError,
) -> Result<(), PlotError> {
    let keep = |(x, y): &(f64, f64)| {
        x.is_finite() && y.is_finite() && (!chart.log_y || *y > 0.0) && (!chart.log_x || *x > 0.0)
    };
    let all: Vec<(f64, f64)> = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied().filter(keep))
        .collect();
    if all.is_empty() {
        return Err(err("no finite points to draw".into()));
    }
    let range = |v: Vec<f64>, log: bool| {
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        if log {
            let (lo, hi) = (
                lo.log10().floor(),
                hi.log10().ceil().max(lo.log10().floor() + 1.0),
            );
            (10f64.powf(lo), 10f64.powf(hi))
        } else if hi > lo {
            let pad = 0.05 * (hi - lo);
            (lo - pad, hi + pad)
        } else {
            (lo - 1.0, hi + 1.0)
        }
    };
    let (x0, x1) = range(all.iter().map(|p| p.0).collect(), chart.log_x);
    let (y0, y1) = range(all.iter().map(|p| p.1).collect(), chart.log_y);
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(&chart.title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(78);
    macro_rules! draw {
        ($ctx:expr) => {{
            let mut ctx = $ctx.map_err(|e| err(e.to_string()))?;
            ctx.configure_mesh()
                .x_desc(chart.x_label.as_str())
                .y_desc(chart.y_label.as_str())
                .label_style(("sans-serif", 15))
                .axis_desc_style(("sans-serif", 17))
                .y_label_formatter(&|v| format_tick(*v))
                .x_label_formatter(&|v| format_tick(*v))
                .draw()
                .map_err(|e| err(e.to_string()))?;
            for (i, s) in chart.series.iter().enumerate() {
                let colour = COLOURS[s.colour.unwrap_or(i) % COLOURS.len()];
                let pts: Vec<(f64, f64)> = s.points.iter().copied().filter(keep).collect();
                if s.style == Style::Markers {
                    ctx.draw_series(
                        pts.iter()
                            .map(|&p| Cross::new(p, 4, colour.stroke_width(2))),
                    )
                    .map_err(|e| err(e.to_string()))?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| Cross::new((x + 11, y), 4, colour.stroke_width(2)));
                    continue;
                }
                ctx.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))
                    .map_err(|e| err(e.to_string()))?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(2))
                    });
                if s.style == Style::LineAndMarkers {
                    ctx.draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))
                        .map_err(|e| err(e.to_string()))?;
                }
            }
            ctx.configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 15))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(|e| err(e.to_string()))?;
        }};
    }
    match (chart.log_x, chart.log_y) {
        (false, false) => draw!(builder.build_cartesian_2d(x0..x1, y0..y1)),
        (false, true) => draw!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())),
        (true, false) => draw!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)),
        (true, true) => {
            draw!(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale()))
        }
    }
    Ok(())
}

/// Tick text: plain for moderate magnitudes, scientific otherwise.
fn format_tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-2..1e4).contains(&a) {
        format!("{}", (v * 1e6).round() / 1e6)
    } else {
        format!("{v:.0e}")
    }
}
