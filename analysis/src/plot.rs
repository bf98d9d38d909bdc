//! `--plot DIR`: the latency distribution per region of each group, drawn
//! as a cumulative distribution in an SVG image (no fonts or libraries
//! needed to view it).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::Analysis;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
/// Points per curve: enough for a smooth line whatever the number of records.
const POINTS: usize = 400;
const COLOURS: [&str; 3] = ["#1f77b4", "#d62728", "#2ca02c"];

/// One curve: a region's latencies, sorted.
struct Curve {
    region: u32,
    sorted_ms: Vec<f64>,
}

/// Writes latency-group-N.svg per group; returns the paths written.
pub fn plot(analysis: &Analysis, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (g, name) in analysis.groups.iter().enumerate() {
        let curves = curves(&analysis.measures.delivered, g as u32)
            .map_err(|e| format!("cannot collect latencies of {name}: {e}"))?;
        let path = dir.join(format!("latency-group-{}.svg", g + 1));
        std::fs::write(&path, svg(name, &curves)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn curves(delivered: &DataFrame, group: u32) -> PolarsResult<Vec<Curve>> {
    let sorted = delivered
        .clone()
        .lazy()
        .filter(col("group_id").eq(lit(group)))
        .select([col("region"), col("latency_ms")])
        .sort(["region", "latency_ms"], SortMultipleOptions::default())
        .collect()?;
    let regions = sorted.column("region")?.u32()?;
    let latencies = sorted.column("latency_ms")?.f64()?;
    let mut curves: Vec<Curve> = Vec::new();
    for (region, ms) in regions.into_no_null_iter().zip(latencies.into_no_null_iter()) {
        match curves.last_mut() {
            Some(c) if c.region == region => c.sorted_ms.push(ms),
            _ => curves.push(Curve { region, sorted_ms: vec![ms] }),
        }
    }
    Ok(curves)
}

/// A "nice" axis maximum and tick step for values up to `max`.
fn axis(max: f64) -> (f64, f64) {
    let raw = (max.max(1e-3)) / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    ((max / step).ceil().max(1.0) * step, step)
}

fn svg(title: &str, curves: &[Curve]) -> String {
    let max = curves.iter().filter_map(|c| c.sorted_ms.last()).fold(0.0f64, |a, &b| a.max(b));
    let (x_max, x_step) = axis(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |ms: f64| LEFT + ms / x_max * plot_w;
    let y = |share: f64| TOP + (1.0 - share) * plot_h;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="13">Latency publish → destination (cumulative share of records)</text>"#,
        WIDTH / 2.0
    );
    let _ =
        writeln!(s, r#"<text x="{}" y="36" text-anchor="middle" font-size="10">{}</text>"#, WIDTH / 2.0, escape(title));
    axes(&mut s, x_max, x_step, &x, &y);
    for (i, curve) in curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points = cdf_points(&curve.sorted_ms)
            .map(|(ms, share)| format!("{:.1},{:.1}", x(ms), y(share)))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(s, r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>"#);
        let ly = TOP + 20.0 + 18.0 * i as f64;
        let _ = writeln!(
            s,
            r#"<line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="2"/><text x="{}" y="{}">region {} ({} records)</text>"#,
            WIDTH - RIGHT - 190.0,
            WIDTH - RIGHT - 165.0,
            WIDTH - RIGHT - 160.0,
            ly + 4.0,
            curve.region,
            curve.sorted_ms.len()
        );
    }
    s + "</svg>\n"
}

fn axes(s: &mut String, x_max: f64, x_step: f64, x: &dyn Fn(f64) -> f64, y: &dyn Fn(f64) -> f64) {
    let (x0, y0) = (x(0.0), y(0.0));
    let _ = writeln!(
        s,
        r#"<line x1="{x0}" y1="{y0}" x2="{}" y2="{y0}" stroke="black"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{}" stroke="black"/>"#,
        x(x_max),
        y(1.0)
    );
    let ticks = (x_max / x_step).round() as usize;
    for t in 0..=ticks {
        let ms = t as f64 * x_step;
        let _ = writeln!(
            s,
            r#"<line x1="{0}" y1="{y0}" x2="{0}" y2="{1}" stroke="black"/><text x="{0}" y="{2}" text-anchor="middle">{ms}</text>"#,
            x(ms),
            y0 + 5.0,
            y0 + 18.0
        );
    }
    for t in 0..=4 {
        let share = t as f64 / 4.0;
        let (tick, label, at) = (x0 - 5.0, x0 - 8.0, y(share));
        let _ = writeln!(
            s,
            r#"<line x1="{tick}" y1="{at}" x2="{x0}" y2="{at}" stroke="black"/><text x="{label}" y="{}" text-anchor="end">{share}</text>"#,
            at + 4.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">simulated milliseconds</text>"#,
        x(x_max / 2.0),
        y0 + 40.0
    );
}

/// Up to [`POINTS`] points (latency, share of records at or below it).
fn cdf_points(sorted: &[f64]) -> impl Iterator<Item = (f64, f64)> + '_ {
    let n = sorted.len();
    let steps = n.min(POINTS);
    (0..=steps).map(move |i| {
        let rank = (i * n / steps.max(1)).min(n);
        let ms = sorted[rank.saturating_sub(1).min(n - 1)];
        (if rank == 0 { sorted[0] } else { ms }, rank as f64 / n as f64)
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
