//! `--html FILE`: one self-contained page. Its structure is checked here
//! without a browser (balanced HTML and SVG elements, nothing fetched when
//! viewed, one picture per thing the page promises); then, when Chromium is
//! installed (`.ci/run` installs it), the page is rendered headless: it
//! must load without a console message and its screenshot must not be
//! blank.

mod support;

use std::path::Path;

use support::{chromium, headless, wl1_in};

/// Simulates a few runs of f4 and of chaos into `dir`/traces and writes the
/// report's page; returns the page and the report as JSON.
fn report_page(dir: &Path) -> (String, serde_json::Value) {
    let traces = dir.join("traces");
    let page = dir.join("report.html");
    let traces_arg = traces.to_str().unwrap();
    for scenario in ["f4", "chaos"] {
        let ran = wl1_in(dir, 300, &["simulate", "-s", scenario, "-n", "30", "-o", traces_arg]);
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    }
    let ran = wl1_in(dir, 300, &["analyze", traces_arg, "-m", "2", "--html", page.to_str().unwrap(), "-f", "json"]);
    assert_eq!(ran.code, Some(1), "chaos violates the specification: {}", ran.stderr);
    let json = serde_json::from_str(&ran.stdout).unwrap();
    (std::fs::read_to_string(&page).unwrap(), json)
}

/// Elements that have no end tag in HTML.
const VOID: [&str; 3] = ["meta", "br", "hr"];

/// The names of the start tags of `page`, checked to nest properly with
/// its end tags; fails at the first that does not.
fn check_nesting(page: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    for tag in page.split('<').skip(1).map(|t| t.split('>').next().unwrap()) {
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if let Some(closing) = tag.strip_prefix('/') {
            let top = open.pop().unwrap_or_else(|| panic!("</{closing}> closes nothing"));
            assert_eq!(top, name, "<{top}> is closed by </{name}>");
            continue;
        }
        if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            open.push(name.clone());
        }
        seen.push(name);
    }
    assert!(open.is_empty(), "never closed: {open:?}");
    seen
}

#[test]
fn the_html_report_is_one_self_contained_well_formed_page() {
    let dir = tempfile::tempdir().unwrap();
    let (page, json) = report_page(dir.path());
    assert!(page.starts_with("<!DOCTYPE html>"));
    let tags = check_nesting(&page);
    for forbidden in ["script", "link", "img", "iframe", "object"] {
        assert!(!tags.iter().any(|t| t == forbidden), "a <{forbidden}>: the page must need nothing else");
    }
    let without_namespaces = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(!without_namespaces.contains("http:") && !without_namespaces.contains("https:"), "a network address");

    let groups = json["verdict"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let seeds = json["violating_seeds"].as_array().unwrap();
    assert!(!seeds.is_empty());
    let rows = page.split("<h2>Verdict per group</h2>").nth(1).unwrap().split("</table>").next().unwrap();
    assert_eq!(rows.matches("<tr>").count(), 1 + groups.len(), "a heading and a row per group");
    // Per group: the latency distribution, latency over time, the hops;
    // per violating seed listed: its timeline.
    let pictures = tags.iter().filter(|t| *t == "svg").count();
    assert_eq!(pictures, 3 * groups.len() + seeds.len(), "pictures in the page");
    for seed in seeds {
        let command = seed["command"].as_str().unwrap();
        assert!(page.contains(&format!("<pre><code>{}", command.replace('"', "&quot;"))), "{command}");
        assert!(page.contains(&format!("Seed {}: timeline", seed["seed"])), "the timeline of {seed}");
    }
    assert!(page.contains("lost"), "the latency distribution shows lost records");
    assert!(page.contains("a fault injected"), "latency over time shades the faults");
}

#[test]
fn headless_chromium_renders_the_html_report_without_errors() {
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on the PATH (`apt-get install -y chromium`; .ci/run installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    report_page(dir.path());
    let page = dir.path().join("report.html");
    let (dom, log) = headless(&browser, &page, &["--enable-logging=stderr", "--v=0", "--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages:\n{}", console.join("\n"));
    assert!(dom.contains("<svg") && dom.contains("Verdict per group"), "the page did not load:\n{log}");

    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let size = |html: &Path, png: &str| {
        let png = dir.path().join(png);
        headless(&browser, html, &["--window-size=1200,2400", &format!("--screenshot={}", png.display())]);
        std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0)
    };
    let (drawn, empty) = (size(&page, "report.png"), size(&blank, "blank.png"));
    assert!(empty > 0, "chromium took no screenshot");
    assert!(drawn > 10 * empty, "the screenshot looks blank: {drawn} bytes against {empty} for an empty page");
}
