//! `--plot DIR`: the latency distribution per region of each group, drawn
//! as a cumulative distribution in an SVG image (no fonts or libraries
//! needed to view it).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::{Histogram, Report, Summary};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 30.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
/// Points per curve at most: enough for a smooth line.
const POINTS: usize = 400;
const COLOURS: [&str; 3] = ["#1f77b4", "#d62728", "#2ca02c"];

/// One curve: a region's latencies, as points of their cumulative
/// distribution (ms, share of records at or below it).
struct Curve {
    region: u32,
    records: u64,
    points: Vec<(f64, f64)>,
}

/// Writes latency-group-N.svg per group, numbered as in the report;
/// returns the paths written.
pub fn plot(report: &Report, summary: &Summary, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (i, group) in report.groups.iter().enumerate() {
        let Some(summary) = summary.groups.iter().find(|g| g.identity == group.identity) else { continue };
        let curves: Vec<Curve> = summary
            .latency
            .iter()
            .map(|(&region, h)| Curve { region, records: h.count(), points: cdf_points(h) })
            .collect();
        let path = dir.join(format!("latency-group-{}.svg", i + 1));
        std::fs::write(&path, svg(&group.label, &curves))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// A "nice" axis maximum and tick step for values up to `max`.
fn axis(max: f64) -> (f64, f64) {
    let raw = (max.max(1e-3)) / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    ((max / step).ceil().max(1.0) * step, step)
}

fn svg(title: &str, curves: &[Curve]) -> String {
    let max = curves.iter().filter_map(|c| c.points.last()).fold(0.0f64, |a, &(ms, _)| a.max(ms));
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
        let points = curve
            .points
            .iter()
            .map(|&(ms, share)| format!("{:.1},{:.1}", x(ms), y(share)))
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
            curve.records
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

/// At most [`POINTS`] points of a histogram's cumulative distribution, in ms.
fn cdf_points(h: &Histogram) -> Vec<(f64, f64)> {
    let all = h.cumulative();
    let step = all.len().div_ceil(POINTS).max(1);
    let mut points: Vec<(f64, f64)> =
        all.iter().step_by(step).map(|&(us, share)| (us as f64 / 1000.0, share)).collect();
    if let (Some(&(us, share)), Some(last)) = (all.last(), points.last())
        && last.1 < share
    {
        points.push((us as f64 / 1000.0, share));
    }
    if let Some(&(first, _)) = points.first() {
        points.insert(0, (first, 0.0));
    }
    points
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
