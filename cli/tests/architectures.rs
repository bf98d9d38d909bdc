//! `wl1 architectures`: the built-in ones listed, a user's file checked, a
//! bad file told by file and line with exit 2.

mod support;

use support::wl1_in;

fn example() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/architectures/no-validator.toml").to_string()
}

#[test]
fn the_built_in_architectures_are_listed_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = wl1_in(dir.path(), 60, &["architectures"]);
    assert_eq!(text.sane("architectures").code, Some(0), "{}", text.stderr);
    assert!(text.stdout.starts_with("workload1 (built in): 26 instances"), "{}", text.stdout);
    assert!(text.stdout.lines().all(|l| l.chars().count() <= 100), "{}", text.stdout);
    let json = wl1_in(dir.path(), 60, &["architectures", "--format", "json"]);
    let all: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let workload1 = &all[0];
    assert_eq!(workload1["name"], "workload1");
    assert_eq!(workload1["instances"].as_array().unwrap().len(), 26);
    assert_eq!(workload1["instances"][2]["name"], "receiver-1");
    assert_eq!(workload1["instances"][2]["wires"]["next"][0], "validator-1");
    assert_eq!(workload1["faults"]["switch_primary"].as_array().unwrap().len(), 3);
    assert_eq!(workload1["stages"].as_array().unwrap().len(), 12);
}

#[test]
fn a_users_file_is_checked_and_described() {
    let dir = tempfile::tempdir().unwrap();
    let ran = wl1_in(dir.path(), 60, &["architectures", &example(), "--format", "json"]);
    assert_eq!(ran.sane("a user's file").code, Some(0), "{}", ran.stderr);
    let all: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(all[0]["name"], "no-validator");
    assert_eq!(all[0]["stages"].as_array().unwrap().len(), 10);
}

#[test]
fn a_bad_file_is_told_by_file_and_line_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example()).unwrap().replace("kind = \"kafka\"", "kind = \"rabbitmq\"");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, &text).unwrap();
    let line = text[..text.find("rabbitmq").unwrap()].matches('\n').count() + 1;
    let ran = wl1_in(dir.path(), 60, &["architectures", bad.to_str().unwrap()]);
    ran.fails_with("an unknown kind", &[&format!("{}:{line}: unknown kind `rabbitmq`", bad.display())]);
    assert!(ran.stdout.is_empty(), "nothing listed: {}", ran.stdout);
    let missing = dir.path().join("none.toml");
    let ran = wl1_in(dir.path(), 60, &["architectures", missing.to_str().unwrap()]);
    ran.fails_with("a missing file", &[&missing.display().to_string()]);
}
